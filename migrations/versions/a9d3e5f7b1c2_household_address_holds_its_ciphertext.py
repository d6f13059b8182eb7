"""household addresses hold their whole ciphertext

Revision ID: a9d3e5f7b1c2
Revises: e4b7c1a2d9f0
Create Date: 2026-12-02 06:00:00.000000

The encrypted address column was declared 1024 long but created 255 long (the type ignored its length), so on
PostgreSQL an address of about 45 Chinese characters or more could not be stored. Widening keeps every value.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a9d3e5f7b1c2'
down_revision = 'e4b7c1a2d9f0'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('visit_households', schema=None) as batch_op:
        batch_op.alter_column('address', existing_type=sa.String(length=255), type_=sa.String(length=1024),
                              existing_nullable=False)


def downgrade():
    # Narrowing would cut ciphertexts; the column stays wide.
    pass
