"""patients.consented_at: when the number consented to the clinic (tenancy by consent)

Revision ID: 0005_tenancy_consent
Revises: 0004_alert_severity
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from lupus_sms.core.db import UTCDateTime

revision: str = "0005_tenancy_consent"
down_revision: str | None = "0004_alert_severity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The first YES of each enrolment; an enrolment active or paused without one (made active
# before consent events were kept) consented when it was last changed.
BACKFILL = """
UPDATE patients SET consented_at = COALESCE(
    (SELECT MIN(consent_events.occurred_at) FROM consent_events
     WHERE consent_events.patient_id = patients.id AND consent_events.kind = 'confirmed'),
    CASE WHEN patients.status IN ('active', 'paused') THEN patients.updated_at END
)
"""


def upgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.add_column(sa.Column("consented_at", UTCDateTime(), nullable=True))
    op.execute(BACKFILL)


def downgrade() -> None:
    with op.batch_alter_table("patients") as batch:
        batch.drop_column("consented_at")
