"""What a build prints: one line per Arrhenius fit or analysis result, and the
one-line failure summaries that make `hcflow build` exit 1."""

from __future__ import annotations


def _ci(v, lo, hi, fmt: str) -> str:
    if v is None:
        return "n/a"
    return f"{v:{fmt}} [{lo:{fmt}}, {hi:{fmt}}]"


def describe_arrhenius(doc: dict) -> str:
    """One line about an arrhenius document."""
    g = doc.get("group") or {}
    system = (
        f"{g.get('mobile_species')} rho={g.get('density_g_cm3')} "
        f"Na:C={g.get('na_content')} n_atoms={g.get('n_atoms')} "
        f"settings {g.get('settings_hash')}"
        + (f" mode {doc['mode']}" if doc.get("mode") else "")
    )
    pts = f"{doc.get('n_points_used')} of {len(doc.get('points') or [])} points"
    if doc.get("state") != "fitted":
        return f"{system}: no fit ({doc.get('reason')})"
    t = doc.get("T_extrapolate_K")
    ea = _ci(doc["Ea_eV"], doc["Ea_ci95_low"], doc["Ea_ci95_high"], ".3f")
    if doc.get("estimable") is False:  # no number it cannot support
        return f"{system}: Ea = {ea} eV from {pts}; {doc.get('validity')}"
    d = _ci(
        doc["D_extrapolated_cm2_s"],
        doc["D_extrapolated_ci95_low"],
        doc["D_extrapolated_ci95_high"],
        ".2e",
    )
    return f"{system}: Ea = {ea} eV, D({t:g} K) = {d} cm2/s from {pts}; " + str(
        doc.get("validity")
    )


def describe_result(kind: str, doc: dict) -> str:
    """One line about an analysis result document."""
    n = f"{doc.get('n_inputs')} ions / {doc.get('n_trajectories')} trajectories"
    if kind == "modes":
        names = ", ".join(sorted(set(doc.get("names", {}).values())))
        ari = doc.get("stability_ari")
        conf = "" if doc.get("confident") else ", NOT confident"
        ari_text = f"{ari:.2f}" if ari is not None else "n/a"
        return f"{n}: k={doc['k']} [{names}], stability ARI={ari_text}{conf}"
    if kind == "drivers":
        top = [d["descriptor"] for d in doc.get("importance", [])[:2]]
        r2, sd = doc.get("r2_mean"), doc.get("r2_std")
        r2_text = f"{r2:.2f}+-{sd:.2f}" if r2 is not None and sd is not None else "n/a"
        return f"{n}: grouped-CV R2={r2_text}, top {top}"
    if kind == "correlations":
        return f"{n}, modes from {doc.get('mode_source')}"
    return n


def failure_summary(outcome: dict[str, str]) -> str | None:
    """One line naming every target of :func:`run_all` that did not fully
    succeed (``None`` when all did)."""
    bad = [
        f"{name} {text.split(':')[0]}"
        if text.startswith("skipped")
        else f"{name}: {text}"
        for name, text in outcome.items()
        if text != "done"
        and not text.startswith("not estimable")
        and text.removesuffix(" not estimable").rstrip("0123456789") != "done, "
    ]
    return "; ".join(bad) if bad else None


def descriptor_failures(stats: dict[str, int]) -> str | None:
    """One line when trajectories failed in a descriptor build, now or in an
    earlier build with the same settings (else ``None``)."""
    earlier = stats.get("failed_earlier", 0)
    if not stats.get("failed") and earlier > 0:
        return (
            f"{earlier} trajectories failed in an earlier build (reasons in their "
            "trajectory_summaries); fix them and re-run with --retry-failed"
        )
    if not stats.get("failed"):
        return None
    total = stats["failed"] + stats.get("processed", 0)
    return (
        f"{stats['failed']} of {total} trajectories failed (reasons above and in "
        "their trajectory_summaries); fix them and re-run with --retry-failed"
    )
