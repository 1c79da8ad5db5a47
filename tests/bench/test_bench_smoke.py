"""Every benchmark, run tiny through `python -m bench`: they must keep working as the code
changes. Figures are not checked (no timing assertions); the counts they verify are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.multiprocess


def databases() -> list[str]:
    """The database the suite runs against: SQLite, or PostgreSQL (bench_* databases are
    created on the same server and dropped afterwards). CI runs the suite on both, so each
    benchmark runs once on each, not twice on SQLite."""
    url = os.environ.get("TEST_DATABASE_URL", "")
    return ["postgresql"] if url.startswith("postgres") else ["sqlite"]


def run_bench(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "result.json"
    env = dict(os.environ)
    if os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"):
        env["BENCH_PG_URL"] = os.environ["TEST_DATABASE_URL"]
    done = subprocess.run(
        [sys.executable, "-m", "bench", *args, "--json", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(out.read_text())


def test_help_lists_every_benchmark():
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0
    names = ("webhook", "tick", "burst", "import", "pages", "request-scope", "logins")
    for name in (*names, "pg-pipeline", "writer"):
        assert name in done.stdout


@pytest.mark.parametrize("kind", databases())
def test_webhook_bench_stores_every_answered_message(tmp_path, kind):
    result = run_bench(
        tmp_path, "webhook", "--db", kind, "--workers", "1", "--duration", "0.5",
        "--rate", "20", "--phones", "5", "--concurrency", "2",
    )  # fmt: skip
    (run,) = result["runs"]
    assert run["app"]["closed"]["ok"] > 0
    assert run["baseline"]["closed"]["ok"] > 0
    # The floor verifies signatures: a 403 there would mean it measured the wrong path.
    assert run["floor"]["closed"]["statuses"] == {"200": run["floor"]["closed"]["requests"]}
    assert run["app"]["open"]["statuses"] == {"200": run["app"]["open"]["requests"]}
    assert run["all_answered_stored"]


@pytest.mark.parametrize("kind", databases())
def test_tick_bench_explains_the_claim_query(tmp_path, kind):
    result = run_bench(
        tmp_path, "tick", "--db", kind, "--small", "5", "--large", "20", "--planned", "3",
        "--repeat", "2",
    )  # fmt: skip
    (run,) = result["runs"]
    assert run["large"]["loaded"]["planned_messages"] == 60
    plans = run["large"]["claim_plans"]
    assert any("planned_messages" in plan["sql"] and plan["plan"] for plan in plans)


def test_burst_bench_sends_each_message_once(tmp_path):
    result = run_bench(
        tmp_path, "burst", "--db", databases()[-1], "--messages", "60", "--patients", "10",
        "--workers", "1", "2", "--limit-rate", "20", "--limit-seconds", "1",
    )  # fmt: skip
    for run in result["runs"]:
        assert run["handed_to_transport"] == run["rows_sent_in_db"] == 60
        assert run["duplicates"] == run["lost"] == 0
    assert result["rate_limiter"]["sent"] > 0


def test_import_bench_reports_one_result_per_row(tmp_path):
    result = run_bench(tmp_path, "import", "--rows", "40")
    assert result["import"]["exit_code"] == 1  # the deliberately bad row fails
    assert result["import"]["patients_in_db"] == 40 - result["invalid_rows"]


@pytest.mark.parametrize("kind", databases())
def test_pages_bench_answers_every_page(tmp_path, kind):
    result = run_bench(
        tmp_path, "pages", "--db", kind, "--patients", "50", "--messages", "4",
        "--requests", "3", "--warmup", "1",
    )  # fmt: skip
    (run,) = result["runs"]
    assert run["loaded"]["patients"] == 50
    assert run["loaded"]["messages"] == 200
    assert len(run["pages"]) == 11
    for page in run["pages"].values():
        assert page["statuses"] == {"200": 3}


@pytest.mark.parametrize("kind", databases())
def test_request_scope_bench_compares_both_variants(tmp_path, kind):
    result = run_bench(
        tmp_path, "request-scope", "--db", kind, "--patients", "5", "--requests", "3",
        "--rounds", "1",
    )  # fmt: skip
    (run,) = result["runs"]
    assert set(run["pages"]) == {"api patient", "api patient list", "api patient change"}
    for page in run["pages"].values():
        assert page["p50_scoped_vs_baseline"] is not None


@pytest.mark.parametrize("kind", databases())
def test_logins_bench_answers_every_webhook_during_the_flood(tmp_path, kind):
    result = run_bench(
        tmp_path, "logins", "--db", kind, "--duration", "0.5", "--rate", "20", "--phones", "3",
        "--flood-rate", "20", "--unbounded-slots", "4",
    )  # fmt: skip
    (run,) = result["runs"]
    for name in ("alone", "flood", "flood_unbounded"):
        webhook = run[name]["webhook"]
        assert webhook["statuses"] == {"200": webhook["requests"]}
    for name in ("flood", "flood_unbounded"):
        flood = run[name]["flood"]["statuses"]
        assert flood and set(flood) <= {"401", "429"}  # refused or slowed down, never a 500
    assert run["all_answered_stored"]


@pytest.mark.skipif(
    databases() != ["postgresql"], reason="pipeline mode is psycopg's, run with PostgreSQL"
)
def test_pg_pipeline_bench_measures_both_ways(tmp_path):
    result = run_bench(
        tmp_path, "pg-pipeline", "--statements", "2", "--batches", "20", "--rounds", "1"
    )
    (run,) = result["runs"]
    assert run["statements"] == 2
    assert run["sequential_wall_us"] > 0 and run["pipelined_wall_us"] > 0


@pytest.mark.parametrize("kind", databases())
def test_writer_bench_writes_every_batch_size(tmp_path, kind):
    result = run_bench(
        tmp_path, "writer", "--db", kind, "--sizes", "1", "4", "--texts", "8", "--rounds", "1",
        "--phones", "4",
    )  # fmt: skip
    (run,) = result["runs"]
    assert set(run["cpu_us_per_text"]) == {"1", "4"}
    assert run["ratio_to_first_size"]["1"] == 1.0
