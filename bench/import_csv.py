"""Enrolment import: a large CSV through `lupus-sms patients import` on a fresh database.

The CSV has `--rows` patients (valid, distinct numbers; every 1,000th row and the last have a
bad phone number so the per-row results are exercised). It is imported by the real CLI in its own
process; peak RSS comes from that process. The baseline in the same run is the raw bulk
loader writing the same number of patients and phone numbers, i.e. what the database alone
costs for those rows.
"""

from __future__ import annotations

import argparse
import csv
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bench.common import REPO_ROOT, app_env, emit, fresh_database, ratio
from bench.dataset import load_population, phone_of
from lupus_sms.core.db import make_engine
from lupus_sms.enrollment.models import Patient

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--rows", type=int, default=100_000)


def write_csv(path: Path, rows: int) -> int:
    """Returns how many rows are deliberately invalid."""
    bad = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "consent_source", "program", "name", "language", "timezone"])
        for index in range(rows):
            phone = phone_of(index)
            if index % 1000 == 999 or index == rows - 1:
                phone, bad = "not-a-number", bad + 1
            writer.writerow([phone, "written", "ahsct", f"Patient {index}", "en",
                             "America/New_York"])  # fmt: skip
    return bad


def count_patients(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.scalar(select(func.count()).select_from(Patient))
    engine.dispose()
    return count


def import_with_cli(url: str, path: Path) -> dict:
    # The same as the `lupus-sms` script, without depending on where it was installed.
    command = [sys.executable, "-c", "from lupus_sms.cli import main; main()", "patients",
               "import", str(path), "--clinic", "Bench Clinic"]  # fmt: skip
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=app_env(url), capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    summary = re.search(r"created (\d+), updated (\d+), unchanged (\d+), failed (\d+)", done.stdout)
    error_lines = sum(1 for line in done.stderr.splitlines() if line.startswith("line "))
    child_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "exit_code": done.returncode,
        "seconds": round(seconds, 2),
        "summary": summary.group(0) if summary else done.stderr.strip()[-300:],
        "error_lines_reported": error_lines,
        "peak_rss_mb_children": round(child_rss, 1),
    }


def run(args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory(prefix="lupus-bench-csv-") as folder:
        path = Path(folder) / "patients.csv"
        bad = write_csv(path, args.rows)
        with fresh_database(args.db) as url:
            baseline = load_population(url, patients=args.rows, planned_per_patient=0, now=NOW)
        with fresh_database(args.db) as url:
            load_population(url, patients=0, planned_per_patient=0, now=NOW)  # the clinic
            result = import_with_cli(url, path)
            result["patients_in_db"] = count_patients(url)
    report = {
        "benchmark": "import_csv",
        "db": args.db,
        "rows": args.rows,
        "invalid_rows": bad,
        "import": result,
        "baseline_bulk_load_seconds": baseline["seconds"],
        "import_to_bulk_load": ratio(result["seconds"], baseline["seconds"]),
    }
    print(
        f"{args.db}: {args.rows} rows imported in {result['seconds']}s "
        f"(bulk loader {baseline['seconds']}s, ratio {report['import_to_bulk_load']}); "
        f"{result['summary']}; {result['patients_in_db']} patients stored",
        flush=True,
    )
    emit(report, args.json)
    return report
