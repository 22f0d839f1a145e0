"""training period and conferral: cohorts, sessions, trainees, attendance, scores, practice records,
conferrals and their entries (the titles themselves live in the register, 0011)

Revision ID: 0012
Revises: 0011
"""
from alembic import op
import sqlalchemy as sa

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "training_cohort",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), unique=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("review_id", sa.Integer(), sa.ForeignKey("review_round.id"), nullable=False, unique=True),
        sa.Column("cycle_id", sa.Integer(), sa.ForeignKey("application_cycle.id"), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("attendance_threshold", sa.Float(), nullable=False),
        sa.Column("attendance_rule", sa.String(16), nullable=False),
        sa.Column("pass_line", sa.Float(), nullable=False),
        sa.Column("practice_from", sa.Date()),
        sa.Column("practice_until", sa.Date()),
        sa.Column("practice_outputs", sa.Text()),
        sa.Column("supplement_until", sa.Date()),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "training_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("training_cohort.id"), nullable=False, index=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("hours", sa.Float(), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
    )
    op.create_table(
        "trainee",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("training_cohort.id"), nullable=False, index=True),
        sa.Column("candidate_id", sa.Integer(), sa.ForeignKey("review_candidate.id"), nullable=False),
        sa.Column("teacher_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False, index=True),
        sa.Column("school_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False),
        sa.Column("subject", sa.String(64), nullable=False),
        sa.Column("mentor_id", sa.Integer(), sa.ForeignKey("user_account.id"), index=True),
        sa.Column("supplement", sa.Boolean(), nullable=False),
        sa.Column("joined_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attendance_rate", sa.Float()),
        sa.Column("attendance_warning", sa.Boolean(), nullable=False),
        sa.Column("weighted_total", sa.Float()),
        sa.Column("status_reason", sa.Text()),
        sa.UniqueConstraint("cohort_id", "teacher_id"),
    )
    op.create_table(
        "training_attendance",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainee.id"), nullable=False, index=True),
        sa.Column("session_id", sa.Integer(), sa.ForeignKey("training_session.id"), nullable=False, index=True),
        sa.Column("mark", sa.String(16), nullable=False),
        sa.UniqueConstraint("trainee_id", "session_id"),
    )
    op.create_table(
        "training_score",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainee.id"), nullable=False, index=True),
        sa.Column("component", sa.String(64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.UniqueConstraint("trainee_id", "component"),
    )
    op.create_table(
        "practice_record",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainee.id"), nullable=False, index=True),
        sa.Column("kind", sa.String(100), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("evidence_link", sa.String(500)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("mentor_comment", sa.Text()),
        sa.Column("submitted_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reviewed_dt", sa.DateTime(timezone=True)),
    )
    op.create_table(
        "conferral",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("instance_id", sa.Integer(), sa.ForeignKey("process_instance.id"), unique=True),
        sa.Column("cohort_id", sa.Integer(), sa.ForeignKey("training_cohort.id"), nullable=False, unique=True),
        sa.Column("office_id", sa.Integer(), sa.ForeignKey("organisation.id"), nullable=False, index=True),
        sa.Column("level", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("rules", sa.JSON()),
        sa.Column("return_comment", sa.Text()),
        sa.Column("conferred_on", sa.Date()),
        sa.Column("opened_by_id", sa.Integer(), sa.ForeignKey("user_account.id")),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "conferral_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("conferral_id", sa.Integer(), sa.ForeignKey("conferral.id"), nullable=False, index=True),
        sa.Column("trainee_id", sa.Integer(), sa.ForeignKey("trainee.id"), nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("user_account.id"), nullable=False, index=True),
        sa.Column("title_id", sa.Integer(), sa.ForeignKey("title_holding.id")),
        sa.UniqueConstraint("conferral_id", "trainee_id"),
    )


def downgrade():
    for table in ("conferral_entry", "conferral", "practice_record", "training_score", "training_attendance",
                  "trainee", "training_session", "training_cohort"):
        op.drop_table(table)
