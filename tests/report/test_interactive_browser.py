"""The interactive report page in a real browser: headless Chromium (Debian's
package) loads it with no console error, every figure renders (plotly SVG,
WebGL for the 3D view) and the screenshot is not blank. Skipped, with the
reason printed, where Chromium is absent."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from hcflow.report.interactive import page_figures, write_interactive

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
    "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--enable-unsafe-swiftshader",
    "--virtual-time-budget=8000",
]  # fmt: skip


class _Traj:
    def __init__(self, rng):
        self.numbers = np.array([6] * 40 + [11] * 4)
        self.cells = np.eye(3)[None] * 12.0
        steps = rng.normal(0, 0.3, (30, 44, 3))
        self.positions = np.cumsum(steps, 0) + rng.uniform(0, 12, (44, 3))


def _data():
    rows = []
    for i, (rho, temp, ok) in enumerate(
        [(0.9, 900.0, True), (0.9, 1100.0, False), (1.3, 900.0, True)]
    ):
        d, lag = 1e-5 / (1 + i), np.linspace(0.1, 2.0, 20)
        rows.append(
            {"task_id": f"t{i}", "density_g_cm3": rho, "na_content": 0.05,
             "temperature_K": temp, "D_cm2_s": d, "D_ci95_low": 0.7 * d,
             "D_ci95_high": 1.4 * d, "diffusive": ok, "diffusive_reason": "test",
             "msd_lag_ps": lag.tolist(), "msd_A2": (6e4 * d * lag).tolist()}
        )  # fmt: skip
    return {"summaries": pd.DataFrame(rows), "arrhenius": []}


@pytest.fixture
def page(tmp_path):
    figs, skipped = page_figures(_data(), _Traj(np.random.default_rng(0)))
    assert set(figs) == {"msd", "diffusion", "structure"}
    assert "arrhenius" in skipped
    return write_interactive(tmp_path, figs)


def test_page_is_small_and_offline(page):
    assert page.stat().st_size < 300_000  # plotly.js is a file beside it
    assert (page.parent / "plotly.min.js").stat().st_size > 1_000_000
    assert "https://" not in page.read_text().split("<body>")[0]


def test_open_markers_mean_not_diffusive():
    fig = page_figures(_data())[0]["diffusion"]
    symbols = [s for tr in fig.data for s in tr.marker.symbol]
    assert symbols.count("circle-open") == 1 and symbols.count("circle") == 2


@pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (apt-get "
                    "install chromium): the browser test cannot run")  # fmt: skip
def test_page_renders_in_chromium(page, tmp_path):
    url = page.as_uri()
    ud = tmp_path / "profile"
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={ud}", "--enable-logging=stderr",
         "--v=0", "--window-size=1200,2600", f"--screenshot={shot}", url],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    console = [ln for ln in run.stderr.splitlines() if ":CONSOLE" in ln]
    errors = [ln for ln in console if "Uncaught" in ln or "Error" in ln]
    assert errors == []
    dom = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={ud}2", "--dump-dom", url],
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert dom.count('class="main-svg"') >= 4  # the 2D figures drew their SVG
    assert 'class="gl-container"' in dom  # the 3D view got a WebGL canvas
    from PIL import Image

    img = np.asarray(Image.open(shot).convert("L"), float)
    assert img.shape == (2600, 1200) and img.std() > 10  # not blank
