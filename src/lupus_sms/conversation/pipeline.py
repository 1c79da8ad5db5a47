"""The inbound order: one explicit table of small handlers, run first to last.

Each handler looks at the InboundContext and either returns a Reply (the pipeline stops) or
None (the next handler runs). A handler may also change the context for those after it, as
an opt-in word does: it lifts the block, then a pending consent question may still answer.
The same table is documented in ARCHITECTURE.md; keep the two in step.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from lupus_sms.content.snapshot import ContentSnapshot
from lupus_sms.conversation.sender import Sender
from lupus_sms.core.config import Settings
from lupus_sms.messaging.models import Message, PhoneNumber


@dataclass
class Reply:
    body: str | None  # None: answer nothing (empty TwiML)
    kind: str
    # Safety and compliance replies are never held back by reply limits or quiet hours.
    exempt_from_limits: bool = False
    # The one confirmation that the opt-out rules allow goes to a number that just opted out.
    confirms_opt_out: bool = False


@dataclass
class InboundContext:
    db: Session
    settings: Settings
    content: ContentSnapshot
    now: datetime
    message: Message
    phone_number: PhoneNumber | None
    body: str
    normalised: str
    # Twilio's own reading of the keyword (Advanced Opt-Out): STOP, START or HELP.
    opt_out_type: str | None = None
    opted_in_now: bool = False
    # Twilio took this opt-in word itself, so it sends the opt-in confirmation, not us.
    twilio_confirms_opt_in: bool = False
    # What an open question (such as a check-in option number) means, for the safety rules.
    meanings: list[str] = field(default_factory=list)
    prefix: list[str] = field(default_factory=list)
    # Loaded once with the phone number (conversation/sender.py): the conversation being
    # paged, a pending "which clinic?" question, and the number's enrolments, so that the
    # handlers do not each query for them. None: not loaded, the handlers query themselves.
    sender: Sender | None = None
    # The red-flag reading of this text (alerts/inbound.py), read once for every step.
    safety_reading: object | None = None

    def may_have_checkin(self, clinic_id: int | None) -> bool:
        """False when the number has no patient (with that clinic) that a check-in could
        have been sent to, so the open check-in lookup can be skipped."""
        if self.sender is None:
            return True
        return any(clinic_id in (None, e.clinic_id) for e in self.sender.enrolments)

    @property
    def can_reply(self) -> bool:
        """An opted-out number gets nothing until it opts back in (Twilio error 21610)."""
        return self.phone_number is None or not self.phone_number.opted_out


Handler = Callable[[InboundContext], Reply | None]


def run_pipeline(context: InboundContext, order: list[tuple[str, Handler]]) -> Reply:
    for _name, handler in order:
        reply = handler(context)
        if reply is not None:
            return reply
    raise RuntimeError("the inbound order must end with a handler that always replies")
