"""The alert webhook reaches public hosts only, at send time too: a URL saved before the rule
(or a name whose DNS answer changed) cannot make the worker post a patient's words to a
local or private address. Real HTTP servers on loopback addresses; DNS is faked."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import select

from lupus_sms.alerts.models import AlertNotification
from lupus_sms.core import egress
from tests.alerts.conftest import PATIENT_PHONE
from tests.conftest import PUBLIC_TEST_ADDRESS
from tests.transports import set_webhook_transport

# Stands in for a public address in these tests: a loopback address of its own, so a real
# server can listen there while 127.0.0.1 plays the private network.
STAND_IN_PUBLIC = "127.0.0.2"


class Recorder(BaseHTTPRequestHandler):
    """Records each request; answers 200, or a redirect when the server has `redirect_to`."""

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        self.server.received.append((self.headers.get("host"), self.rfile.read(length)))
        if self.server.redirect_to:
            self.send_response(307)
            self.send_header("Location", self.server.redirect_to)
        else:
            self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@contextmanager
def http_server(address: str, port: int = 0, redirect_to: str = "") -> Iterator:
    server = ThreadingHTTPServer((address, port), Recorder)
    server.received, server.redirect_to = [], redirect_to
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def free_port_on_both() -> int:
    """A port free on 127.0.0.1 and on the stand-in public address."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((STAND_IN_PUBLIC, 0))
            port = probe.getsockname()[1]
        try:
            with socket.socket() as other:
                other.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise RuntimeError("no port free on both loopback addresses")


@pytest.fixture
def real_network(receiver):
    """The worker's real HTTP transport instead of the recording one."""
    set_webhook_transport(None)


@pytest.fixture
def stand_in_public(monkeypatch):
    real = egress.is_public
    monkeypatch.setattr(
        egress, "is_public", lambda address: str(address) == STAND_IN_PUBLIC or real(address)
    )


def _notification(db) -> AlertNotification:
    db.expire_all()
    return db.scalars(select(AlertNotification)).one()


def _raise_alert(twilio, tick, clock) -> None:
    twilio.sms("fever 39.1 and chills", from_=PATIENT_PHONE)
    tick(clock.now())


def test_a_saved_url_on_a_private_address_is_refused_at_send_time(
    twilio, db, clinic, patient, tick, clock, real_network
):
    with http_server("127.0.0.1") as internal:
        clinic.alert_webhook_url = f"http://127.0.0.1:{internal.server_port}/hook"
        db.commit()
        _raise_alert(twilio, tick, clock)
    assert internal.received == []
    notification = _notification(db)
    assert notification.status == "pending" and "not a public" in notification.last_error


def test_a_name_that_resolves_to_a_private_address_is_refused_at_send_time(
    twilio, db, clinic, patient, tick, clock, real_network, fake_dns
):
    with http_server("127.0.0.1") as internal:
        fake_dns.names["hooks.clinic.test"] = ["127.0.0.1"]
        clinic.alert_webhook_url = f"http://hooks.clinic.test:{internal.server_port}/hook"
        db.commit()
        _raise_alert(twilio, tick, clock)
    assert internal.received == []
    assert "not a public" in _notification(db).last_error


def test_the_request_goes_to_the_address_that_was_checked(
    twilio, db, clinic, patient, tick, clock, real_network, stand_in_public, fake_dns
):
    """DNS rebinding: the first answer is public, any later one private. The post must go
    to the first (checked) address, on the same port, with the name as its Host."""
    answers = iter([[STAND_IN_PUBLIC]])
    fake_dns.names["rebind.clinic.test"] = lambda: next(answers, ["127.0.0.1"])
    port = free_port_on_both()
    with http_server(STAND_IN_PUBLIC, port) as checked, http_server("127.0.0.1", port) as inside:
        clinic.alert_webhook_url = f"http://rebind.clinic.test:{port}/hook"
        db.commit()
        _raise_alert(twilio, tick, clock)
    assert inside.received == []
    [(host, body)] = checked.received
    assert host == f"rebind.clinic.test:{port}" and b"alert.opened" in body
    assert _notification(db).status == "delivered"


def test_redirects_are_not_followed(
    twilio, db, clinic, patient, tick, clock, real_network, stand_in_public, fake_dns
):
    fake_dns.names["hooks.clinic.test"] = [STAND_IN_PUBLIC]
    with http_server("127.0.0.1") as internal:
        target = f"http://127.0.0.1:{internal.server_port}/steal"
        with http_server(STAND_IN_PUBLIC, redirect_to=target) as public:
            clinic.alert_webhook_url = f"http://hooks.clinic.test:{public.server_port}/hook"
            db.commit()
            _raise_alert(twilio, tick, clock)
    assert len(public.received) == 1 and internal.received == []
    notification = _notification(db)
    assert notification.status == "pending" and notification.last_status_code == 307


def test_https_names_the_host_in_tls_and_connects_to_the_checked_address(
    twilio, db, clinic, patient, tick, clock, receiver
):
    _raise_alert(twilio, tick, clock)
    [request] = receiver.requests
    assert request.url.host == PUBLIC_TEST_ADDRESS
    assert request.headers["host"] == "clinic.example.test"
    assert request.extensions["sni_hostname"] == "clinic.example.test"


def test_plain_http_is_refused_at_send_time_outside_development(
    twilio, db, clinic, patient, tick, clock, receiver, monkeypatch
):
    monkeypatch.setenv("ENVIRONMENT", "production")
    monkeypatch.setenv("SESSION_SECRET", "a production secret for this test only")
    from lupus_sms.core.config import get_settings

    get_settings.cache_clear()
    clinic.alert_webhook_url = "http://clinic.example.test/lupus-alerts"
    db.commit()
    try:
        _raise_alert(twilio, tick, clock)
    finally:
        get_settings.cache_clear()
    assert receiver.requests == []
    assert "https://" in _notification(db).last_error


def test_network_errors_from_the_checked_address_are_still_retried(
    twilio, db, clinic, patient, tick, clock
):
    def refuse(request):
        raise httpx.ConnectError("refused", request=request)

    set_webhook_transport(httpx.MockTransport(refuse))
    _raise_alert(twilio, tick, clock)
    notification = _notification(db)
    assert notification.status == "pending" and "ConnectError" in notification.last_error


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_to_the_checked_address_verifies_the_certificate_of_the_name(
    twilio, db, clinic, patient, tick, clock, stand_in_public, fake_dns, tmp_path
):
    """A real TLS server on the checked address, with a certificate for the name only: the
    post is accepted, so SNI and the certificate check used the name, not the address."""
    name = "hooks.clinic.test"
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    fake_dns.names[name] = [STAND_IN_PUBLIC]
    with http_server(STAND_IN_PUBLIC) as server:
        server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server_tls.load_cert_chain(cert, key)
        server.socket = server_tls.wrap_socket(server.socket, server_side=True)
        trusting = ssl.create_default_context(cafile=str(cert))
        set_webhook_transport(httpx.HTTPTransport(verify=trusting))
        clinic.alert_webhook_url = f"https://{name}:{server.server_port}/hook"
        db.commit()
        _raise_alert(twilio, tick, clock)
    [(host, _body)] = server.received
    assert host == f"{name}:{server.server_port}"
    assert _notification(db).status == "delivered"
