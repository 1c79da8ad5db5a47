"""Safety and check-in content: admins may extend it, never weaken it below the floor."""

from __future__ import annotations

import copy

import pytest
import yaml

from lupus_sms.content.loader import load_content_dir
from lupus_sms.content.snapshot import ContentError, ContentSnapshot
from lupus_sms.core.config import get_settings


@pytest.fixture(scope="module")
def shipped() -> ContentSnapshot:
    return load_content_dir(get_settings().content_dir)


def _rebuild(shipped: ContentSnapshot, name: str, document: dict) -> ContentSnapshot:
    documents = dict(shipped.documents) | {name: document}
    return ContentSnapshot.build(
        topics=list(shipped.topics), messages=shipped.messages, version=1, documents=documents
    )


def _problems(shipped, name: str, change) -> str:
    document = copy.deepcopy(shipped.document(name))
    change(document)
    with pytest.raises(ContentError) as raised:
        _rebuild(shipped, name, document)
    return str(raised.value)


def test_the_shipped_documents_are_valid(shipped):
    assert {"safety", "checkins"} <= set(shipped.documents)


def test_extending_the_terms_is_accepted(shipped):
    document = copy.deepcopy(shipped.document("safety"))
    document["red_flags"]["fever"]["terms"].append("temperatura alta")
    document["fever_threshold_c"] = 37.8  # more careful is allowed
    _rebuild(shipped, "safety", document)


def test_no_longer_reading_a_floor_term_is_refused(shipped):
    def drop_chills(document):
        document["red_flags"]["fever"]["terms"].remove("chills")

    problems = _problems(shipped, "safety", drop_chills)
    assert "red_flags.fever: cannot stop reading floor term(s) ['chills']" in problems


def test_a_category_needs_a_severity_label_and_alert_text(shipped):
    def vague(document):
        document["red_flags"]["breathing"]["severity"] = "meh"
        del document["red_flags"]["breathing"]["alert"]

    problems = _problems(shipped, "safety", vague)
    assert "red_flags.breathing.severity must be one of critical, urgent" in problems
    assert "red_flags.breathing.alert is required" in problems


def test_a_malformed_near_rule_is_named(shipped):
    def broken(document):
        document["red_flags"]["fever"]["near"] = [{"all": ["@NO_SUCH_GROUP", "fever"]}]

    assert "fever: near rule ['@NO_SUCH_GROUP', 'fever']" in _problems(shipped, "safety", broken)


def test_removing_a_category_is_refused(shipped):
    problems = _problems(shipped, "safety", lambda d: d["red_flags"].pop("self_harm"))
    assert "red_flags.self_harm: the category is required" in problems


def test_raising_the_fever_threshold_is_refused(shipped):
    problems = _problems(shipped, "safety", lambda d: d.update(fever_threshold_c=38.5))
    assert "cannot be above 38.0" in problems


def test_the_safety_net_reply_must_name_the_urgent_line_911_and_988(shipped):
    def no_988(document):
        document["replies"]["safety_net"] = "Thanks. Urgent? {urgent_phone}. Emergency: 911."

    assert "replies.safety_net must mention 988" in _problems(shipped, "safety", no_988)


def test_replies_must_keep_911_and_988(shipped):
    def soften(document):
        document["replies"]["self_harm"] = "Please talk to someone at {clinic_name}."

    assert "replies.self_harm must mention 988" in _problems(shipped, "safety", soften)


def test_unknown_reply_placeholder_is_refused(shipped):
    def typo(document):
        document["replies"]["red_flag"] = "Call {clinic} now. Emergency: 911."

    assert "unknown placeholder(s) ['clinic']" in _problems(shipped, "safety", typo)


def test_checkin_option_meanings_must_be_known(shipped):
    def odd(document):
        document["checkins"]["symptoms"]["options"]["2"]["meaning"] = "warm"

    assert "unknown meaning 'warm'" in _problems(shipped, "checkins", odd)


def test_checkin_question_must_fit_two_gsm_segments(shipped):
    def long(document):
        document["checkins"]["symptoms"]["question"] = "How are you? " * 30

    assert "at most 2 (with the first name" in _problems(shipped, "checkins", long)


def test_the_yaml_files_parse_as_documented():
    content_dir = get_settings().content_dir
    safety = yaml.safe_load((content_dir / "safety.yaml").read_text(encoding="utf-8"))
    checkins = yaml.safe_load((content_dir / "checkins.yaml").read_text(encoding="utf-8"))
    assert safety["fever_threshold_c"] == 38.0
    assert checkins["checkins"]["symptoms"]["window_hours"] == 24
