"""backfill phone digests for accounts stored before phone sign-in

Revision ID: e4a7b9c2d1f0
Revises: 34d0c0fb2d89
Create Date: 2026-12-02 02:20:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "e4a7b9c2d1f0"
down_revision = "34d0c0fb2d89"
branch_labels = None
depends_on = None


def upgrade():
    # Data only, in the app's context (Flask-Migrate): the digest is keyed by SECRET_KEY and the phone is
    # decrypted with DATA_KEYS. `diandan keys digests` does the same after a SECRET_KEY change.
    from app.maintenance.phones import backfill_phone_digests

    backfill_phone_digests(op.get_bind())


def downgrade():
    # The digests are harmless to keep and the earlier revision has the column: nothing to undo.
    pass
