"""messages: three indexes cover only the rows their queries can ask for

The webhook stores two rows per text (the text and its reply). An inbound text is never
anyone's reply, a reply is never a check-in question, and a stranger's keyword belongs to no
patient: their entries in ix_messages_in_reply_to_id, ix_messages_sent_checkin and
ix_messages_patient_created were written and never read. Partial indexes (WHERE the column
IS NOT NULL) skip them; every query of these columns compares them or asks IS NOT NULL,
which both databases take as implying the index's condition.

Revision ID: 0011_partial_message_indexes
Revises: 0010_conversation_notifications
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011_partial_message_indexes"
down_revision: str | None = "0010_conversation_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (name, columns, the column that must be set)
INDEXES = (
    ("ix_messages_in_reply_to_id", ["in_reply_to_id"], "in_reply_to_id"),
    ("ix_messages_sent_checkin", ["sent_at", "checkin_key"], "checkin_key"),
    ("ix_messages_patient_created", ["patient_id", "created_at"], "patient_id"),
)


def upgrade() -> None:
    for name, columns, required in INDEXES:
        where = sa.text(f"{required} IS NOT NULL")
        op.drop_index(name, table_name="messages")
        op.create_index(name, "messages", columns, sqlite_where=where, postgresql_where=where)


def downgrade() -> None:
    for name, columns, _ in INDEXES:
        op.drop_index(name, table_name="messages")
        op.create_index(name, "messages", columns)
