"""discreet messages: a privacy level per phone number, a neutral display name per clinic,
and the shipped discreet texts and word list for a database that already serves content

Revision ID: 0008_discreet_messages
Revises: 0007_console_sessions
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008_discreet_messages"
down_revision: str | None = "0007_console_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Content items this revision adds; a database serving content gets them as shipped, so its
# live content stays valid (every plan text needs its discreet form).
NEW_ITEMS = ("document:discreet", "document:discreet_words", "es/document:discreet")


def upgrade() -> None:
    with op.batch_alter_table("phone_numbers") as batch_op:
        batch_op.add_column(
            sa.Column(
                "privacy_level", sa.String(length=12), server_default="discreet", nullable=False
            )
        )
    with op.batch_alter_table("clinics") as batch_op:
        batch_op.add_column(sa.Column("display_name", sa.String(length=40), nullable=True))
    _add_shipped_items()


def _add_shipped_items() -> None:
    bind = op.get_bind()
    revision = bind.execute(sa.text("SELECT revision FROM content_state WHERE id = 1")).scalar()
    if revision is None:
        return  # a fresh install seeds every shipped file itself
    from lupus_sms.content.store import SHIPPED_AUTHOR, read_dir
    from lupus_sms.core.config import get_settings

    shipped = read_dir(get_settings().content_dir)
    now = datetime.now(UTC)
    if bind.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored naive in UTC there (core/db.py, UTCDateTime)
    for key in NEW_ITEMS:
        exists = bind.execute(
            sa.text("SELECT id FROM content_items WHERE key = :key"), {"key": key}
        ).scalar()
        if exists is not None or key not in shipped:
            continue
        bind.execute(
            sa.text("INSERT INTO content_items (key, created_at) VALUES (:key, :now)"),
            {"key": key, "now": now},
        )
        item_id = bind.execute(
            sa.text("SELECT id FROM content_items WHERE key = :key"), {"key": key}
        ).scalar()
        bind.execute(
            sa.text(
                "INSERT INTO content_versions (item_id, number, body, status, note, author, "
                "created_at) VALUES (:item, 1, :body, 'live', 'shipped content', :author, :now)"
            ),
            {"item": item_id, "body": shipped[key], "author": SHIPPED_AUTHOR, "now": now},
        )
    bind.execute(
        sa.text("UPDATE content_state SET revision = revision + 1, updated_at = :now WHERE id = 1"),
        {"now": now},
    )


def downgrade() -> None:
    with op.batch_alter_table("clinics") as batch_op:
        batch_op.drop_column("display_name")
    with op.batch_alter_table("phone_numbers") as batch_op:
        batch_op.drop_column("privacy_level")
