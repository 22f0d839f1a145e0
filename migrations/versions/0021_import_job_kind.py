"""import_job.kind: which import a background job runs (people, or a county's title holders)

Revision ID: 0021
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = "0021"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=16), nullable=False, server_default="people"))


def downgrade():
    with op.batch_alter_table("import_job", schema=None) as batch_op:
        batch_op.drop_column("kind")
