"""The red-flag corpus, table-driven: every realistic reply gets exactly its expected reading.

Both ways: a true red flag must never be missed, and a negation or a calm text must never
alert. The same corpus guards content edits (see test_safety_content.py).
"""

from __future__ import annotations

import pytest

from lupus_sms.alerts.corpus import CORPUS, Case, failures
from lupus_sms.alerts.documents import safety_rules
from lupus_sms.alerts.rules import read_text
from lupus_sms.content.service import get_content, reset_content_cache
from tests.helpers import reply_text

RED_FLAGS = [c for c in CORPUS if c.expected]
CALM = [c for c in CORPUS if not c.expected]
# Cases that need no open check-in can be sent as plain texts through the webhook.
PLAIN = [c for c in CORPUS if not c.meanings and not c.expect_temperature]


@pytest.fixture(scope="module")
def rules():
    reset_content_cache()
    return safety_rules(get_content())


def _read(case: Case, rules):
    return read_text(
        case.text, rules, meanings=case.meanings, expect_temperature=case.expect_temperature
    )


def test_the_corpus_is_large_and_covers_both_ways():
    assert len(CORPUS) >= 60
    assert len(RED_FLAGS) >= 30 and len(CALM) >= 20


@pytest.mark.parametrize("case", RED_FLAGS, ids=lambda c: c.text)
def test_true_red_flags_are_never_missed(case: Case, rules):
    reading = _read(case, rules)
    assert reading.red_flag, f"missed red flag: {case.text!r}"
    assert reading.categories == case.expected


@pytest.mark.parametrize("case", CALM, ids=lambda c: c.text)
def test_negations_and_calm_texts_never_alert(case: Case, rules):
    reading = _read(case, rules)
    assert not reading.red_flag, f"false alert on {case.text!r}: {reading.categories}"


def test_the_shipped_content_passes_the_corpus_exactly(rules):
    assert failures(rules, exact=True) == []


def test_temperatures_are_read_in_both_scales(rules):
    reading = read_text("fiebre 38,5 y escalofrios", rules)
    assert [t.describe() for t in reading.temperatures] == ["38.5 C (101.3 F)"]
    assert read_text("101F", rules).temperatures[0].celsius == pytest.approx(38.33, abs=0.01)


@pytest.mark.parametrize("case", PLAIN, ids=lambda c: c.text)
def test_through_the_webhook_a_red_flag_gets_the_safety_reply(case: Case, twilio):
    reply = reply_text(twilio.sms(case.text, from_="+12025550177"))
    assert ("URGENT" in reply or "988" in reply) == bool(case.expected), reply
