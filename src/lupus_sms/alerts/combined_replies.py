"""Texts the inbound order builds from two contents, checked against their own limit.

"Stop texting me, I want to die" opts the number out and raises a red flag at once; the one
text an opt-out still allows carries the safety reply, then the opt-out confirmation
(alerts/inbound.py). Each language's pair must fit `stop_red_flag` in content/limits.py.
"""

from __future__ import annotations

from lupus_sms.alerts.safety import REPLY_RULES
from lupus_sms.content.limits import LONG_VALUES, segments_over
from lupus_sms.content.snapshot import ContentSnapshot, register_view_check


def stop_red_flag_problems(content: ContentSnapshot) -> list[str]:
    replies = (content.documents.get("safety") or {}).get("replies") or {}
    confirmation = content.text("opt_out_confirmation")
    problems = []
    for name in REPLY_RULES:
        if not isinstance(replies.get(name), str):
            continue  # reported by the safety document's own validator
        try:
            combined = f"{replies[name].format(**LONG_VALUES)} {confirmation}"
        except (KeyError, IndexError, ValueError):
            continue
        if problem := segments_over(combined, "stop_red_flag"):
            problems.append(f"safety.replies.{name} with messages.opt_out_confirmation: {problem}")
    return problems


register_view_check(stop_red_flag_problems)
