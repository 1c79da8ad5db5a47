"""content compliance: first-name accents per clinic, numbers the carrier blocks, and the
OptOutType of inbound texts

Revision ID: 0006_content_compliance
Revises: 0005_tenancy_consent
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lupus_sms.core.db

revision: str = "0006_content_compliance"
down_revision: str | None = "0005_tenancy_consent"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clinics") as batch_op:
        batch_op.add_column(
            sa.Column("keep_name_accents", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    with op.batch_alter_table("phone_numbers") as batch_op:
        batch_op.add_column(
            sa.Column(
                "carrier_blocked_at",
                lupus_sms.core.db.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("opt_out_type", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_column("opt_out_type")
    with op.batch_alter_table("phone_numbers") as batch_op:
        batch_op.drop_column("carrier_blocked_at")
    with op.batch_alter_table("clinics") as batch_op:
        batch_op.drop_column("keep_name_accents")
