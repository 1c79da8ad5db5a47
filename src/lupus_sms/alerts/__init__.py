"""Recovery check-ins and safety escalation: red flags, alerts and clinic notification.

Importing the package registers the validators of content/safety.yaml and
content/checkins.yaml (and of the reply that joins a safety reply to the opt-out
confirmation), so every process that builds a content snapshot checks them.
"""

from lupus_sms.alerts import checkin_content, combined_replies, safety  # noqa: F401
