"""Measuring the red-flag rules on texts they were not tuned to (`lupus-sms safety eval`).

Definitions, per text of an evaluation set (alerts/eval_sets/*.yaml):
  recall       alert texts that open a red-flag alert AND get the right reply (the safety
               reply; the 988 reply for self-harm) / all alert texts
  false alarm  safe texts that open a red-flag alert / all safe texts

The held-out set (heldout.yaml) is frozen: the rules are never tuned on it, and a test pins
its hash. The development set (development.yaml) is where rules are written and tuned.

A `Decider` answers, for one text, what the service did: whether a red-flag alert was opened
and which reply went out. `rules_decider` asks the rules directly, as the inbound safety step
does (fast: a content save re-runs it); inbound/evaluation_pipeline.py sends every text through
the real inbound handling on a database instead.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from lupus_sms.alerts.rules import CATEGORIES, SafetyRules, read_text

SETS = Path(__file__).parent / "eval_sets"
HELD_OUT = SETS / "heldout.yaml"
DEVELOPMENT = SETS / "development.yaml"
# The bar a rules change must keep, measured on the held-out set.
MIN_RECALL = 0.98
MIN_SELF_HARM_RECALL = 1.0
MAX_FALSE_ALARMS = 0.08


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    expect: tuple[str, ...]
    lang: str
    writer: str
    kind: str

    @property
    def is_alert(self) -> bool:
        return bool(self.expect)

    @property
    def right_reply(self) -> str:
        return "self_harm" if "self_harm" in self.expect else "red_flag"


@dataclass(frozen=True)
class Outcome:
    alerted: bool  # a red-flag alert was opened
    reply: str  # self_harm | red_flag | other
    categories: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()


Decider = Callable[[Case], Outcome]


@dataclass
class Tally:
    hits: int = 0
    total: int = 0

    @property
    def rate(self) -> float:
        return self.hits / self.total if self.total else 0.0

    def add(self, hit: bool) -> None:
        self.hits += hit
        self.total += 1


@dataclass
class Report:
    recall: Tally = field(default_factory=Tally)
    false_alarms: Tally = field(default_factory=Tally)
    recall_by: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    false_alarms_by: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    misses: list[tuple[Case, Outcome]] = field(default_factory=list)
    alarms: list[tuple[Case, Outcome]] = field(default_factory=list)

    @property
    def self_harm_recall(self) -> Tally:
        return self.recall_by["self_harm"]

    def problems(self) -> list[str]:
        """Why these figures are below the bar ([] when they meet it)."""
        found = []
        if self.recall.rate < MIN_RECALL:
            found.append(f"recall {self.recall.rate:.1%} is below {MIN_RECALL:.0%}")
        if self.self_harm_recall.rate < MIN_SELF_HARM_RECALL:
            found.append(f"self-harm recall {self.self_harm_recall.rate:.1%} is below 100%")
        if self.false_alarms.rate > MAX_FALSE_ALARMS:
            found.append(
                f"false alarms {self.false_alarms.rate:.1%} are above {MAX_FALSE_ALARMS:.0%}"
            )
        return found


def load_cases(path: Path = HELD_OUT) -> list[Case]:
    """The texts of an evaluation set file."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    return [
        Case(
            id=str(item["id"]),
            text=str(item["text"]),
            expect=tuple(item.get("expect") or ()),
            lang=str(item.get("lang", "en")),
            writer=str(item.get("writer", "patient")),
            kind=str(item.get("kind", "alert" if item.get("expect") else "everyday")),
        )
        for item in raw
    ]


def rules_decider(rules: SafetyRules) -> Decider:
    """What the inbound safety step decides for a text, straight from the rules."""

    def decide(case: Case) -> Outcome:
        reading = read_text(case.text, rules)
        reply = "other"
        if reading.red_flag:
            reply = "self_harm" if reading.self_harm else "red_flag"
        return Outcome(reading.red_flag, reply, reading.categories, reading.evidence)

    return decide


def evaluate(cases: list[Case], decide: Decider) -> Report:
    """Recall and false alarms overall, per category and language, writer and safe kind."""
    report = Report()
    for case in cases:
        outcome = decide(case)
        if case.is_alert:
            caught = outcome.alerted and outcome.reply == case.right_reply
            report.recall.add(caught)
            for key in _alert_keys(case):
                report.recall_by[key].add(caught)
            if not caught:
                report.misses.append((case, outcome))
        else:
            report.false_alarms.add(outcome.alerted)
            for key in (case.lang, case.kind, f"writer:{case.writer}"):
                report.false_alarms_by[key].add(outcome.alerted)
            if outcome.alerted:
                report.alarms.append((case, outcome))
    return report


def _alert_keys(case: Case) -> list[str]:
    keys = [case.lang, f"writer:{case.writer}"]
    for category in case.expect:
        keys += [category, f"{category}/{case.lang}"]
    return keys


def format_report(report: Report, *, title: str) -> str:
    """The figures as a person reads them, then every miss and every false alarm."""
    lines = [
        title,
        f"recall       {_figure(report.recall)}",
        f"self-harm    {_figure(report.self_harm_recall)}",
        f"false alarms {_figure(report.false_alarms)}",
        "",
        "recall by category       en                      es",
    ]
    for category in CATEGORIES:
        english = _figure(report.recall_by[f"{category}/en"])
        spanish = _figure(report.recall_by[f"{category}/es"])
        lines.append(f"  {category:<22} {english:<23} {spanish}")
    for key in ("en", "es", "writer:patient", "writer:carer"):
        lines.append(f"  {key:<22} {_figure(report.recall_by[key])}")
    lines += ["", "false alarms by kind"]
    for key, tally in sorted(report.false_alarms_by.items()):
        lines.append(f"  {key:<22} {_figure(tally)}")
    lines += ["", f"misses ({len(report.misses)})"]
    lines += [_line(case, outcome) for case, outcome in report.misses]
    lines += ["", f"false alarms ({len(report.alarms)})"]
    lines += [_line(case, outcome) for case, outcome in report.alarms]
    problems = report.problems()
    lines += ["", "BELOW THE BAR: " + "; ".join(problems) if problems else "meets the bar"]
    return "\n".join(lines)


def _figure(tally: Tally) -> str:
    return f"{tally.rate:6.1%} ({tally.hits}/{tally.total})" if tally.total else "     - "


def _line(case: Case, outcome: Outcome) -> str:
    got = ", ".join(outcome.evidence) or outcome.reply
    expected = ",".join(case.expect) or "safe"
    return f"  {case.id} [{expected}] {case.text!r} -> {got}"
