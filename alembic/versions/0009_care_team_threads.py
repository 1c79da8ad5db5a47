"""care-team conversations: threads, quick replies, the author of a staff message, the
clinic's conversation settings, and the shipped care-team texts for a database that already
serves content

Revision ID: 0009_care_team_threads
Revises: 0008_discreet_messages
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import lupus_sms.core.db

revision: str = "0009_care_team_threads"
down_revision: str | None = "0008_discreet_messages"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NEW_ITEMS = ("document:care_team", "es/document:care_team")


def upgrade() -> None:
    op.create_table(
        "threads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "clinic_id", sa.Integer(), sa.ForeignKey("clinics.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "patient_id", sa.Integer(), sa.ForeignKey("patients.id", ondelete="CASCADE"),
            nullable=False, unique=True,
        ),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column(
            "assigned_user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("unread", sa.Integer(), nullable=False),
        sa.Column("waiting_since", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_patient_at", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_staff_at", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("routes_until", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("staff_version", sa.Integer(), nullable=False),
        sa.Column("next_notify_at", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("notify_count", sa.Integer(), nullable=False),
        sa.Column("closed_at", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_by", sa.String(length=120), nullable=True),
        sa.Column("created_at", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=False),
    )  # fmt: skip
    op.create_index("ix_threads_clinic_status", "threads", ["clinic_id", "status"])
    op.create_index("ix_threads_status_next_notify", "threads", ["status", "next_notify_at"])
    op.create_table(
        "quick_replies",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "clinic_id", sa.Integer(), sa.ForeignKey("clinics.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=80), nullable=False),
        sa.Column("body_en", sa.Text(), nullable=False),
        sa.Column("body_es", sa.Text(), nullable=True),
        sa.Column("created_at", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", lupus_sms.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("clinic_id", "key", name="uq_quick_replies_clinic_key"),
    )  # fmt: skip
    with op.batch_alter_table("messages") as batch_op:
        batch_op.add_column(sa.Column("author_user_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("author", sa.String(length=120), nullable=True))
        batch_op.create_foreign_key(
            "fk_messages_author_user_id", "users", ["author_user_id"], ["id"], ondelete="SET NULL"
        )
    with op.batch_alter_table("clinics") as batch_op:
        batch_op.add_column(
            sa.Column("conversation_hours", sa.Integer(), server_default="72", nullable=False)
        )
        batch_op.add_column(
            sa.Column(
                "conversation_renotify_minutes", sa.Integer(), server_default="60", nullable=False
            )
        )
    _add_shipped_items()


def _add_shipped_items() -> None:
    from lupus_sms.content.store import add_shipped_items

    add_shipped_items(op.get_bind(), NEW_ITEMS)


def downgrade() -> None:
    with op.batch_alter_table("clinics") as batch_op:
        batch_op.drop_column("conversation_renotify_minutes")
        batch_op.drop_column("conversation_hours")
    with op.batch_alter_table("messages") as batch_op:
        batch_op.drop_constraint("fk_messages_author_user_id", type_="foreignkey")
        batch_op.drop_column("author")
        batch_op.drop_column("author_user_id")
    op.drop_table("quick_replies")
    op.drop_index("ix_threads_status_next_notify", table_name="threads")
    op.drop_index("ix_threads_clinic_status", table_name="threads")
    op.drop_table("threads")
