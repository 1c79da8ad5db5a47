"""alerts: severity and category, and the inbox's index by severity

Revision ID: 0004_alert_severity
Revises: 0003_message_indexes
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_alert_severity"
down_revision: str | None = "0003_message_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alerts") as batch:
        batch.add_column(
            sa.Column("severity", sa.String(16), nullable=False, server_default="routine")
        )
        batch.add_column(sa.Column("category", sa.String(32), nullable=True))
    # Alerts raised before categories had severities: every red flag is urgent at least.
    op.execute("UPDATE alerts SET severity = 'urgent' WHERE kind = 'red_flag'")
    op.create_index(
        "ix_alerts_clinic_status_severity", "alerts", ["clinic_id", "status", "severity"]
    )


def downgrade() -> None:
    op.drop_index("ix_alerts_clinic_status_severity", table_name="alerts")
    with op.batch_alter_table("alerts") as batch:
        batch.drop_column("category")
        batch.drop_column("severity")
