"""Modes + drivers on 100,000 synthetic ion documents: time and planted accuracy.

Data: 100,000 ion documents (the flat ion_descriptors fields) from 200
trajectories; six planted diffusion modes in descriptor space; log10 D_i
depends on two structural descriptors only (cn_na_na, pore_tortuosity) plus
noise. Default settings throughout (modes: k = 2..12 by BIC, 10 bootstrap
refits; drivers: 5 grouped folds, 5 permutation repeats, 150 boosting
iterations), on 2 threads.

How it stays fast: model selection and stability run on a 5,000-ion
subsample (the BIC scan costs the same at 10^4 or 10^6 ions), then every ion
is labelled by ``predict``; the drivers use histogram gradient boosting
(binned features, O(n)) and permutation importance on at most 5,000 held-out
ions per fold.

Two measurements:

- ``pure``: the analysis functions the builders call, from the list of
  document dicts to the result (DataFrame building included);
- ``db`` (skipped with ``--pure-only``): the whole ModeBuilder +
  DriverBuilder on a throw-away local database server (its own port and temp
  folder, stopped by PID): query, analysis, 100,000 ion_modes written, result
  documents; and the no-op re-run.

Run: ``.venv/bin/python benchmarks/bench_analysis.py [--n 100000] [--pure-only]``
(about 3 minutes, most of it inserting the 100,000 input documents).

Measured here (2 busy cores, local SecantusDB server): pure 19 s (modes 2.7 s,
drivers 16 s); builders 84 s (modes 55 s of which 37 s writing the 100,000
ion_modes documents, drivers 30 s); no-op re-run of both 13 s.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "2")  # "2 cores": before numpy/sklearn

import argparse  # noqa: E402
import json  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from sklearn.metrics import adjusted_rand_score  # noqa: E402

from hcflow.analysis.drivers import DriverSettings, find_drivers  # noqa: E402
from hcflow.analysis.table import feature_matrix  # noqa: E402
from hcflow.builders.drivers import resolve_driver_settings  # noqa: E402
from hcflow.builders.modes import resolve_mode_settings, run_modes  # noqa: E402
from hcflow.schemas.names import DYNAMIC, STRUCTURAL  # noqa: E402

OUT = Path(__file__).parent / "results" / "analysis.json"
PLANTED_K = 6
DRIVERS = ["cn_na_na", "pore_tortuosity"]


def synthetic_docs(n: int, k: int = PLANTED_K, n_traj: int = 200, seed: int = 0):
    """(ion documents, planted mode of each)."""
    rng = np.random.default_rng(seed)
    cols = [c for c in [*STRUCTURAL, *DYNAMIC] if c not in ("log10_D", "D_cm2_s")]
    centers = rng.normal(0, 5, (k, len(cols)))
    truth = rng.integers(0, k, n)
    x = centers[truth] + rng.normal(size=(n, len(cols)))
    df = pd.DataFrame(x, columns=cols)
    df["log10_D"] = -5 + 0.3 * df["cn_na_na"] - 0.2 * df["pore_tortuosity"]
    df["log10_D"] += 0.1 * rng.normal(size=n)
    df["D_cm2_s"] = 10 ** df["log10_D"]
    task = rng.integers(0, n_traj, n)
    df["task_id"] = [f"t{t}" for t in task]
    df["ion_key"] = [f"t{t}:{i}:h" for i, t in enumerate(task)]
    df["settings_hash"] = "h"
    df["study_id"] = "bench"
    df["density_g_cm3"] = 0.7 + (task % 10) * 0.13
    df["na_content"] = 0.05 + (task // 10 % 4) * 0.04
    df["temperature_K"] = 1000.0
    df["state"] = "successful"
    return df.to_dict("records"), truth


def pure(docs: list[dict], truth: np.ndarray) -> dict:
    t0 = time.perf_counter()
    ions = pd.DataFrame(docs)
    t_frame = time.perf_counter() - t0
    t0 = time.perf_counter()
    res, _ = run_modes(ions, resolve_mode_settings({}))
    t_modes = time.perf_counter() - t0
    t0 = time.perf_counter()
    ds = DriverSettings(**resolve_driver_settings({}))
    x, _, _ = feature_matrix(ions, ds.features, fill=False)
    dres = find_drivers(x, ions["log10_D"].to_numpy(), ions["task_id"].to_numpy(), ds)
    t_drivers = time.perf_counter() - t0
    imp = dres.importance
    others_high = imp[~imp["descriptor"].isin(DRIVERS)]["high"].max()
    return {
        "frame_s": t_frame,
        "modes_s": t_modes,
        "drivers_s": t_drivers,
        "total_s": t_frame + t_modes + t_drivers,
        "chosen_k": res.k,
        "ari_vs_planted": float(adjusted_rand_score(truth, res.labels)),
        "stability_ari": res.stability_ari,
        "confident": res.confident,
        "top_drivers": imp["descriptor"][:2].tolist(),
        "drivers_separated": bool(
            imp[imp["descriptor"].isin(DRIVERS)]["low"].min() > others_high
        ),
        "r2_grouped_cv": dres.r2_mean,
        "r2_grouped_cv_std": dres.r2_std,
        "r2_linear": dres.r2_linear_mean,
        "accuracy": dres.accuracy_mean,
    }


def with_db(docs: list[dict]) -> dict:
    from hcflow.builders.analysis import make_builder
    from hcflow.db import server
    from hcflow.db.stores import ensure_database, get_store
    from hcflow.schemas.common import utcnow
    from hcflow.settings import Settings

    tmp = Path(tempfile.mkdtemp(prefix="hcflow-bench-"))
    port = server.free_port()
    server.start_server(tmp, "127.0.0.1", port)
    try:
        hs = Settings(data_dir=tmp, db_port=port, db_name="bench", db_timeout_s=10)
        ensure_database(hs)
        now = utcnow()
        with get_store("ion_descriptors", hs) as st:
            t0 = time.perf_counter()
            coll = st._collection
            for i in range(0, len(docs), 20000):
                coll.insert_many(
                    [{**d, "last_updated": now} for d in docs[i : i + 20000]]
                )
            t_insert = time.perf_counter() - t0
        out = {"insert_s": t_insert}
        for kind in ("modes", "drivers"):
            t0 = time.perf_counter()
            b = make_builder(kind, {}, {}, hs)
            b.build()
            out[f"{kind}_build_s"] = time.perf_counter() - t0
            out.update({f"{kind}_{k}": v for k, v in b.timings.items()})
        t0 = time.perf_counter()
        for kind in ("modes", "drivers"):
            b = make_builder(kind, {}, {}, hs)
            b.build()
            assert not b.new_results
        out["noop_rebuild_s"] = time.perf_counter() - t0
        out["total_build_s"] = out["modes_build_s"] + out["drivers_build_s"]
        return out
    finally:
        server.stop_server(tmp)
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument(
        "--pure-only", action="store_true", help="skip the builders on a database"
    )
    args = ap.parse_args()
    docs, truth = synthetic_docs(args.n)
    out = {"n_ions": args.n, "planted_k": PLANTED_K, "planted_drivers": DRIVERS}
    out["pure"] = pure(docs, truth)
    if not args.pure_only:
        out["db"] = with_db(docs)
    p = out["pure"]
    print(f"{'step':<28}{'seconds':>10}")
    for key in ("frame_s", "modes_s", "drivers_s", "total_s"):
        print(f"{'pure ' + key[:-2]:<28}{p[key]:>10.1f}")
    for key, val in out.get("db", {}).items():
        print(f"{'db ' + key[:-2]:<28}{val:>10.1f}")
    print(
        f"k={p['chosen_k']} (planted {PLANTED_K}), ARI={p['ari_vs_planted']:.3f}, "
        f"stability={p['stability_ari']:.3f}; top drivers {p['top_drivers']} "
        f"(separated: {p['drivers_separated']}), grouped-CV R2="
        f"{p['r2_grouped_cv']:.3f}+-{p['r2_grouped_cv_std']:.3f}"
    )
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(out, indent=2, default=float))


if __name__ == "__main__":
    main()
