"""teams lent across county lines, border dispatch runs

Revision ID: e4b7c1a2d9f0
Revises: f234eaa8211b
Create Date: 2026-12-02 02:30:00.000000

Existing runs are county runs with no border counties and nothing to wait for (server defaults).

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e4b7c1a2d9f0'
down_revision = 'f234eaa8211b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('team_lent_counties',
    sa.Column('team_id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['county_id'], ['stations.id'], name=op.f('fk_team_lent_counties_county_id_stations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_team_lent_counties_team_id_teams'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('team_id', 'county_id', name=op.f('pk_team_lent_counties'))
    )
    with op.batch_alter_table('team_lent_counties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_lent_counties_county_id'), ['county_id'], unique=False)

    with op.batch_alter_table('dispatch_runs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), nullable=False, server_default='county'))
        batch_op.add_column(sa.Column('border_county_ids', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('after_run_ids', sa.JSON(), nullable=False, server_default='[]'))


def downgrade():
    with op.batch_alter_table('dispatch_runs', schema=None) as batch_op:
        batch_op.drop_column('after_run_ids')
        batch_op.drop_column('border_county_ids')
        batch_op.drop_column('kind')

    with op.batch_alter_table('team_lent_counties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_lent_counties_county_id'))

    op.drop_table('team_lent_counties')
