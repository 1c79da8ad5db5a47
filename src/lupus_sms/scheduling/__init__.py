"""Scheduling: the plan document, the materialised plan and the scheduler tick."""

# Registers the plan document's validator, how its texts are translated and the consent
# texts' frequency check, so content loads check and translate content/plans.yaml and what the
# consent texts promise about it.
from lupus_sms.enrollment.planning import Planner, register_planner
from lupus_sms.scheduling import discreet_plans as _discreet_plans  # noqa: F401
from lupus_sms.scheduling import frequency as _frequency  # noqa: F401
from lupus_sms.scheduling import plan_translation as _plan_translation  # noqa: F401
from lupus_sms.scheduling import plans as _plans  # noqa: F401
from lupus_sms.scheduling.planner import replan
from lupus_sms.scheduling.preview import changes_if_moved

# Enrollment redoes a patient's plan after each change through this planner (it sits below
# scheduling and does not import it).
register_planner(Planner(replan=replan, changes_if_moved=changes_if_moved))
