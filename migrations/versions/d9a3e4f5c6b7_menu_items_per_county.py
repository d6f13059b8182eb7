"""menu items belong to a county (or are shared templates a county adopts)

Revision ID: d9a3e4f5c6b7
Revises: c8f2d3e4b5a6
Create Date: 2026-12-01 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd9a3e4f5c6b7'
down_revision = 'c8f2d3e4b5a6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('menu_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adopted_from_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_menu_items_adopted_from_id'), ['adopted_from_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_menu_items_adopted_from_id_menu_items'), 'menu_items', ['adopted_from_id'], ['id']
        )
    # With a single county, the menu it ran is its own; with several, items stay shared templates (admin-only).
    op.execute(
        "UPDATE menu_items SET station_id = (SELECT id FROM stations WHERE level = 'county') "
        "WHERE station_id IS NULL AND (SELECT count(*) FROM stations WHERE level = 'county') = 1"
    )


def downgrade():
    with op.batch_alter_table('menu_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_menu_items_adopted_from_id_menu_items'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_menu_items_adopted_from_id'))
        batch_op.drop_column('adopted_from_id')
