"""login security: the login audit trail and the shared counters of login throttling

Revision ID: 0007
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0014"  # main's head when merged; the lead re-chains
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "login_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_login_event_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_event")),
    )
    with op.batch_alter_table("login_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_event_created_dt"), ["created_dt"], unique=False)
        batch_op.create_index(batch_op.f("ix_login_event_username"), ["username"], unique=False)

    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("expires_epoch", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_limit_counter")),
    )
    with op.batch_alter_table("rate_limit_counter", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rate_limit_counter_expires_epoch"), ["expires_epoch"], unique=False)


def downgrade():
    op.drop_table("rate_limit_counter")
    op.drop_table("login_event")
