"""benchmark indexes (issue 5): none needed so far

`bench/bench_inbox.py` (1,000,000 human-task rows, 200,000 open, a generated province) shows
every inbox and navigation-count query served by the existing indexes of 0001
(`ix_human_task_assignee`, `ix_human_task_queue`: bitmap index scans, well under 1 ms of
execution each; plans in bench/results/bench_inbox.json). This revision stays in the chain, empty,
so that an index the benchmarks call for later lands here without renumbering.

Revision ID: 0005
Revises: 0004
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
