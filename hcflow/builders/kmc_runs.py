"""``KMCBuilder``: site_networks -> ``kmc`` (D by KMC at chosen temperatures).

At an MD temperature of the network the KMC runs on the MD rates and its D
is set beside the MD D of the same trajectories (trajectory_summaries, when
given): ``agrees_with_md`` says whether the two intervals overlap. At any
other temperature it runs on the exit barriers fitted across the MD
temperatures; a network without them (hops at one resolved temperature only,
or none) is skipped and the reason kept in ``skipped``.
"""

from __future__ import annotations

from collections.abc import Iterator

from maggma.core import Builder, Store

from hcflow.builders.kmc import KMCSettings
from hcflow.db.filters import check_filter
from hcflow.errors import HcflowError
from hcflow.hashing import stable_hash
from hcflow.kmc.barriers import arrhenius_network, network_at
from hcflow.kmc.estimate import kmc_diffusion
from hcflow.kmc.records import network_from_record
from hcflow.schemas.common import Provenance, json_safe
from hcflow.schemas.kmc import KMCDoc


class KMCBuilder(Builder):
    """site_networks (+ trajectory_summaries) -> kmc documents."""

    def __init__(
        self,
        site_networks: Store,
        kmc: Store,
        temperatures_K: list[float],
        trajectory_summaries: Store | None = None,
        query: dict | None = None,
        settings: dict | KMCSettings | None = None,
        chunk_size: int = 1,
    ):
        if not temperatures_K or any(not t > 0 for t in temperatures_K):
            raise HcflowError("kmc: give one or more temperatures > 0 K")
        self.site_networks, self.kmc = site_networks, kmc
        self.summaries = trajectory_summaries
        self.temperatures = sorted({float(t) for t in temperatures_K})
        self.query = dict(check_filter(query or {}, "query"))
        self.settings = KMCSettings.model_validate(settings or {}).model_dump()
        self.skipped: list[str] = []
        self.keys: list[str] = []
        sources = [site_networks] + (
            [trajectory_summaries] if trajectory_summaries else []
        )
        super().__init__(sources=sources, targets=[kmc], chunk_size=chunk_size)

    def get_items(self) -> Iterator[dict]:
        nets = list(self.site_networks.query(self.query))
        if not nets:
            raise HcflowError(f"the query matches no site_networks: {self.query}")
        for doc in nets:
            for t in self.temperatures:
                key = "kmc-" + stable_hash([doc["network_key"], t, self.settings])
                self.keys.append(key)
                if self.kmc.query_one({"kmc_key": key}, ["kmc_key"]):
                    continue
                yield {"key": key, "net": doc, "T": t}

    def _md_point(self, doc: dict, t: float) -> dict:
        if self.summaries is None:
            return {}
        rows = [
            s
            for s in self.summaries.query(
                {"task_id": {"$in": doc["task_ids"]}, "state": {"$ne": "failed"}},
                ["task_id", "temperature_K", "D_cm2_s", "D_ci95_low", "D_ci95_high"],
            )
            if s.get("temperature_K") is not None and abs(s["temperature_K"] - t) < 1e-6
        ]
        return rows[0] if rows else {}

    def process_item(self, item: dict) -> dict | None:
        s = KMCSettings(**self.settings)
        doc, t = item["net"], item["T"]
        obs = network_from_record(doc["network"], doc["system"])
        try:
            if t in obs.temperatures:
                net, source = network_at(obs, t), "md_rates"
            else:
                net, source = arrhenius_network(obs, s.min_exits)[0], "arrhenius"
            e = kmc_diffusion(
                net,
                t,
                n_ions=s.n_ions,
                n_hops=s.n_hops,
                n_bootstrap=s.n_bootstrap,
                seed=s.seed,
            )
        except HcflowError as exc:
            self.skipped.append(f"{doc['system']} at {t:g} K: {exc}")
            return None
        md = self._md_point(doc, t)
        agrees = None
        lo, hi = e.tracer_D_interval_cm2_s
        if md.get("D_ci95_high") is not None and md.get("D_ci95_low") is not None:
            agrees = bool(lo <= md["D_ci95_high"] and md["D_ci95_low"] <= hi)
        coll = e.collective_D_interval_cm2_s or (None, None)
        out = KMCDoc(
            kmc_key=item["key"],
            network_key=doc["network_key"],
            system=doc["system"],
            study_id=doc.get("study_id"),
            temperature_K=t,
            source=source,
            n_ions=e.n_ions,
            tracer_D_cm2_s=e.tracer_D_cm2_s,
            tracer_D_ci_low=lo,
            tracer_D_ci_high=hi,
            collective_D_cm2_s=e.collective_D_cm2_s,
            collective_D_ci_low=coll[0],
            collective_D_ci_high=coll[1],
            confidence=e.confidence,
            percolates=e.percolates,
            n_hops=e.n_hops,
            simulated_time_ps=e.simulated_time_ps,
            md_D_cm2_s=md.get("D_cm2_s"),
            md_D_ci_low=md.get("D_ci95_low"),
            md_D_ci_high=md.get("D_ci95_high"),
            agrees_with_md=agrees,
            note=e.note,
            settings=self.settings,
            provenance=Provenance.make(
                "builder:KMCBuilder", self.settings, [doc["network_key"]]
            ),
        )
        return json_safe(out.model_dump())

    def update_targets(self, items) -> None:
        docs = [d for d in items if d]
        if docs:
            self.kmc.update(docs, key="kmc_key")

    def build(self, close: bool = True) -> list[dict]:
        """Connect, run once, close; the kmc documents of the query."""
        self.connect()
        try:
            for item in self.get_items():
                self.update_targets([self.process_item(item)])
            found = [self.kmc.query_one({"kmc_key": k}) for k in self.keys]
            return [d for d in found if d]
        finally:
            if close:
                for st in [*self.sources, *self.targets]:
                    st.close()
