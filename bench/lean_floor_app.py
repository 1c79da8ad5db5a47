"""The lean floor: the app's own hot path for the webhook, storing nothing.

The same `InboundFastPath` (inbound/fast_path.py) as the real app, in front of a bare
FastAPI app: body limits, the form, the signature check, the fields, the metrics and the
TwiML string, with an inbound writer that stores nothing and answers at once. The real app
differs from it only by storing the text and deciding the answer, so the gap between the
two is the price of the database and the conversation.
"""

from fastapi import FastAPI

from lupus_sms.core.clock import Clock, system_clock
from lupus_sms.core.config import Settings
from lupus_sms.inbound.fast_path import InboundFastPath
from lupus_sms.inbound.service import InboundResult, InboundSms


class StoresNothing:
    """What the fast path asks of the inbound writer (inbound/group_commit.py)."""

    def __init__(self) -> None:
        self._settings = Settings()  # the environment the benchmark gives every app

    def settings(self) -> Settings:
        return self._settings

    def clock(self) -> Clock:
        return system_clock

    async def answer(self, sms: InboundSms) -> InboundResult:
        return InboundResult(f"You said: {sms.body}", None)


app = FastAPI()
app.state.inbound_writer = StoresNothing()
app.add_middleware(InboundFastPath, owner=app)


@app.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}
