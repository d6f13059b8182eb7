"""phones encrypted at rest

Revision ID: c3f8d2e6a903
Revises: b2e5a9c41d02
Create Date: 2026-12-01 23:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c3f8d2e6a903'
down_revision = 'b2e5a9c41d02'
branch_labels = None
depends_on = None

TABLES = ("users", "residents", "volunteers")


def _recode(convert) -> None:
    bind = op.get_bind()
    for table in TABLES:
        rows = bind.execute(sa.text(f"SELECT id, phone FROM {table} WHERE phone IS NOT NULL")).all()
        for row_id, phone in rows:
            bind.execute(sa.text(f"UPDATE {table} SET phone = :phone WHERE id = :id"), {"phone": convert(phone), "id": row_id})


def upgrade():
    # The app's data keys (DATA_KEYS or instance/data_keys) are configured by create_app, which runs `diandan db`.
    from app.core.crypto import encrypt_text

    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('phone', existing_type=sa.VARCHAR(length=32), type_=sa.String(length=255),
                                  existing_nullable=True)
    _recode(encrypt_text)


def downgrade():
    from app.core.crypto import decrypt_text

    _recode(decrypt_text)
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('phone', existing_type=sa.String(length=255), type_=sa.VARCHAR(length=32),
                                  existing_nullable=True)
