"""a step's next reminder and its pending announcement on the inbox row itself (issue 19)

`reminder_schedule` and `task_announcement` were tables of their own, one row per pending step, so
that rescheduling rewrote a narrow table. But every new step then cost three INSERTs (the inbox
row, its reminder, its announcement) on every completion that opens one, and the scans that touch
these rows run a few times a day per step at most. They become two columns of `human_task`, each
with a partial index holding only the rows with a moment set: a new step is one INSERT, and the
completion clears its reminder in the UPDATE it sends anyway.

Revision ID: 0025
Revises: 0024
"""
import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("human_task", sa.Column("reminder_dt", sa.DateTime(timezone=True), nullable=True))
    op.add_column("human_task", sa.Column("announce_dt", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE human_task SET reminder_dt = (SELECT next_dt FROM reminder_schedule WHERE task_id = human_task.id)"
        " WHERE id IN (SELECT task_id FROM reminder_schedule)"
    )
    op.execute(
        "UPDATE human_task SET announce_dt = (SELECT created_dt FROM task_announcement WHERE task_id = human_task.id)"
        " WHERE id IN (SELECT task_id FROM task_announcement)"
    )
    op.create_index("ix_human_task_reminder", "human_task", ["reminder_dt"],
                    postgresql_where=sa.text("reminder_dt IS NOT NULL"), sqlite_where=sa.text("reminder_dt IS NOT NULL"))
    op.create_index("ix_human_task_announce", "human_task", ["announce_dt", "id"],
                    postgresql_where=sa.text("announce_dt IS NOT NULL"), sqlite_where=sa.text("announce_dt IS NOT NULL"))
    op.drop_index("ix_reminder_schedule_next_dt", table_name="reminder_schedule")
    op.drop_table("reminder_schedule")
    op.drop_index("ix_task_announcement_created_dt", table_name="task_announcement")
    op.drop_table("task_announcement")


def downgrade():
    op.create_table(
        "reminder_schedule",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("next_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_task.id"], name=op.f("fk_reminder_schedule_task_id_human_task")),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_reminder_schedule")),
    )
    op.create_index("ix_reminder_schedule_next_dt", "reminder_schedule", ["next_dt"])
    op.create_table(
        "task_announcement",
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["task_id"], ["human_task.id"], name=op.f("fk_task_announcement_task_id_human_task")),
        sa.PrimaryKeyConstraint("task_id", name=op.f("pk_task_announcement")),
    )
    op.create_index("ix_task_announcement_created_dt", "task_announcement", ["created_dt"])
    op.execute("INSERT INTO reminder_schedule (task_id, next_dt) SELECT id, reminder_dt FROM human_task"
               " WHERE reminder_dt IS NOT NULL")
    op.execute("INSERT INTO task_announcement (task_id, created_dt) SELECT id, announce_dt FROM human_task"
               " WHERE announce_dt IS NOT NULL")
    op.drop_index("ix_human_task_announce", table_name="human_task")
    op.drop_index("ix_human_task_reminder", table_name="human_task")
    with op.batch_alter_table("human_task") as batch_op:
        batch_op.drop_column("announce_dt")
        batch_op.drop_column("reminder_dt")
