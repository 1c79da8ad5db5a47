"""How the plan document takes its discreet texts (content/discreet.yaml, `plans:`): every
step with a text has a discreet form, keyed by the step's key (content/discreet.py)."""

from __future__ import annotations

from lupus_sms.content.discreet import DiscreetOverlay, register_discreet_overlay
from lupus_sms.scheduling.plan_translation import with_step_texts

NAME = "plans"


def keys(document: object) -> set[str]:
    steps = (document.get("steps") or ()) if isinstance(document, dict) else ()
    return {str(step["key"]) for step in steps if isinstance(step, dict) and step.get("text")}


# The plan with each step's discreet text in place of its text, as a translation puts its own.
register_discreet_overlay(NAME, DiscreetOverlay(keys=keys, apply=with_step_texts))
