"""indexes for a school's own applications and rounds (found by bench/bench_cycle.py)

Opening a vote asks for the school's accepted applications that sit in none of its active rounds.
No index led with the school: at 100,000 applications in a province `open_round` went from
25 to 34 ms (median), growing with everyone else's applications.

Revision ID: 0006
Revises: 0005
"""
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_application_school_status", "application", ["school_id", "status"])
    op.create_index("ix_vote_round_school_status", "vote_round", ["school_id", "status"])


def downgrade():
    op.drop_index("ix_vote_round_school_status", table_name="vote_round")
    op.drop_index("ix_application_school_status", table_name="application")
