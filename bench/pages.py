"""Pages: the clinic API's patient list and patient page, and the admin pages, at scale.

A fresh database gets `--patients` active patients in one clinic (bulk loader), each with
`--messages` texts spread over the past year (outbound reminders and inbound replies,
alternating), an owner admin user and a clinic API key. The real app then runs under
uvicorn on loopback (one worker) and an httpx client times `--requests` sequential
requests per page, after a short warm-up. Patient pages rotate over distinct patients so
no single row stays hot. Baseline in the same run: `GET /healthz`. Target: p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy.orm import Session

from bench.common import app_env, emit, fresh_database, ratio, uvicorn_server
from bench.dataset import (
    BENCH_SENDER,
    MESSAGE_COLUMNS,
    bulk_insert,
    finish_load,
    load_population,
    phone_of,
)
from lupus_sms.clinics import service as clinics
from lupus_sms.core.db import make_engine
from lupus_sms.users import service as users
from lupus_sms.users.models import User
from lupus_sms.users.passwords import hash_password

# The app under test runs on the real clock, and the dashboard looks at the last 28 days,
# so the history ends now (not at a fixed date, which would leave that window empty).
NOW = datetime.now(UTC).replace(microsecond=0)
ADMIN_EMAIL = "owner@bench.test"
ADMIN_PASSWORD = "a quiet desk passphrase 2026"
PORTAL_EMAIL = "coordinator@bench.test"
CLINIC_ID = 1
TARGET_P95_MS = 300.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--db", choices=["sqlite", "postgresql"], nargs="+",
                        default=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--messages", type=int, default=24,
                        help="texts per patient over the past year")  # fmt: skip
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per page")


def _message_rows(patients: int, per_patient: int) -> Iterator[tuple]:
    """A year of history per patient: a reminder, then the patient's reply, and so on."""
    row_id = 0
    spacing = timedelta(days=365) / max(1, per_patient)
    start = NOW - timedelta(days=365)
    for patient in range(patients):
        phone = phone_of(patient)
        for index in range(per_patient):
            row_id += 1
            at = start + spacing * (index + 1) - timedelta(minutes=patient % 600)
            if index % 2 == 0:
                row = ("outbound", "reminder", f"Reminder {index}: please log how you feel.",
                       "delivered", "GSM-7", 1)  # fmt: skip
            else:
                row = ("inbound", "inbound", "OK thanks", "received", None, None)
            direction, kind, body, status, encoding, segments = row
            yield (row_id, direction, phone, BENCH_SENDER, CLINIC_ID, patient + 1, kind, body,
                   status, encoding, segments, 0, None, at, at)  # fmt: skip


def build(url: str, args: argparse.Namespace) -> dict:
    """Patients, their messages, an owner and an API key; returns counts and the key."""
    loaded = load_population(url, patients=args.patients, planned_per_patient=0, now=NOW)
    engine = make_engine(url)
    started = time.perf_counter()
    rows = _message_rows(args.patients, args.messages)
    loaded["messages"] = bulk_insert(engine, "messages", MESSAGE_COLUMNS, rows)
    finish_load(engine)
    loaded["seconds"] = round(loaded["seconds"] + time.perf_counter() - started, 1)
    with Session(engine) as db:
        users.create(db, email=ADMIN_EMAIL, password=ADMIN_PASSWORD, role="owner")
        db.add(User(email=PORTAL_EMAIL, password_hash=hash_password(ADMIN_PASSWORD),
                    role="coordinator", clinic_id=CLINIC_ID))  # fmt: skip
        _, api_key = clinics.create_api_key(db, clinic_id=CLINIC_ID, label="bench")
        db.commit()
    engine.dispose()
    return {"loaded": loaded, "api_key": api_key}


def sign_in(client: httpx.Client, area: str = "admin", email: str = ADMIN_EMAIL) -> None:
    """Through the login form, with the CSRF token it carries (as a browser would)."""
    form = client.get(f"/{area}/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    if not match:
        raise RuntimeError(f"no CSRF token on the login form ({form.status_code})")
    data = {"email": email, "password": ADMIN_PASSWORD, "csrf_token": match.group(1)}
    done = client.post(f"/{area}/login", data=data)
    if done.status_code != 303:
        raise RuntimeError(f"{area} sign-in failed: {done.status_code} {done.text[:300]}")


# Page name -> (path, needs the API key); `{p}` is a patient id, rotated per request.
PAGES = {
    "healthz (baseline)": ("/healthz", False),
    "api patient list": ("/api/v1/patients?limit=50", True),
    "api patient": ("/api/v1/patients/{p}", True),
    "api patient messages": ("/api/v1/patients/{p}/messages", True),
    "admin patient list": (f"/admin/clinics/{CLINIC_ID}/patients", False),
    "admin conversation": ("/admin/patients/{p}", False),
    "admin dashboard": ("/admin/dashboard", False),
}
# The clinic portal, signed in as a coordinator of the clinic (its own session cookie).
PORTAL_PAGES = {
    "portal patient list": "/portal/patients",
    # Searches read the whole clinic (a name substring, a phone's last digits): no index.
    "portal search, name": "/portal/patients?q=ada",
    "portal search, phone digits": "/portal/patients?q=2000042",
    "portal patient": "/portal/patients/{p}",
}


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def time_page(client: httpx.Client, path: str, headers: dict, ids: list[int], args) -> dict:
    timings: list[float] = []
    statuses: dict[str, int] = {}
    for index in range(args.warmup + args.requests):
        url = path.format(p=ids[index % len(ids)])
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        if index >= args.warmup:
            timings.append(elapsed)
            statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
    return {
        "requests": len(timings), "statuses": statuses,
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2), "max_ms": round(max(timings), 2),
    }  # fmt: skip


def measure(kind: str, args: argparse.Namespace) -> dict:
    with fresh_database(kind) as url:
        built = build(url, args)
        # Plain http on loopback: the session cookie must not be marked Secure.
        env = app_env(url, PUBLIC_BASE_URL="http://127.0.0.1")
        ids = random.Random(7).sample(range(1, args.patients + 1), min(args.patients, 50))
        api_headers = {"Authorization": f"Bearer {built['api_key']}"}
        results = {}
        with (
            uvicorn_server("lupus_sms.main:app", workers=1, env=env) as (base_url, _),
            httpx.Client(base_url=base_url, timeout=60) as client,
            httpx.Client(base_url=base_url, timeout=60) as portal,
        ):
            sign_in(client)
            for name, (path, needs_key) in PAGES.items():
                headers = api_headers if needs_key else {}
                results[name] = time_page(client, path, headers, ids, args)
            sign_in(portal, "portal", PORTAL_EMAIL)
            for name, path in PORTAL_PAGES.items():
                results[name] = time_page(portal, path, {}, ids, args)
    base = results["healthz (baseline)"]["p95_ms"]
    for result in results.values():
        result["p95_vs_baseline"] = ratio(result["p95_ms"], base)
        result["meets_target"] = result["p95_ms"] < TARGET_P95_MS
    return {"db": kind, "loaded": built["loaded"], "pages": results}


def print_table(run: dict) -> None:
    loaded = run["loaded"]
    print(f"\n{run['db']}: {loaded['patients']} patients, {loaded['messages']} messages "
          f"(loaded in {loaded['seconds']}s)")  # fmt: skip
    print(f"{'page':<22} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'p95/base':>9}  status")
    for name, page in run["pages"].items():
        mark = "ok" if page["meets_target"] else f"OVER {TARGET_P95_MS:.0f} ms"
        print(f"{name:<22} {page['p50_ms']:>8} {page['p95_ms']:>8} {page['max_ms']:>8} "
              f"{page['p95_vs_baseline']:>9}  {page['statuses']} {mark}")  # fmt: skip


def run(args: argparse.Namespace) -> dict:
    runs = [measure(kind, args) for kind in args.db]
    report = {"benchmark": "pages", "messages_per_patient": args.messages,
              "target_p95_ms": TARGET_P95_MS, "runs": runs}  # fmt: skip
    emit(report, args.json)
    for one in runs:
        print_table(one)
    return report
