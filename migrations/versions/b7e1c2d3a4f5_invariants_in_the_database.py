"""invariants in the database: order version, one live proposal per order, no volunteer double-booked

Revision ID: b7e1c2d3a4f5
Revises: c3f8d2e6a903
Create Date: 2026-12-01 23:30:00

"""
from alembic import op
import sqlalchemy as sa

import app.core.types
from app.dispatch.models import VOLUNTEER_SLOT_DDL


# revision identifiers, used by Alembic.
revision = 'b7e1c2d3a4f5'
down_revision = 'c3f8d2e6a903'
branch_labels = None
depends_on = None

LIVE = "status IN ('pending', 'accepted')"


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('proposal_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('start_at', app.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('end_at', app.core.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('live', sa.Boolean(), server_default=sa.text('true'), nullable=False))
    op.create_index(
        'uq_proposals_live_order', 'proposals', ['order_id'], unique=True,
        postgresql_where=sa.text(LIVE), sqlite_where=sa.text(LIVE),
    )
    dialect = op.get_bind().dialect.name
    for statement in VOLUNTEER_SLOT_DDL.get(dialect, []):
        op.execute(statement)
    # Fill the copies for rows that already exist (the triggers keep them from now on).
    op.execute(
        "UPDATE proposal_members SET "
        "start_at = (SELECT start_at FROM proposals WHERE proposals.id = proposal_members.proposal_id), "
        "end_at = (SELECT end_at FROM proposals WHERE proposals.id = proposal_members.proposal_id), "
        "live = (SELECT status IN ('pending', 'accepted') FROM proposals "
        "WHERE proposals.id = proposal_members.proposal_id)"
    )


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == 'postgresql':
        op.execute("ALTER TABLE proposal_members DROP CONSTRAINT ex_proposal_members_volunteer_overlap")
        op.execute("DROP TRIGGER proposals_sync_member_slots ON proposals")
        op.execute("DROP TRIGGER proposal_members_copy_slot ON proposal_members")
        op.execute("DROP FUNCTION proposals_sync_member_slots()")
        op.execute("DROP FUNCTION proposal_members_copy_slot()")
    else:
        for name in ('proposal_members_copy_slot', 'proposal_members_slot_refresh', 'proposals_sync_member_slots',
                     'proposal_members_no_overlap'):
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index('uq_proposals_live_order', table_name='proposals')
    with op.batch_alter_table('proposal_members', schema=None) as batch_op:
        batch_op.drop_column('live')
        batch_op.drop_column('end_at')
        batch_op.drop_column('start_at')
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('version')
