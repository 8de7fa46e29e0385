"""``hcflow demo``: a small transport study end to end, then the report.

Runs ``studies/demo.yaml`` (``hcflow/studies/demo.yaml``) on the local database
with the shipped offline model: structures -> sodiation -> MD for every grid
point, then the descriptor, mode, driver and correlation builders, then the
report, and prints one summary line per system. Re-running reuses everything
already in the database (completed points and builder results are skipped).
"""

from __future__ import annotations

import math
import time
from pathlib import Path

from hcflow.services.common import Echo, connect, to_stderr

# the one demo study file (package data; studies/demo.yaml links to it)
DEMO_FILE = Path(__file__).resolve().parents[1] / "studies" / "demo.yaml"

LIMITS = """\
What this demo can and cannot tell you
  - 6 systems of ~126 atoms (shipped melt-quench cells at 0.9 and 1.3 g/cm3,
    6 Na each), 2.6 ps of production MD at 800, 950 and 1100 K (below the
    boiling point of Na, 1156 K; Bussi thermostat), on 2 CPU cores.
  - Every D carries a verdict: 'diffusive' only when the MSD's log-log slope
    interval lies inside 0.85-1.15 (an equivalence test); 'not diffusive' says
    why (confined / sub-diffusive / ballistic; D is then an upper bound);
    'undetermined' means the run is too short to tell. Only diffusive D enter
    the Arrhenius fit.
  - Regime flags: in these ~12 A cells every Na shares one pore network
    (fluid_ions) and the pores are as large as the cell (small_cell), so the D
    here describe Na in a small confined fluid, not Na in hard carbon (about
    1e-9 to 1e-11 cm2/s at 300 K by GITT). Bigger cells (n_carbon 500-2000) fix
    that; they need a melt-quench run and longer MD than this budget.
  - D(300 K) from three temperatures over 2.6 ps is not estimable (the
    interval spans tens of decades), and the demo says so instead of printing
    it. `hcflow study plan STUDY.yaml` estimates before any MD what a design
    delivers; a study needs about 6+ temperatures down to ~500 K, 3 replicas
    and runs long enough to be called diffusive (docs/verdict.md)."""


def load_demo_study():
    """The demo's StudySpec."""
    from hcflow.flows.spec import load_study

    return load_study(DEMO_FILE)


def run_demo(out_dir: Path, echo: Echo = print, warn: Echo = to_stderr) -> dict:
    """Run the whole demo; returns timings and paths.

    ``echo`` gets the demo's lines, ``warn`` those about failed trajectories.
    """
    from hcflow.report.build import build_report
    from hcflow.services.build import (
        ANALYSES,
        run_analysis,
        run_arrhenius,
        run_descriptors,
    )
    from hcflow.services.study import run_study

    t0 = time.perf_counter()
    times = {}
    settings = connect(announce=echo)
    spec = load_demo_study()
    echo(
        f"== 1/4 MD study {spec.id}: {len(spec.points())} systems "
        f"(densities {spec.densities} g/cm3 x Na:C {spec.na_per_c} x "
        f"{spec.temperatures} K) with potential {spec.potential}"
    )
    t = time.perf_counter()
    run_study(spec, settings, echo=echo, progress=True)
    times["md"] = time.perf_counter() - t
    echo("== 2/4 per-ion descriptors")
    t = time.perf_counter()
    query = {"study_id": spec.id}
    run_descriptors(query=query, echo=echo, warn=warn, settings=settings)
    times["descriptors"] = time.perf_counter() - t
    echo("== 3/4 diffusion modes, mobility drivers, correlations, Arrhenius")
    t = time.perf_counter()
    for kind in ANALYSES:
        try:
            run_analysis(kind, query, echo=echo, settings=settings)
        except Exception as exc:  # noqa: BLE001 - keep the demo going, say why
            echo(f"  {kind}: skipped ({str(exc).splitlines()[0][:150]})")
    try:  # after modes: per-mode fits too; < 3 temperatures: says why, no fit
        run_arrhenius(query, echo=echo, settings=settings)
    except Exception as exc:  # noqa: BLE001 - keep the demo going, say why
        echo(f"  arrhenius: skipped ({str(exc).splitlines()[0][:150]})")
    times["analysis"] = time.perf_counter() - t
    echo("== 4/4 report")
    t = time.perf_counter()
    res = build_report(out_dir, study_id=spec.id, settings=settings)
    times["report"] = time.perf_counter() - t
    times["total"] = time.perf_counter() - t0
    echo("")
    echo(summary_table(res.systems))
    echo("")
    echo(LIMITS)
    echo("")
    echo(design_summary(spec))
    echo("")
    echo(f"report:   {res.html.resolve()}  ({len(res.figures)} figures + CSV)")
    echo(
        f"database: {settings.safe_uri} ({settings.db_name}); try "
        "`hcflow query trajectory_summaries --fields task_id,D_cm2_s`"
    )
    echo("time:     " + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()))
    return {"times": times, "report": str(res.html), "figures": len(res.figures)}


def design_summary(spec) -> str:
    """What this study's temperature design can deliver (the plan's estimate)."""
    from hcflow.analysis.arrhenius_design import design_interval, design_line

    return design_line(design_interval(spec.temperatures, spec.replicas))


def summary_table(systems) -> str:
    """One line per system: density, Na:C, T, ions, tracer D with its 95 % CI,
    its verdict (a non-diffusive D is printed as an upper bound, '<'), the
    regime flags and, where computed, the force MAE against the reference
    potential ('!': forces_ok false)."""
    if systems is None or not len(systems):
        return "(no systems analysed)"
    dev = "dF_mae_eV_A" in systems and any(map(_finite, systems["dF_mae_eV_A"]))
    lines = [
        f"{'rho g/cm3':>9} {'Na:C':>6} {'T K':>6} {'n_Na':>5} "
        f"{'D_Na cm2/s':>11} {'95% CI':>21}  {'verdict':<36} {'regime':<22} "
        + (f"{'dF MAE eV/A':>11} " if dev else "")
        + "mode"
    ]
    for _, r in systems.iterrows():
        mode = r.get("dominant_mode", "") if "dominant_mode" in systems else ""
        outcome = _outcome(r)
        d = (
            f"<{r['D_cm2_s']:.2e}"
            if outcome == "not diffusive"
            else f"{r['D_cm2_s']:.2e}"
        )
        slope = r.get("msd_loglog_slope")
        slope = f" (slope {slope:.2f})" if _finite(slope) else ""
        if _verdict(r.get("ion_contacts_ok")) is False:
            close = r.get("min_ion_pair_A")
            verdict = f"NO: ions merged ({close:.2f} A)" if _finite(close) else "NO"
        elif outcome is None:
            verdict = "not judged"
        elif outcome == "not diffusive":
            parts = str(r.get("diffusive_reason") or "").split(":")
            kind = (
                parts[1] if parts[0] == "not diffusive" and len(parts) > 1 else parts[0]
            )
            verdict = f"NO: {kind.strip()}{slope}"
        else:
            verdict = outcome + slope
        regime = r.get("regime")
        flags = ",".join(f.get("flag", "") for f in regime) if _listy(regime) else ""
        lines.append(
            f"{r['density_g_cm3']:>9.2f} {r['na_content']:>6.3f} "
            f"{r['temperature_K']:>6.0f} {int(r.get('n_ions', 0) or 0):>5d} "
            f"{d:>11} [{r['D_ci95_low']:.2e}, {r['D_ci95_high']:.2e}]"
            f"  {verdict[:36]:<36} {(flags or '-')[:22]:<22} "
            + (f"{_deviation(r):>11} " if dev else "")
            + f"{mode if isinstance(mode, str) else ''}"
        )
    return "\n".join(lines)


def _deviation(r) -> str:
    """Force MAE against the reference ('!' when forces_ok is false), or '-'."""
    mae = r.get("dF_mae_eV_A")
    if not _finite(mae):
        return "-"
    return f"{mae:.3f}" + ("!" if _verdict(r.get("forces_ok")) is False else "")


def _outcome(r) -> str | None:
    """The stored outcome, else one from the boolean verdict (older documents)."""
    outcome = r.get("diffusion_outcome")
    if isinstance(outcome, str) and outcome:
        return outcome
    ok = _verdict(r.get("diffusive"))
    return None if ok is None else "diffusive" if ok else "not diffusive"


def _listy(value) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(f, dict) for f in value)


def _finite(value) -> bool:
    try:
        return value is not None and math.isfinite(float(value))
    except (TypeError, ValueError):
        return False


def _verdict(value) -> bool | None:
    """A stored verdict as True / False / None (missing or NaN in a table)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return bool(value)
