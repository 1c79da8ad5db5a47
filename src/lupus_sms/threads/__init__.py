"""Care-team conversations: staff messages, threads and their routing, the inbox, quick
replies.

Importing the package registers the care-team texts (content.py) and how conversation
events read on the clinic's alert webhook (notifications.py)."""

from lupus_sms.threads import content, notifications  # noqa: F401
