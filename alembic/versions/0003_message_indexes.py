"""messages: indexes for the no_response scan and the dashboard's recent window

Revision ID: 0003_message_indexes
Revises: 0002_clinic_portal
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003_message_indexes"
down_revision: str | None = "0002_clinic_portal"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_messages_sent_checkin", "messages", ["sent_at", "checkin_key"])
    op.create_index("ix_messages_created", "messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_created", table_name="messages")
    op.drop_index("ix_messages_sent_checkin", table_name="messages")
