"""forms pinned to the instances that started with them; moving instances to a new version

- `definition_form_set`: the forms in force for an organisation when an instance started, once per set;
- `process_instance.form_set`: the set an instance draws and checks its steps with (NULL: started
  before this revision, the forms in force for its organisation apply).

Moving instances to a new version needs no table: it is audited on each instance (`audit_event`).

Revision ID: 0020
Revises: 0019
"""
import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "definition_form_set",
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("contents", sa.Text(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_definition_form_set")),
    )
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("form_set", sa.String(length=32), nullable=True))


def downgrade():
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_column("form_set")
    op.drop_table("definition_form_set")
