"""The red-flag evaluation on the frozen held-out set, through the real inbound handling.

Every text goes, as Twilio delivers it, from its own enrolled and consented patient through
the inbound order on the test database (SQLite or PostgreSQL). Recall counts a text as
caught only when a red-flag alert was opened and the reply was the right one (the 988 reply
for self-harm).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lupus_sms.alerts.evaluation import (
    HELD_OUT,
    MAX_FALSE_ALARMS,
    MIN_RECALL,
    evaluate,
    load_cases,
)
from lupus_sms.cli import app
from lupus_sms.inbound.evaluation_pipeline import pipeline_decider

runner = CliRunner()


@pytest.fixture(scope="module")
def held_out():
    return load_cases(HELD_OUT)


def test_the_held_out_set_meets_the_bar_through_the_inbound_handling(db, settings, clock, held_out):
    report = evaluate(held_out, pipeline_decider(db, settings=settings, clock=clock))
    misses = [f"{case.id} {case.text!r}" for case, _outcome in report.misses]
    alarms = [f"{case.id} {case.text!r}" for case, _outcome in report.alarms]
    assert report.recall.rate >= MIN_RECALL, misses
    assert report.self_harm_recall.rate == 1.0, misses
    assert report.false_alarms.rate <= MAX_FALSE_ALARMS, alarms
    assert report.recall.total >= 600 and report.false_alarms.total >= 300


def test_the_command_prints_figures_and_every_miss_and_fails_below_the_bar(tmp_path, database_url):
    cases = tmp_path / "few.yaml"
    cases.write_text(
        '- {id: A1, text: "fever 39.2", expect: [fever], lang: en, writer: patient, kind: alert}\n'
        '- {id: A2, text: "my gums look pinkish", expect: [bleeding], lang: en, writer: patient,'
        " kind: alert}\n"
        '- {id: S1, text: "thanks, see you tuesday", expect: [], lang: en, writer: patient,'
        " kind: everyday}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["safety", "eval", str(cases), "--database-url", database_url])
    assert result.exit_code == 1, result.output
    assert "recall        50.0% (1/2)" in result.output
    assert "false alarms   0.0% (0/1)" in result.output
    assert "A2 [bleeding] 'my gums look pinkish'" in result.output
    assert "BELOW THE BAR" in result.output


def test_the_command_passes_on_a_set_the_rules_read_right(tmp_path):
    cases = tmp_path / "good.yaml"
    cases.write_text(
        '- {id: A1, text: "quiero morir", expect: [self_harm], lang: es, writer: patient,'
        " kind: alert}\n"
        '- {id: S1, text: "my dog threw up", expect: [], lang: en, writer: patient, kind: pet}\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["safety", "eval", str(cases)])
    assert result.exit_code == 0, result.output
    assert "self-harm    100.0% (1/1)" in result.output and "meets the bar" in result.output


def test_a_missing_file_is_a_clear_error():
    result = runner.invoke(app, ["safety", "eval", "/nonexistent/set.yaml"])
    assert result.exit_code == 2 and "no such file" in result.output


def test_the_command_reads_content_from_the_database_it_evaluates(tmp_path):
    # Run as an operator would, in a folder with no database: nothing may read or create one.
    cases = tmp_path / "one.yaml"
    cases.write_text(
        '- {id: A1, text: "quiero morir", expect: [self_harm], lang: es, writer: patient,'
        " kind: alert}\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [Path(sys.executable).parent / "lupus-sms", "safety", "eval", str(cases)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0 and "meets the bar" in result.stdout, result.stderr
    assert "live content unavailable" not in result.stderr
    assert list(tmp_path.glob("*.db")) == []
