"""event notifications, e-mail preference, English titles

- `notification`: events have no task (task_id nullable), an instance, parameters and a key that
  makes each event once per recipient (`uq_notification_event`);
- `task_announcement`: new steps waiting to be announced in the next digest;
- `user_account.notify_by_email`: each user chooses e-mail or in-app only;
- English beside the Chinese: `process_instance.title_en`, `human_task.subject_name_en`,
  `audit_event.task_title_en` (filled here from the inbox rows of the same step).

Revision ID: 0009
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0009"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.alter_column("task_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("instance_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("event_key", sa.String(length=120), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_notification_instance_id_process_instance"), "process_instance", ["instance_id"], ["id"]
        )
        batch_op.create_unique_constraint("uq_notification_event", ["kind", "event_key", "user_id"])

    op.create_table(
        "task_announcement",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_task.id"], name=op.f("fk_task_announcement_task_id_human_task")),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_announcement")),
    )
    with op.batch_alter_table("task_announcement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_task_announcement_created_dt"), ["created_dt"], unique=False)

    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notify_by_email", sa.Boolean(), nullable=False, server_default=sa.true()))
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.add_column(sa.Column("title_en", sa.String(length=300), nullable=True))
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_name_en", sa.String(length=100), nullable=True))
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("task_title_en", sa.String(length=200), nullable=True))

    # Histories written before: the step's English name as its inbox rows recorded it.
    op.execute(
        "UPDATE audit_event SET task_title_en = (SELECT MIN(h.title_en) FROM human_task h"
        " WHERE h.instance_id = audit_event.instance_id AND h.task_name = audit_event.task_name)"
        " WHERE task_name IS NOT NULL"
    )


def downgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("task_title_en")
    with op.batch_alter_table("human_task", schema=None) as batch_op:
        batch_op.drop_column("subject_name_en")
    with op.batch_alter_table("process_instance", schema=None) as batch_op:
        batch_op.drop_column("title_en")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("notify_by_email")

    with op.batch_alter_table("task_announcement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_task_announcement_created_dt"))
    op.drop_table("task_announcement")

    op.execute("DELETE FROM notification WHERE task_id IS NULL")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint("uq_notification_event", type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_notification_instance_id_process_instance"), type_="foreignkey")
        batch_op.drop_column("event_key")
        batch_op.drop_column("params")
        batch_op.drop_column("instance_id")
        batch_op.alter_column("task_id", existing_type=sa.Integer(), nullable=False)
