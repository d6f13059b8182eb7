"""points rules per county

Revision ID: b5d2e8f1a3c4
Revises: a9d3e5f7b1c2
Create Date: 2026-12-02 06:00:00.000000

Existing rules have no county: they stay the shared default every county falls back on.

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b5d2e8f1a3c4'
down_revision = 'a9d3e5f7b1c2'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('points_rules', schema=None) as batch_op:
        batch_op.add_column(sa.Column('county_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_points_rules_county_id'), ['county_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_points_rules_county_id_stations'), 'stations', ['county_id'], ['id'])


def downgrade():
    with op.batch_alter_table('points_rules', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_points_rules_county_id_stations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_points_rules_county_id'))
        batch_op.drop_column('county_id')
