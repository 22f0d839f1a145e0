"""notifications and scheduler: notifications, reminder schedule, job state and failures

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduler_failure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("occurred_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("context", sa.String(length=200), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("runner", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduler_failure")),
    )
    with op.batch_alter_table("scheduler_failure", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scheduler_failure_occurred_dt"), ["occurred_dt"], unique=False)

    op.create_table(
        "scheduler_job",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("interval_seconds", sa.Integer(), nullable=False),
        sa.Column("last_started_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_finished_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_status", sa.String(length=16), nullable=True),
        sa.Column("last_items", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_runner", sa.String(length=200), nullable=True),
        sa.Column("next_run_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_holder", sa.String(length=200), nullable=True),
        sa.Column("lease_expires_dt", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_job")),
    )
    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("due_soon", "due", "overdue", "escalation", name="notificationkind", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "email_state",
            sa.Enum("pending", "sending", "sent", "failed", "skipped", name="emailstate", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("email_attempts", sa.Integer(), nullable=False),
        sa.Column("email_next_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_sent_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("email_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["task_id"], ["human_task.id"], name=op.f("fk_notification_task_id_human_task")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_notification_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification")),
        sa.UniqueConstraint("task_id", "kind", "sequence", "user_id", name="uq_notification_key"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index("ix_notification_email", ["email_state", "email_next_dt"], unique=False)
        batch_op.create_index("ix_notification_inbox", ["user_id", "read_dt", "created_dt"], unique=False)

    op.create_table(
        "reminder_schedule",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("next_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_task.id"], name=op.f("fk_reminder_schedule_task_id_human_task")),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_reminder_schedule")),
    )
    with op.batch_alter_table("reminder_schedule", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reminder_schedule_next_dt"), ["next_dt"], unique=False)

    # Open steps from before this revision: the first scan sends whichever reminder is due by then.
    op.execute(
        "INSERT INTO reminder_schedule (task_id, next_dt)"
        " SELECT id, created_dt FROM human_task WHERE state = 'open' AND due_dt IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("reminder_schedule", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reminder_schedule_next_dt"))
    op.drop_table("reminder_schedule")

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index("ix_notification_inbox")
        batch_op.drop_index("ix_notification_email")

    op.drop_table("notification")
    op.drop_table("scheduler_job")
    with op.batch_alter_table("scheduler_failure", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduler_failure_occurred_dt"))
    op.drop_table("scheduler_failure")
