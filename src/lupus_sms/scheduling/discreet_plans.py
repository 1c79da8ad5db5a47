"""How the plan document takes its discreet texts (content/discreet.yaml, `plans:`): every
step with a text has a discreet form, keyed by the step's key (content/discreet.py)."""

from __future__ import annotations

from lupus_sms.content.discreet import DiscreetOverlay, register_discreet_overlay

NAME = "plans"


def keys(document: object) -> set[str]:
    steps = (document.get("steps") or ()) if isinstance(document, dict) else ()
    return {str(step["key"]) for step in steps if isinstance(step, dict) and step.get("text")}


def apply(document: object, texts: dict[str, str]) -> object:
    """The plan with each step's discreet text in place of its text."""
    if not isinstance(document, dict):
        return document
    steps = [
        {**step, "text": texts[step["key"]]}
        if isinstance(step, dict) and step.get("text") and step.get("key") in texts
        else step
        for step in document.get("steps") or ()
    ]
    return {**document, "steps": steps}


register_discreet_overlay(NAME, DiscreetOverlay(keys=keys, apply=apply))
