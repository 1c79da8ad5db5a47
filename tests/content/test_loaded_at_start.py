"""A web process reads and checks its content when it starts, not when the first text
arrives (that text would wait about half a second for it)."""

from __future__ import annotations

import logging

from fastapi.testclient import TestClient

from lupus_sms.content import service as content_service
from lupus_sms.content.service import set_content_source
from lupus_sms.content.snapshot import ContentError


def test_content_is_read_before_the_first_request(app):
    reads = []
    source = content_service._source

    def counting(current):
        reads.append(current)
        return source(current)

    set_content_source(counting)
    with TestClient(app) as client:
        assert len(reads) == 1  # at start, before any request
        answer = client.post("/twilio/sms", data={})  # unsigned: refused, content untouched
        assert answer.status_code == 403
    assert len(reads) == 1


def test_content_that_cannot_be_read_at_start_does_not_stop_the_service(app, caplog):
    def broken(current):
        raise ContentError("content/topics.yaml: not valid")

    set_content_source(broken)
    with caplog.at_level(logging.ERROR), TestClient(app) as client:
        assert client.get("/healthz").status_code in (200, 503)
    assert "content could not be loaded at start" in caplog.text
