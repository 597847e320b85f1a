"""`newsloom report`: a static HTML file with every section, charts embedded offline, drawn by headless Chromium."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest
from conftest import ROOT

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000"]


@pytest.fixture(scope="module")
def report(sample_run, tmp_path_factory):
    out, _ = sample_run
    path = tmp_path_factory.mktemp("report") / "report.html"
    r = subprocess.run([sys.executable, "-m", "newsloom.interfaces.cli", "report", "--out", str(out), "-o", str(path)],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr
    return path


def test_report_has_every_section_and_needs_no_network(report):
    page = report.read_text(encoding="utf-8")
    for title in ("Coverage by language", "Entities over time", "Top speakers", "Places", "Co-occurrence network",
                  "Quotes carried by several articles", "Rejects", "Run history"):
        assert f"<h2>{title}</h2>" in page
    assert not re.search(r"<script[^>]+src=", page)  # plotly.js is inline: no CDN, works offline
    assert "Priya Castell" in page and "cost of living again" in page  # a speaker and a quote cluster
    assert "no_model_for_language" in page  # the sample's one reject: its German article
    assert "GeoNames (geonames.org), CC-BY 4.0" in page  # the gazetteer's licence asks for the credit
    assert "Rotterdam (NL): " in page and "Geneva (CH): " in page  # places on the map, with their country


def test_report_without_tables_is_a_clear_error(tmp_path):
    r = subprocess.run([sys.executable, "-m", "newsloom.interfaces.cli", "report", "--out", str(tmp_path)],
                       capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode == 2 and "no tables" in r.stderr


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it)")
def test_chromium_draws_the_charts(report, tmp_path):
    dom = subprocess.run([CHROMIUM, *FLAGS, "--dump-dom", report.as_uri()], capture_output=True, text=True,
                         timeout=180).stdout
    # plotly draws each chart as SVG only when its JavaScript runs: four charts, with their traces
    for div in ("chart-entities", "chart-places", "chart-network", "chart-rejects", "chart-runs"):
        block = dom.split(f'id="{div}"', 1)[1][:200_000]
        assert 'class="main-svg"' in block, div
    assert len(re.findall(r'class="trace scatter', dom)) >= 10  # entity lines and network edges
    assert len(re.findall(r'class="trace bars"', dom)) >= 3  # rejects and run bars
    # the map: the outlines (drawn from package data, nothing fetched) and a marker per sample place
    places = dom.split('id="chart-places"', 1)[1][:400_000]
    assert len(re.findall(r'class="point"', places)) >= 8
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, *FLAGS, "--window-size=1200,3000", f"--screenshot={shot}", report.as_uri()],
                   capture_output=True, timeout=180)
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 100_000  # a blank page compresses to a few kB
