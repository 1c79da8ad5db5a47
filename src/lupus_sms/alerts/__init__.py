"""Safety escalation: red flags, alerts and clinic notification.

Importing the package registers the validators of content/safety.yaml (and of the reply that
joins a safety reply to the opt-out confirmation) and how its replies are translated, so every
process that builds a content snapshot checks and translates them. Check-ins are their own
domain (checkins/): they raise alerts through this package's service, and this package never
imports them.
"""

from lupus_sms.alerts import combined_replies, safety, safety_translation  # noqa: F401
