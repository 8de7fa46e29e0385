"""Run every gate on one calculator: not applicable, errors, the order.

A gate whose elements the model lacks is ``not applicable``; a gate that
raises is ``error`` with a one-line note, and the others still run. Gates
that need another gate's numbers (the Na metal energy, the graphite energy)
use them when that gate ran, else are ``error`` saying what they need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from hcflow.potentials import gates, gates_md, gates_nac
from hcflow.potentials.gates import GateResult, skipped
from hcflow.potentials.references import ELEMENTS, REFERENCES

STATIC = [n for n, r in REFERENCES.items() if r.family != "md"]
MD = [n for n, r in REFERENCES.items() if r.family == "md"]


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:200]


def summary(results: Iterable[GateResult]) -> dict[str, int]:
    """Count of each status."""
    out: dict[str, int] = {}
    for r in results:
        out[r.status] = out.get(r.status, 0) + 1
    return out


def run_gates(
    calc: Any,
    elements: Iterable[str] | None = None,
    md: bool = False,
    announce: Callable[[str], None] | None = None,
) -> list[GateResult]:
    """Every static gate (and the MD gates when ``md``), in REFERENCES order.

    ``elements``: what the model knows (None or empty: everything).
    """
    known = set(elements or ())
    shared: dict[str, float] = {}
    done: dict[str, GateResult] = {}

    def applicable(name: str) -> bool:
        return not known or all(e in known for e in ELEMENTS[name])

    def run(names: list[str], fn: Callable[[], Any], needs=()) -> None:
        todo = [n for n in names if applicable(n)]
        for n in names:
            if n not in todo:
                lacks = [e for e in ELEMENTS[n] if e not in known]
                done[n] = skipped(n, "not applicable", f"model lacks {'/'.join(lacks)}")
        if not todo:
            return
        missing = [k for k in needs if k not in shared]
        if missing:
            for n in todo:
                done[n] = skipped(n, "error", f"needs {', '.join(missing)}")
            return
        if announce:
            announce(f"gates: {', '.join(todo)}")
        try:
            out = fn()
        except Exception as exc:  # noqa: BLE001 - one gate's failure is one line
            for n in todo:
                done[n] = skipped(n, "error", _one_line(exc))
            return
        if isinstance(out, tuple):
            out, extra = out
            shared.update(extra)
        for r in out:
            done[r.name] = r

    run(["na_bcc_a", "na_cohesive", "na_bulk_modulus"], lambda: gates.na_metal(calc))
    run(
        ["na2_bond", "na2_binding"],
        lambda: gates.na_dimer(calc, shared["e_atom"]),
        needs=("e_atom",),
    )
    run(
        ["graphene_cc", "graphite_spacing", "graphite_binding"],
        lambda: gates.carbon(calc),
    )
    adsorb = [n for n in STATIC if n.startswith("na_graphene_")]
    run(
        adsorb,
        lambda: gates_nac.na_on_graphene(calc, shared["e_atom"], shared["e_bulk"]),
        needs=("e_atom", "e_bulk"),
    )
    run(
        ["na_vacancy_vs_metal"],
        lambda: gates_nac.na_at_vacancy(calc, shared["e_atom"], shared["e_bulk"]),
        needs=("e_atom", "e_bulk"),
    )
    run(
        ["nac6_formation", "nac8_formation"],
        lambda: gates_nac.intercalation(calc, shared["e_graphite_c"], shared["e_bulk"]),
        needs=("e_graphite_c", "e_bulk"),
    )
    if md:
        for t in (450, 700):
            run([f"na_liquid_D_{t}K"], lambda t=t: [gates_md.diffusion(calc, t)])
        run(["nve_drift_1fs", "nve_drift_2fs"], lambda: gates_md.nve_drift(calc))
    names = STATIC + (MD if md else [])
    return [done[n] for n in names if n in done]
