"""Scheduling: the plan document, the materialised plan and the scheduler tick."""

# Registers the plan document's validator, so content loads check content/plans.yaml.
from lupus_sms.scheduling import plans as _plans  # noqa: F401
