"""THE INBOUND ORDER. Keep in step with ARCHITECTURE.md ("Inbound SMS, in order").

  1. compliance      STOP / START / HELP families alone; clear wishes to stop in longer texts.
                     An opt-in word lifts the block and goes on (a consent YES may follow).
  2. context         an open check-in maps its option numbers to meanings   (check-ins)
  3. safety          red flags reply at once and alert the clinic            (safety)
  4. pending         a check-in answer; a consent YES, asking which clinic   (enrolment)
  5. opt-in reply    an opt-in word nobody took
  6. keywords        MENU, MORE, numbers, keywords, aliases, close misspellings
  7. review          an enrolled patient's unanswerable text reaches the clinic
  8. hint            anything else gets a short menu hint, never silence
Limits on replies never hold back steps 1 and 3 (their replies are `exempt_from_limits`).
"""

from __future__ import annotations

from lupus_sms.conversation.handlers import (
    handle_compliance,
    handle_keywords,
    handle_opt_in_reply,
    handle_unknown,
)
from lupus_sms.conversation.pipeline import Handler

INBOUND_ORDER: list[tuple[str, Handler]] = [
    ("compliance", handle_compliance),
    ("opt_in_reply", handle_opt_in_reply),
    ("keywords", handle_keywords),
    ("hint", handle_unknown),
]
