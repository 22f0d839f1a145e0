"""user_account.auth_version and the triggers that raise it (issue 19: the cached logged-in user)

Each process caches the logged-in user with their roles, the roles' organisations and their
teacher profile, and reads only `auth_version` on every request. Triggers raise it on every
change to those rows, whatever wrote it (the ORM, Core statements, COPY imports, raw SQL), so a
revoked role or a deactivation bites on the very next request in every process. The trigger
definitions live in `webapp/models/auth_version.py` (also used by `create_all`).

Revision ID: 0026
Revises: 0025
"""
import sqlalchemy as sa
from alembic import op

from webapp.models.auth_version import create_auth_triggers, drop_auth_triggers

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_account", sa.Column("auth_version", sa.Integer(), server_default="0", nullable=False))
    create_auth_triggers(op.get_bind())


def downgrade():
    # First: on SQLite the batch rebuild of user_account would trip over the triggers naming it.
    drop_auth_triggers(op.get_bind())
    with op.batch_alter_table("user_account") as batch_op:
        batch_op.drop_column("auth_version")
