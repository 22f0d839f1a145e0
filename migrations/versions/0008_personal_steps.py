"""steps assigned to one person by design (human_task.personal)

A teacher's own step and a step with a BPMN `assignee` (each member's secret ballot) belong to
that person alone: they can never be released to a queue, claimed or completed by anyone else.
Until now the table could not tell such a step from a queue step someone had claimed.

Existing rows: teacher steps and secret steps are the only steps assigned by design in the
shipped diagrams (`self_application`: the teacher's declaration and correction; `school_vote`:
the ballots, which carry a secret handler), so those are marked.

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("personal", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(
        "UPDATE human_task SET personal = TRUE "
        "WHERE assignee_id IS NOT NULL AND (role = 'teacher' OR secret_handler IS NOT NULL)"
    )


def downgrade():
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("personal")
