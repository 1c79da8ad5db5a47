"""THE INBOUND ORDER. Keep in step with ARCHITECTURE.md ("Inbound SMS, in order").

  0. red-flag opt-out  a wish to stop that is also a red flag ("stop texting me, I want to
                     die"): opted out AND the clinic alerted, the confirmation carries the
                     safety reply (alerts/inbound.py)
  1. compliance      STOP / START / HELP families alone (and PARAR, SI, AYUDA...); clear
                     wishes to stop in longer texts.
                     An opt-in word lifts the block and goes on (a consent YES may follow).
  1a. conversation  once the clinic answered by text, the patient's texts go to that
                     conversation; a red flag there still alerts with the safety reply
                                                                          (threads/inbound.py)
  2. context         an open check-in maps its option numbers to meanings   (checkins/)
  3. safety          red flags reply at once and alert the clinic            (safety)
  3a. privacy       PRIVATE / DETAILS set the number's privacy level; FULL answers with
                     the detailed form of the clinic's latest text       (inbound/privacy.py)
  4. pending         a check-in answer; a consent YES, asking which clinic   (enrolment)
  5. opt-in reply    an opt-in word nobody took
  6. keywords        MENU, MORE, ESPANOL / ENGLISH, numbers, keywords and aliases of both
                     languages, close misspellings
  7. review          an enrolled patient's unanswerable text reaches the clinic
  8. hint            anything else gets a short menu hint, never silence
Limits on replies never hold back steps 1 and 3 (their replies are `exempt_from_limits`).
"""

from __future__ import annotations

from functools import partial

from lupus_sms.alerts.inbound import handle_red_flag_opt_out, handle_review, handle_safety
from lupus_sms.checkins.inbound import (
    handle_checkin_answer,
    handle_checkin_context,
    record_red_flag_answer,
)
from lupus_sms.conversation.consent_reply import handle_pending_consent
from lupus_sms.conversation.handlers import (
    handle_compliance,
    handle_keywords,
    handle_opt_in_reply,
    handle_unknown,
)
from lupus_sms.conversation.pipeline import Handler
from lupus_sms.inbound.privacy import handle_privacy
from lupus_sms.threads.inbound import handle_thread

# A red flag that answers an open check-in is stored as its answer: the check-in domain's
# `record_red_flag_answer`, handed to the alert domain's two red-flag steps here, in sight.
red_flag_opt_out = partial(handle_red_flag_opt_out, record_answer=record_red_flag_answer)
safety = partial(handle_safety, record_answer=record_red_flag_answer)

INBOUND_ORDER: list[tuple[str, Handler]] = [
    ("red_flag_opt_out", red_flag_opt_out),  # "stop texting me, I want to die"
    ("compliance", handle_compliance),
    ("thread", partial(handle_thread, safety=safety)),  # the care team answers by text
    ("checkin_context", handle_checkin_context),
    ("safety", safety),
    ("privacy", handle_privacy),  # PRIVATE, DETAILS, FULL and their Spanish words
    ("checkin_answer", handle_checkin_answer),
    ("pending", handle_pending_consent),
    ("opt_in_reply", handle_opt_in_reply),
    ("keywords", handle_keywords),
    ("review", handle_review),
    ("hint", handle_unknown),
]
