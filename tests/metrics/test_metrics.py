"""`GET /metrics`: Prometheus text with the webhook, outbox and tick figures."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from lupus_sms.messaging.outbox import enqueue
from lupus_sms.metrics import observe_tick


def scrape(client) -> dict[tuple[str, tuple], float]:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def answered(samples, status: str) -> float:
    return samples.get(("lupus_sms_inbound_messages_total", (("status", status),)), 0.0)


def test_webhooks_are_counted_by_outcome_and_timed(client, twilio):
    before = scrape(client)
    assert twilio.sms("AHSCT").status_code == 200
    assert twilio.post("/twilio/sms", {"From": "+12025550123"}, signature="bad").status_code == 403
    after = scrape(client)
    assert answered(after, "answered") == answered(before, "answered") + 1
    assert answered(after, "rejected_403") == answered(before, "rejected_403") + 1
    timed = ("lupus_sms_webhook_seconds_count", ())
    assert after[timed] == before.get(timed, 0.0) + 2


def test_outbox_depth_and_oldest_due_age(client, db, clock):
    now = clock.now()
    common = {"phone": "+12025550123", "body": "Reminder", "kind": "reminder", "now": now}
    enqueue(db, **common, not_before=now - timedelta(minutes=10))
    enqueue(db, **common, not_before=now - timedelta(minutes=2))
    enqueue(db, **common, not_before=now + timedelta(hours=1))
    db.flush()
    samples = scrape(client)
    assert samples[("lupus_sms_outbox_queued", ())] == 3
    assert samples[("lupus_sms_outbox_due", ())] == 2
    assert samples[("lupus_sms_outbox_oldest_due_age_seconds", ())] == 600


def test_empty_outbox_reports_zero_age(client):
    samples = scrape(client)
    assert samples[("lupus_sms_outbox_due", ())] == 0
    assert samples[("lupus_sms_outbox_oldest_due_age_seconds", ())] == 0


def test_tick_duration_is_exposed(client):
    before = scrape(client).get(("lupus_sms_tick_seconds_count", ()), 0.0)
    observe_tick(0.2)
    assert scrape(client)[("lupus_sms_tick_seconds_count", ())] == before + 1


def test_metrics_is_not_in_the_api_schema(client):
    assert "/metrics" not in client.get("/openapi.json").json()["paths"]
