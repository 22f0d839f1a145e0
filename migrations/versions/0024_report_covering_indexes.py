"""covering indexes for the title-holder reports (found by bench/bench_people.py)

The title-holder report joins every title in its scope to the holder's teacher profile (for the
school, hence the organisation path, and the subject). At province scale (24,000 titles, 240,000
teachers) that join read the whole teacher_profile table and every title row. With these two
indexes it reads two narrow indexes only (index-only scans, merged on user_id).

Revision ID: 0024
Revises: 0022
"""
from alembic import op

revision = "0024"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_teacher_profile_user_school_subject", "teacher_profile", ["user_id", "school_id", "subject"])
    op.create_index("ix_title_holding_user_status_level_category", "title_holding",
                    ["user_id", "status", "level", "category"])


def downgrade():
    op.drop_index("ix_title_holding_user_status_level_category", table_name="title_holding")
    op.drop_index("ix_teacher_profile_user_school_subject", table_name="teacher_profile")
