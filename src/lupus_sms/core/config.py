"""Settings read from the environment (and an optional `.env`), in one place."""

from __future__ import annotations

import os
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SQLITE_URL = "sqlite:///./lupus_sms.db"
DEVELOPMENT_SESSION_SECRET = "development-only-session-secret"  # noqa: S105 - refused in production
# Where unsigned webhooks may be accepted (with no token and the console transport); any other
# environment refuses to start without TWILIO_AUTH_TOKEN and refuses unsigned webhooks.
LOCAL_ENVIRONMENTS = ("development",)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_SQLITE_URL

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_messaging_service_sid: str | None = None
    twilio_from_number: str | None = None
    # Where Twilio and people reach this service: every link we print or send starts with it
    # (never with a request's Host header, which a client chooses). Development derives it
    # from HOST and PORT; production refuses to start without it.
    public_base_url: str | None = None
    sms_transport: Literal["twilio", "console"] | None = None

    host: str = "127.0.0.1"
    port: int = 8000

    # Twilio confirms STOP and START itself unless Advanced Opt-Out is configured; answering
    # too would give the patient two texts.
    reply_to_opt_out_words: bool = False
    session_secret: str = DEVELOPMENT_SESSION_SECRET
    # Console sessions (admin and portal) end after this long without use, and at the latest
    # this long after sign-in (users/sessions.py).
    session_idle_minutes: int = Field(default=30, ge=1)
    session_max_hours: float = Field(default=12.0, gt=0)
    # Sign-in (users/throttle.py, users/signin.py): failed attempts from one client address
    # before it is slowed down (a whole clinic may share one NAT address); password checks
    # at once per process (each takes a core for ~0.1 s and 64 MiB; half the cores by
    # default, so that webhooks keep the rest; more wait briefly or get 429); the proxies
    # whose X-Forwarded-For names the client (comma-separated addresses or networks; none
    # by default: the socket's peer is the client).
    login_failures_per_address: int = Field(default=100, ge=1)
    login_max_concurrent_hashes: int = Field(default_factory=lambda: _half_the_cpus(), ge=1)
    trusted_proxies: str = ""
    content_dir: Path = Field(default_factory=lambda: _default_content_dir())
    content_refresh_seconds: float = 3.0
    # Two pairs of eyes: content changes wait for a second admin's approval (safety always).
    content_review_required: bool = True
    # Texts above this reading grade are flagged in the editor (patient materials aim at 6-8).
    reading_grade_limit: float = 8.0
    # Spanish texts below this Fernández-Huerta reading ease are flagged (60-70 is "normal").
    spanish_reading_ease_minimum: float = 60.0
    default_country: str = "US"

    # Reply limits against auto-responder loops and floods (conversation/limits.py).
    reply_limit_per_window: int = Field(default=30, ge=1)
    reply_limit_window_seconds: int = Field(default=3600, ge=1)
    repeat_reply_limit: int = Field(default=3, ge=1)
    # Inbound texts that cannot be stored (database down or slow) wait here (inbound/spool.py).
    spool_dir: Path = Path("spool")
    spool_replay_seconds: float = 30.0  # 0 turns the web process's periodic replay off
    # Request bodies above this get 413 (webhooks: 64 kB, core/body_limit.py).
    max_request_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    # PostgreSQL: no statement or lock wait may outlast Twilio's 15 s webhook timeout (0: none).
    database_statement_timeout_ms: int = Field(default=5000, ge=0)

    # Scheduler and outbox (see scheduling/ and scheduling/dispatch.py).
    in_process_scheduler: bool = True  # `serve` ticks in-process; `serve --no-scheduler` not
    expect_worker: bool = False  # a web-only process: /healthz also checks the worker's tick
    tick_seconds: float = Field(default=15.0, gt=0)
    tick_batch_size: int = Field(default=50, ge=1, le=1000)
    send_max_attempts: int = Field(default=6, ge=1)
    send_retry_base_seconds: float = Field(default=30.0, gt=0)
    send_retry_max_seconds: float = Field(default=3600.0, gt=0)
    send_lease_seconds: float = Field(default=120.0, gt=0)
    # A reminder this far behind its due time (after downtime) expires instead of going late.
    staleness_cutoff_hours: float = Field(default=6.0, gt=0)
    # Per sender, shared by every worker; a US long code sends about 1 segment a second.
    sms_segments_per_second: float = Field(default=1.0, gt=0)
    # A staff message answering a text the patient sent this recently goes out at once, at
    # any hour (the patient is there); any other waits for the patient's send window.
    staff_reply_at_once_hours: float = Field(default=4.0, gt=0)

    @model_validator(mode="after")
    def _choose_transport(self) -> Settings:
        if self.sms_transport is None:
            has_credentials = bool(self.twilio_account_sid and self.twilio_auth_token)
            self.sms_transport = "twilio" if has_credentials else "console"
        self.database_url = normalise_database_url(self.database_url)
        if self.public_base_url:
            self.public_base_url = self.public_base_url.rstrip("/")
        elif self.environment == "development":
            self.public_base_url = f"http://{_link_host(self.host)}:{self.port}"
        else:
            self.public_base_url = None
        self.trusted_proxy_networks  # noqa: B018 - a typo is refused at start, not per request
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def is_local(self) -> bool:
        """A developer's machine or a test run, never a service people rely on."""
        return self.environment in LOCAL_ENVIRONMENTS

    @property
    def signatures_required(self) -> bool:
        """Unsigned webhooks are a local toy: only in development, with no token and nothing
        real to send. Anywhere else an unsigned (or unverifiable) webhook is refused."""
        return not self.is_local or bool(self.twilio_auth_token) or self.sms_transport != "console"

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(
            ip_network(item.strip(), strict=False)
            for item in self.trusted_proxies.split(",")
            if item.strip()
        )

    @property
    def plain_http_webhooks_allowed(self) -> bool:
        """Alert webhooks over plain http: only in development, on a set-up served over http."""
        return self.environment == "development" and self.public_base_url.startswith("http://")

    def check_startable(self) -> None:
        """Refuse configurations that would be unsafe to run; raises ConfigurationError."""
        from lupus_sms.core.errors import ConfigurationError

        if self.sms_transport == "twilio" and not self.twilio_auth_token:
            raise ConfigurationError("SMS_TRANSPORT=twilio needs TWILIO_AUTH_TOKEN")
        if self.sms_transport == "twilio" and not self.twilio_account_sid:
            raise ConfigurationError("SMS_TRANSPORT=twilio needs TWILIO_ACCOUNT_SID")
        if self.sms_transport == "twilio" and not (
            self.twilio_messaging_service_sid or self.twilio_from_number
        ):
            raise ConfigurationError(
                "SMS_TRANSPORT=twilio needs TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER"
            )
        if self.environment == "production" and self.session_secret == DEVELOPMENT_SESSION_SECRET:
            raise ConfigurationError("set SESSION_SECRET: the development default is refused")
        self.link("")  # outside development, a missing PUBLIC_BASE_URL is refused here
        if not self.is_local and not self.twilio_auth_token:
            raise ConfigurationError(
                "set TWILIO_AUTH_TOKEN: outside development Twilio webhooks must be signed"
            )

    def link(self, path: str) -> str:
        """An absolute URL on this service, for texts, invitations and Twilio callbacks."""
        from lupus_sms.core.errors import ConfigurationError

        if not self.public_base_url:
            raise ConfigurationError(
                "set PUBLIC_BASE_URL to the address people and Twilio reach this service at "
                "(e.g. https://sms.example.org): outside development it has no default"
            )
        return self.public_base_url + path


def _link_host(host: str) -> str:
    """The host part of a link to the address served: a wildcard bind means this machine."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - naming the wildcard, not binding to it
        return "localhost"
    return f"[{host}]" if ":" in host else host


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs (Heroku-style `postgres://`)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _half_the_cpus() -> int:
    return max(1, (os.cpu_count() or 2) // 2)


def _default_content_dir() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "content"
        if (candidate / "messages.yaml").exists():
            return candidate
    return Path.cwd() / "content"


@lru_cache
def get_settings() -> Settings:
    return Settings()
