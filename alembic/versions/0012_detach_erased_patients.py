"""patients: an erased record is tied to no number any more

Erasure now moves the erased patient onto a placeholder number that no text can reach, so
that enrolling the number again makes a new patient instead of reviving the erased record
beside the number (enrollment/erasure.py). This does the same for the patients erased
before it. The number's own row keeps its hash and its STOP.

Revision ID: 0012_detach_erased_patients
Revises: 0011_partial_message_indexes
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import lupus_sms.core.db

revision: str = "0012_detach_erased_patients"
down_revision: str | None = "0011_partial_message_indexes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

patients = sa.table(
    "patients",
    sa.column("id", sa.Integer),
    sa.column("phone_number_id", sa.Integer),
    sa.column("erased_at", lupus_sms.core.db.UTCDateTime()),
)
phone_numbers = sa.table(
    "phone_numbers",
    sa.column("id", sa.Integer),
    sa.column("e164", sa.String),
    sa.column("phone_hash", sa.String),
    sa.column("opted_out", sa.Boolean),
    sa.column("language", sa.String),
    sa.column("privacy_level", sa.String),
    sa.column("created_at", lupus_sms.core.db.UTCDateTime()),
    sa.column("updated_at", lupus_sms.core.db.UTCDateTime()),
)


def upgrade() -> None:
    connection = op.get_bind()
    now = datetime.now(UTC)
    erased = connection.execute(
        sa.select(patients.c.id).where(patients.c.erased_at.is_not(None))
    ).scalars()
    for patient_id in list(erased):
        placeholder = connection.execute(
            sa.insert(phone_numbers)
            .values(
                e164=None,
                phone_hash=f"erased-{uuid.uuid4().hex}",
                opted_out=True,
                language="",
                privacy_level="discreet",
                created_at=now,
                updated_at=now,
            )
            .returning(phone_numbers.c.id)
        ).scalar_one()
        connection.execute(
            sa.update(patients)
            .where(patients.c.id == patient_id)
            .values(phone_number_id=placeholder)
        )


def downgrade() -> None:
    pass  # which number an erased record was on is what erasure forgets
