"""The benchmark runner works end to end at a tiny scale (no timing assertions)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_bench_smoke_writes_a_report_with_every_scenario_and_its_ratio(tmp_path):
    out = tmp_path / "performance.md"
    subprocess.run([sys.executable, "-m", "bench", "smoke", "--out", str(out)], check=True, cwd=ROOT,
                   capture_output=True, timeout=300)
    report = out.read_text()
    for scenario in ("baseline_sql_lookup", "baseline_trivial_view", "api_list_first_page_salesperson",
                     "api_list_deep_page_admin", "api_get_one", "api_patch_one", "api_post_one", "api_patch_one_2_clients",
                     "ui_list_first_page_salesperson", "ui_list_deep_page_admin", "quick_find_华为", "report: pipeline funnel [admin]",
                     "duplicate_check_one_account", "api_duplicate_check_entry"):
        assert f"| {scenario} |" in report
    assert "×" in report  # ratios to the same-run baseline are written
    assert "Data set: 300 accounts, 600 contacts, 300 leads, 300 opportunities, 1,500 activities" in report
    assert "Import of 200 leads with duplicate detection on" in report
    assert "0 failed" in report


@pytest.mark.slow
def test_pipeline_bench_times_the_funnel_and_forecast_against_the_bare_group_by(tmp_path):
    url = f"sqlite:///{tmp_path / 'pipeline.sqlite3'}"
    done = subprocess.run([sys.executable, "-m", "bench.pipeline", "--scale", "300", "--repeat", "2", "--url", url],
                          check=True, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "RAPPORT_HOME": str(tmp_path)})
    for scenario in ("ceiling: bare SQL GROUP BY stage", "pipeline funnel [admin]", "forecast by month [salesperson]"):
        assert f"| {scenario} |" in done.stdout
    assert "generated_opportunities: 300" in done.stdout


def test_a_new_run_replaces_the_figures_and_keeps_the_notes(tmp_path):
    from bench.common import write_report

    out = tmp_path / "performance.md"
    write_report(out, "# Performance\n\n| old figure | 9 |\n")
    assert out.read_text() == "# Performance\n\n| old figure | 9 |\n"
    out.write_text(out.read_text() + "\n## Notes\n\nWhy quick find misses its target.\n")
    write_report(out, "# Performance\n\n| new figure | 1 |\n")
    text = out.read_text()
    assert "| new figure | 1 |" in text and "old figure" not in text
    assert text.endswith("## Notes\n\nWhy quick find misses its target.\n")
