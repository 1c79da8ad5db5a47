"""Care-team conversations: staff messages, threads and their routing, the inbox, quick
replies."""

from lupus_sms.threads import content  # noqa: F401  (registers the care-team texts)
