"""A stand-in for the Twilio SDK's HTTP client: the real SDK code builds the requests and
parses these responses, shaped like Twilio's own."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import parse_qs, urlparse

from twilio.http import HttpClient
from twilio.http.response import Response

ACCOUNT_SID = "AC" + "0" * 32


def message_json(
    sid: str, *, to: str, body: str, status: str = "queued", created: datetime | None = None
) -> dict:
    """Twilio's JSON for a message; `created` (when Twilio accepted it) defaults to 16:00 UTC on
    10 March 2026, the tests' usual clock. A queued message has no date_sent yet."""
    created = created or datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    return {
        "account_sid": ACCOUNT_SID,
        "api_version": "2010-04-01",
        "body": body,
        "date_created": format_datetime(created, usegmt=True).replace("GMT", "+0000"),
        "date_sent": None,
        "date_updated": format_datetime(created, usegmt=True).replace("GMT", "+0000"),
        "direction": "outbound-api",
        "error_code": None,
        "error_message": None,
        "from": "+12025550100",
        "messaging_service_sid": None,
        "num_media": "0",
        "num_segments": "1",
        "price": None,
        "price_unit": "USD",
        "sid": sid,
        "status": status,
        "subresource_uris": {},
        "to": to,
        "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
    }


def error_json(status: int, code: int, message: str) -> str:
    return json.dumps(
        {
            "code": code,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
    )


class StubHttpClient(HttpClient):
    """Answers queued responses in order; records every request the SDK made."""

    def __init__(self) -> None:
        super().__init__(logging.getLogger("tests.twilio_stub"), is_async=False)
        self.responses: list[Response | Exception] = []
        self.requests: list[dict] = []
        self.listed: list[dict] = []  # messages returned by GET .../Messages.json
        self.created = 0
        self.now: datetime | None = None  # Twilio's clock for date_created, if a test sets it
        # GET answers by the end of the URI's path (see `answer`), before the Messages list.
        self.routes: dict[str, tuple[int, dict]] = {}

    def answer(self, path_end: str, body: dict, status: int = 200) -> None:
        """Answer GET requests whose path ends with `path_end` with this JSON."""
        self.routes[path_end] = (status, body)

    def request(self, method, uri, params=None, data=None, headers=None, auth=None, **kw):
        self.requests.append({"method": method, "uri": uri, "params": params, "data": data})
        path = urlparse(uri).path
        for path_end, (status, body) in self.routes.items():
            if method == "GET" and path.endswith(path_end):
                return Response(status, json.dumps(body))
        if method == "GET":
            page = {
                "messages": self.listed,
                "end": 0,
                "first_page_uri": uri,
                "next_page_uri": None,
                "page": 0,
                "page_size": 50,
                "previous_page_uri": None,
                "start": 0,
                "uri": uri,
            }
            return Response(200, json.dumps(page))
        if self.responses:
            answer = self.responses.pop(0)
            if isinstance(answer, Exception):
                raise answer
            return answer
        self.created += 1
        sid = f"SM{self.created:032x}"
        body = message_json(sid, to=data["To"], body=data["Body"], created=self.now)
        self.listed.append(body)
        return Response(201, json.dumps(body))

    def fail(self, status: int, code: int, message: str = "error", headers=None) -> None:
        self.responses.append(Response(status, error_json(status, code, message), headers))

    @property
    def last_data(self) -> dict:
        return self.requests[-1]["data"]


def query_of(uri: str) -> dict:
    return parse_qs(urlparse(uri).query)


def page(key: str, items: list[dict]) -> dict:
    """A list page as Twilio's v1 APIs answer it."""
    return {"meta": {"key": key, "next_page_url": None, "page": 0, "page_size": 50}, key: items}
