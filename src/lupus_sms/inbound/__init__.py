"""Inbound SMS as one use case, at the top of the domains: the order of the inbound steps
(`order.py`), `handle_inbound` and the batch writer that run it, Twilio's incoming webhook,
the spool and its replay, and the commands that feed texts in (`chat`, `text`, `safety`)."""
