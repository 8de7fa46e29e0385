"""Re-run the fault table of issue #30 (items 1-8): each case before and now.

"before" is what the issue's probe measured (its text); "after" is measured
here: the command's exit code, stderr lines, seconds and whether it met the
goal (one line, non-zero exit, in time). Cases that need a watcher, a killed
client or a database fixture run the test that reproduces them (pytest node).
A local server in a temporary folder serves the export cases; a closed port
stands for "database down" where a command must fail before reaching it.

Run: PYTHONPATH=. .venv/bin/python benchmarks/fault_table.py [--skip-pytest]
Writes benchmarks/results/fault_table.json; prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "results" / "fault_table.json"
CLI = [sys.executable, "-m", "hcflow.cli.main"]
META = '{"temperature_K": 1000, "timestep_fs": 1, "frame_interval": 10}'


def laughs(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def run(args: list[str], env: dict, timeout: float = 120, sigint_after=None) -> dict:
    """Exit code, stderr lines and seconds of one command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    if sigint_after is not None:
        time.sleep(sigint_after)
        proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        return {"rc": None, "stderr_lines": None, "s": timeout, "timed_out": True}
    lines = [x for x in err.splitlines() if x.strip()]
    shown = lines or out.strip().splitlines() or [""]
    return {
        "rc": proc.returncode,
        "stderr_lines": len(lines),
        "s": round(time.perf_counter() - t0, 2),
        "last_line": shown[-1][:200],
    }


def one_line(res: dict, limit_s: float = 10.0, rc=None) -> bool:
    ok_rc = res["rc"] not in (0, None) if rc is None else res["rc"] == rc
    return bool(ok_rc and res["stderr_lines"] == 1 and res["s"] <= limit_s)


def pytest_case(node: str, env: dict) -> dict:
    res = run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", node],
        env,
        600,
    )
    res["ok"] = res["rc"] == 0
    res["test"] = node
    return res


def cases(tmp: Path, env: dict, down: dict, skip_pytest: bool) -> list[dict]:
    rows: list[dict] = []

    def add(item, case, before, res, ok):
        res["ok"] = bool(ok)
        rows.append({"item": item, "case": case, "before": before, "after": res})
        print(f"[{item}] {case}: {'ok' if ok else 'NOT ok'} {res}", flush=True)

    def add_test(item, case, before, node):
        if skip_pytest:
            return
        res = pytest_case(node, env)
        add(item, case, before, res, res["ok"])

    add_test(
        1,
        "provisioning watcher (first start and reset)",
        "watcher created a root user and read documents",
        "tests/db/test_provision_window.py",
    )
    study = tmp / "evil.yaml"
    text = (ROOT / "studies" / "tiny.yaml").read_text()
    study.write_text(text.replace("study_id: tiny", "study_id: /tmp/evil"))
    res = run(CLI + ["study", "plan", str(study)], down)
    add(
        2,
        "study_id: /tmp/evil (path)",
        "checkpoints written outside the data folder",
        res,
        one_line(res),
    )
    add_test(
        2,
        "planted pickle checkpoint",
        "the pickle ran during study run",
        "tests/flows/test_md_checkpoint.py",
    )
    head = tmp / "huge.extxyz"
    head.write_text("999999999999\nProperties=species:S:1:pos:R:3\nNa 0 0 0\n")
    res = run(CLI + ["ingest", str(head), "-m", META], down)
    add(
        3,
        "extxyz header 999999999999 atoms",
        "hang > 120 s at 100 % CPU",
        res,
        one_line(res, 5),
    )
    bomb = tmp / "bomb.yaml"
    bomb.write_text(laughs())
    res = run(CLI + ["query", "md_tasks", "-f", str(bomb)], down)
    add(3, "billion laughs in --filter", "hang 60-90 s", res, one_line(res, 5))
    deep = tmp / "deep.json"
    deep.write_text('{"a":' * 100_000 + "1" + "}" * 100_000)
    res = run(CLI + ["query", "md_tasks", "-f", str(deep)], down)
    add(3, "100k-deep filter", "~3000-line RecursionError", res, one_line(res))
    grid = tmp / "grid.yaml"
    grid.write_text(
        text.replace(
            "temperatures: [600, 900]",
            "temperatures: [" + ",".join(str(300 + i) for i in range(1000)) + "]",
        ).replace(
            "densities: [1.0]",
            "densities: ["
            + ",".join(f"{0.8 + i * 0.001:.3f}" for i in range(1000))
            + "]",
        )
    )
    res = run(CLI + ["study", "plan", str(grid)], down)
    add(
        3,
        "study plan on a 10^6-point grid",
        "not refused: 62 s, 851 MB",
        res,
        one_line(res, 10),
    )
    steps = tmp / "steps.yaml"
    steps.write_text(
        text.replace("production_steps: 20", "production_steps: 1000000000000000")
    )
    res = run(CLI + ["study", "plan", str(steps)], down)
    add(3, "production_steps 1e15", "passed the plan", res, one_line(res))
    pw = tmp / "pw.yaml"
    pw.write_text(text.replace("potential: hcflow-nac-small", "potential: /etc/passwd"))
    res = run(CLI + ["study", "plan", str(pw)], down)
    add(3, "potential: /etc/passwd", "passed the plan", res, one_line(res))
    good = tmp / "na.extxyz"
    good.write_text(
        '1\nLattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3\nNa 0 0 0\n'
    )
    emoji = tmp / "meta.json"
    emoji.write_text(json.dumps({**json.loads(META), "label": "\U0001f50b"}))
    res = run(CLI + ["ingest", str(good), "-m", str(emoji)], down)
    add(
        4,
        "metadata with json.dump's escaped emoji",
        "94-line UnicodeEncodeError",
        res,
        res["stderr_lines"] == 1 and "Unicode" not in res.get("last_line", ""),
    )
    for var, value in (("HCFLOW_DB_TIMEOUT_S", "abc"), ("HCFLOW_DB_PORT", "99999")):
        res = run(CLI + ["db", "status"], {**down, var: value})
        add(
            4, f"{var}={value}", "49-line traceback / OverflowError", res, one_line(res)
        )
    res = run(
        CLI + ["study", "plan", str(ROOT / "studies" / "example.yaml")],
        down,
        sigint_after=1.5,
    )
    add(
        4,
        "Ctrl-C during a command",
        "KeyboardInterrupt traceback, exit 0",
        res,
        res["rc"] == 130 and res["stderr_lines"] <= 1,
    )
    for name, target in (
        ("a folder", tmp),
        ("/dev/full", Path("/dev/full")),
        ("a read-only file", tmp / "ro.json"),
    ):
        if name == "a read-only file":
            target.write_text("keep")
            target.chmod(0o444)
            if os.access(target, os.W_OK):
                print("[4] read-only file: skipped (root may write it)")
                continue
        res = run(
            CLI + ["export", "md_tasks", "--format", "json", "-o", str(target)], env
        )
        add(4, f"export --out to {name}", "42-64 line traceback", res, one_line(res))
    add_test(
        5,
        "20 MB document refused: no orphan blob",
        "orphan blob per refused document",
        "tests/db/test_orphans.py::test_oversized_document_writes_no_blob",
    )
    add_test(
        5,
        "client killed mid-write of a large blob",
        "orphan chunks only --min-age 0 removes",
        "tests/db/test_orphans.py::test_killed_upload_leaves_chunks_that_check_names_and_repairs",
    )
    add_test(
        5,
        "outputs referring to a missing blob",
        "db check exits 2 for good; --repair does not fix",
        "tests/db/test_check.py::test_planted_problems_are_found_and_repaired",
    )
    add_test(
        6, "3 concurrent db start", "2 of 3 fail", "tests/db/test_concurrent_start.py"
    )
    add_test(
        6,
        "server write failure (full disk) message",
        "internal server error until restarted by hand",
        "tests/db/test_connection.py::test_server_internal_error_says_what_to_do",
    )
    add_test(
        6,
        "client write on a full device (ENOSPC)",
        "traceback",
        "tests/services/test_export_writes.py",
    )
    add_test(
        7,
        "build descriptors rerun with failed summaries",
        "exit 0, 'already up to date'",
        "tests/cli/test_build_cli.py::test_build_descriptors_cli",
    )
    for args in (["--help"], ["db", "status"], ["query", "md_tasks"]):
        res = run(CLI + args, env)  # wall time: the machine's load counts too
        add(
            8,
            f"hcflow {' '.join(args)} wall time",
            "2-3 s alone (2.4 s CPU)",
            res,
            res["s"] <= 0.5,
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-pytest", action="store_true")
    opts = parser.parse_args()
    from hcflow.db.server import free_port, start_server, stop_server

    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        data, port = tmp / "data", free_port()
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HCFLOW_DATA_DIR": str(data),
            "HCFLOW_DB_PORT": str(port),
            "HCFLOW_DB_NAME": "faults",
        }
        down = {
            **env,
            "HCFLOW_DB_PORT": str(free_port()),
            "HCFLOW_DB_TIMEOUT_S": "2",
            "HCFLOW_DATA_DIR": str(tmp / "down"),
        }
        start_server(data, "127.0.0.1", port)
        try:
            rows = cases(tmp, env, down, opts.skip_pytest)
        finally:
            stop_server(data)
            stop_server(tmp / "down")  # a command may auto-start one there
    result = {
        "load_average": os.getloadavg(),
        "cases": rows,
        "ok": sum(r["after"]["ok"] for r in rows),
        "total": len(rows),
    }
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1) + "\n")
    print("\n| item | case | before | now | ok |\n|---|---|---|---|---|")
    for r in rows:
        a = r["after"]
        now = f"exit {a['rc']}, {a['stderr_lines']} line(s), {a['s']} s"
        if "test" in a:
            now = f"`{a['test'].split('/')[-1]}` {'passes' if a['ok'] else 'FAILS'}"
        ok = "yes" if a["ok"] else "NO"
        print(f"| {r['item']} | {r['case']} | {r['before']} | {now} | {ok} |")
    print(f"\n{result['ok']}/{result['total']} ok; wrote {OUT}")


if __name__ == "__main__":
    main()
