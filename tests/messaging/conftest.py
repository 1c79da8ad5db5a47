from tests.scheduling.support import fake_transport, session_factory, set_env, tick  # noqa: F401
