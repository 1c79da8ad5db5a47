"""Check-ins: the check-in document (content/checkins.yaml), the answers patients give, the
inbound steps that read them, and the silence that follows when none come.

Importing the package registers the check-in document's validator and how its strings are
translated, so every process that builds a content snapshot checks and translates it, and
tells alerts how long low-priority items wait (`expire_after_days` lives in this document). The
package raises alerts through the alerts service; alerts never imports it.
"""

from lupus_sms.checkins import discreet, document, translation, validation  # noqa: F401
