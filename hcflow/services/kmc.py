"""``hcflow build kmc``: site networks from MD, then D by KMC at any T.

Builds ``site_networks`` (one per host, from the md_tasks the filter selects)
and then ``kmc`` at each requested temperature; prints one line per network
(sites, hops per MD temperature, percolation, the exit barrier) and one per
KMC point (D with its interval, where its rates came from, the MD D beside
it at MD temperatures), then what was skipped and why.
"""

from __future__ import annotations

from typing import Any

from hcflow.errors import HcflowError
from hcflow.inputs import parse_model, read_mapping
from hcflow.services.common import Echo, connect
from hcflow.settings import Settings, get_settings


def _interval(d: float, lo: float, hi: float) -> str:
    return f"{d:.3g} [{lo:.3g}, {hi:.3g}] cm2/s"


def describe_network(doc: dict) -> str:
    """One line: what a site network holds."""
    hops = ", ".join(f"{t} K: {n}" for t, n in doc["hops"].items())
    fit = doc["barriers"][0] if doc["barriers"] else None
    ea = (
        f"exit barrier {fit['barrier_eV']:.3f} +- {fit['barrier_err_eV']:.3f} eV"
        if fit
        else doc["barrier_note"]
    )
    return (
        f"{doc['system']}: {doc['n_sites']} sites, hops ({hops}), percolates "
        f"along {doc['percolation_directions']}; {ea}"
    )


def describe_kmc(doc: dict) -> str:
    """One line: D by KMC at one temperature, with the MD D beside it."""
    line = f"{doc['temperature_K']:g} K ({doc['source']}): KMC D " + _interval(
        doc["tracer_D_cm2_s"], doc["tracer_D_ci_low"], doc["tracer_D_ci_high"]
    )
    if doc.get("md_D_cm2_s") is not None:
        agree = "agree" if doc.get("agrees_with_md") else "DISAGREE"
        line += (
            "; MD D "
            + _interval(doc["md_D_cm2_s"], doc["md_D_ci_low"], doc["md_D_ci_high"])
            + f" ({agree})"
        )
    if not doc["percolates"]:
        line += f"; {doc['note']}"
    return line


def run_kmc(
    temperatures_K: list[float],
    query: Any = None,
    overrides: Any = None,
    echo: Echo = print,
    settings: Settings | None = None,
) -> dict[str, Any]:
    """Build site_networks and kmc; returns their documents and the skips."""
    from hcflow.builders.kmc import KMCSettings, SiteNetworkBuilder
    from hcflow.builders.kmc_runs import KMCBuilder

    if not temperatures_K:
        raise HcflowError("build kmc: give at least one --temperature")
    q = read_mapping(query, "query", unwrap=("filter", "query"))
    over = parse_model(
        KMCSettings, read_mapping(overrides, "kmc settings"), "kmc settings"
    ).model_dump()
    settings = settings or get_settings()
    from hcflow.db.stores import get_data_store, get_store

    connect(settings, announce=echo)
    nets = SiteNetworkBuilder(
        get_store("md_tasks", settings),
        get_data_store(settings),
        get_store("site_networks", settings),
        query=q,
        settings=over,
    ).build()
    echo(f"site_networks: {len(nets)} system(s)")
    for doc in nets:
        echo("  " + describe_network(doc))
    builder = KMCBuilder(
        get_store("site_networks", settings),
        get_store("kmc", settings),
        temperatures_K,
        get_store("trajectory_summaries", settings),
        query={"network_key": {"$in": [d["network_key"] for d in nets]}},
        settings=over,
    )
    docs = builder.build()
    echo(f"kmc: {len(docs)} point(s)")
    for doc in docs:
        echo("  " + describe_kmc(doc))
    for line in builder.skipped:
        echo(f"  skipped {line}")
    return {"site_networks": nets, "kmc": docs, "skipped": builder.skipped}
