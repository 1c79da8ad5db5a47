"""The scheduler's fixtures (a tick at a chosen instant, a recording transport)."""

from tests.scheduling.support import fake_transport, session_factory, tick  # noqa: F401
