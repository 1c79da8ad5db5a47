"""conversation notifications: a delivery to the clinic's alert webhook may be about a
conversation (thread_id, and message_id for a new patient text) instead of an alert

Revision ID: 0010_conversation_notifications
Revises: 0009_care_team_threads
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_conversation_notifications"
down_revision: str | None = "0009_care_team_threads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("alert_notifications") as batch_op:
        batch_op.alter_column("alert_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("thread_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("message_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            op.f("fk_alert_notifications_thread_id_threads"), "threads", ["thread_id"], ["id"],
            ondelete="CASCADE",
        )  # fmt: skip
        batch_op.create_foreign_key(
            op.f("fk_alert_notifications_message_id_messages"), "messages", ["message_id"],
            ["id"], ondelete="SET NULL",
        )  # fmt: skip
        batch_op.create_index(op.f("ix_alert_notifications_thread_id"), ["thread_id"], unique=False)


def downgrade() -> None:
    # Conversation deliveries have no alert: they go with the columns that describe them.
    op.execute("DELETE FROM alert_notifications WHERE alert_id IS NULL")
    with op.batch_alter_table("alert_notifications") as batch_op:
        batch_op.drop_index(op.f("ix_alert_notifications_thread_id"))
        batch_op.drop_constraint(
            op.f("fk_alert_notifications_message_id_messages"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            op.f("fk_alert_notifications_thread_id_threads"), type_="foreignkey"
        )
        batch_op.drop_column("message_id")
        batch_op.drop_column("thread_id")
        batch_op.alter_column("alert_id", existing_type=sa.Integer(), nullable=False)
