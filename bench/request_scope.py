"""Request scope: what one transaction per request (core/request_scope.py) costs.

The same app serves the same requests two ways, in one process, in alternating rounds:

- `scoped` (as shipped): the session belongs to the request, joins one transaction with
  savepoints, and is committed or rolled back and closed before the response;
- `baseline`: the scope's middleware removed and `get_db` replaced by the plain dependency
  with `yield` the app used before (a session closed when the dependency exits).

Requests go through the ASGI app in process (httpx's ASGI transport, as the test client
does), so the figures are the server's work without the network. Pages: a read
(`GET /api/v1/patients/{id}`), a list (`GET /api/v1/patients?limit=50`) and a change that
commits (`PATCH /api/v1/patients/{id}`). Prints p50/p95 per variant and scoped/baseline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from bench.common import BENCH_AUTH_TOKEN, BENCH_BASE_URL, emit, fresh_database, ratio
from bench.pages import percentile

PAGES = {
    "api patient": ("GET", "/api/v1/patients/{p}", None),
    "api patient list": ("GET", "/api/v1/patients?limit=50", None),
    "api patient change": ("PATCH", "/api/v1/patients/{p}", "name"),
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgresql"], nargs="+",
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--requests", type=int, default=200, help="per page, variant and round")
    parser.add_argument("--rounds", type=int, default=3)


def _app(url: str, *, scoped: bool):
    from lupus_sms.core import db as db_module
    from lupus_sms.core.config import Settings, get_settings
    from lupus_sms.core.request_scope import DatabaseRequestScope
    from lupus_sms.main import create_app

    settings = Settings(_env_file=None, database_url=url, twilio_auth_token=BENCH_AUTH_TOKEN,
                        twilio_account_sid="AC" + "0" * 32, sms_transport="console",
                        public_base_url=BENCH_BASE_URL, in_process_scheduler=False)  # fmt: skip
    app = create_app(settings)
    app.dependency_overrides[get_settings] = lambda: settings
    if not scoped:
        app.user_middleware = [m for m in app.user_middleware if m.cls is not DatabaseRequestScope]

        def session_per_dependency() -> Iterator[Session]:
            with db_module.get_sessionmaker()() as session:
                yield session

        app.dependency_overrides[db_module.get_db] = session_per_dependency
    return app


def _seed(url: str, patients: int) -> tuple[str, list[int]]:
    from lupus_sms.clinics import service as clinics
    from lupus_sms.core.db import make_engine
    from lupus_sms.enrollment.models import Patient
    from lupus_sms.messaging.service import get_or_create_phone_number

    engine = make_engine(url)
    with Session(engine) as db:
        phones = {"office_phone": "+16175550100", "urgent_phone": "+16175550199"}
        clinic = clinics.create_clinic(
            db, name="Bench Clinic", timezone="America/New_York", **phones
        )
        _, key = clinics.create_api_key(db, clinic_id=clinic.id)
        ids = []
        for index in range(patients):
            number = get_or_create_phone_number(db, e164=f"+1617555{index:04d}")
            patient = Patient(clinic_id=clinic.id, phone_number_id=number.id, timezone="UTC",
                              program="ahsct", consent_source="written",
                              status="active")  # fmt: skip
            db.add(patient)
            db.flush()
            ids.append(patient.id)
        db.commit()
    engine.dispose()
    return key, ids


def _time(client: TestClient, page: tuple, key: str, ids: list[int], count: int) -> list[float]:
    method, path, field = page
    headers = {"Authorization": f"Bearer {key}"}
    timings = []
    for index in range(count):
        url = path.format(p=ids[index % len(ids)])
        body = {field: f"Bench {index}"} if field else None
        started = time.perf_counter()
        response = client.request(method, url, headers=headers, json=body)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{method} {url}: {response.status_code} {response.text[:200]}")
    return timings


def measure(kind: str, args: argparse.Namespace) -> dict:
    from lupus_sms.core import db as db_module
    from lupus_sms.core.config import get_settings

    with fresh_database(kind) as url:
        os.environ["DATABASE_URL"] = url  # the process engine, as `lupus-sms serve` has it
        get_settings.cache_clear()
        db_module.get_engine.cache_clear()
        db_module.get_sessionmaker.cache_clear()
        key, ids = _seed(url, args.patients)
        timings = {(page, variant): [] for page in PAGES for variant in ("baseline", "scoped")}
        clients = {v: TestClient(_app(url, scoped=v == "scoped")) for v in ("baseline", "scoped")}
        for _ in range(args.rounds):
            for page_name, page in PAGES.items():
                for variant, client in clients.items():
                    _time(client, page, key, ids, 5)  # warm-up
                    timings[(page_name, variant)] += _time(client, page, key, ids, args.requests)
        for client in clients.values():
            client.close()
        db_module.get_engine().dispose()
    return {"database": kind, "pages": _summary(timings)}


def _summary(timings: dict) -> dict:
    result = {}
    for page in PAGES:
        row = {}
        for variant in ("baseline", "scoped"):
            values = timings[(page, variant)]
            row[variant] = {"p50_ms": round(statistics.median(values), 3),
                            "p95_ms": round(percentile(values, 0.95), 3)}  # fmt: skip
        row["p50_scoped_vs_baseline"] = ratio(row["scoped"]["p50_ms"], row["baseline"]["p50_ms"])
        row["p95_scoped_vs_baseline"] = ratio(row["scoped"]["p95_ms"], row["baseline"]["p95_ms"])
        result[page] = row
    return result


def run(args: argparse.Namespace) -> dict:
    runs = [measure(kind, args) for kind in args.db]
    report = {"benchmark": "request_scope", "requests": args.requests, "rounds": args.rounds,
              "runs": runs}  # fmt: skip
    emit(report, args.json)
    for one in runs:
        print(f"\n{one['database']}: page  baseline p50/p95 ms  scoped p50/p95 ms  p50 ratio")
        for page, row in one["pages"].items():
            base, scoped = row["baseline"], row["scoped"]
            print(f"{page:20} {base['p50_ms']:7.2f} {base['p95_ms']:7.2f}   "
                  f"{scoped['p50_ms']:7.2f} {scoped['p95_ms']:7.2f}   "
                  f"{row['p50_scoped_vs_baseline']}")  # fmt: skip
    return report
