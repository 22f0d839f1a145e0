"""county review: objections to its notice, the review opening itself at the reporting deadline (issue 13)

- `objection` may concern a review's candidate (`review_candidate_id`) instead of a school round's
  (`round_id`, `candidate_id` become optional): one objection process for every notice;
- `review_opening`: per call and office, the schools' reporting deadline and the places with
  which the review opens itself (a timer of `workflows/review_opening.bpmn`), when the schools
  that have not reported were reminded, and what happened at the deadline.

Revision ID: 0018
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = "0018"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("candidate_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("review_candidate_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_objection_review_candidate_id_review_candidate"),
                                    "review_candidate", ["review_candidate_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_objection_review_candidate_id"), ["review_candidate_id"], unique=False)

    op.create_table(
        "review_opening",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.Integer(), nullable=False),
        sa.Column("cycle_id", sa.Integer(), nullable=False),
        sa.Column("report_deadline_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("places_mode", sa.String(length=16), nullable=False),
        sa.Column("places_value", sa.Float(), nullable=False),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("reminded_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_count", sa.Integer(), nullable=True),
        sa.Column("opened_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["office_id"], ["organisation.id"], name=op.f("fk_review_opening_office_id_organisation")),
        sa.ForeignKeyConstraint(["cycle_id"], ["application_cycle.id"],
                                name=op.f("fk_review_opening_cycle_id_application_cycle")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_review_opening_instance_id_process_instance")),
        sa.ForeignKeyConstraint(["set_by_id"], ["user_account.id"], name=op.f("fk_review_opening_set_by_id_user_account")),
        sa.ForeignKeyConstraint(["review_id"], ["review_round.id"], name=op.f("fk_review_opening_review_id_review_round")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_opening")),
        sa.UniqueConstraint("office_id", "cycle_id", name=op.f("uq_review_opening_office_id")),
        sa.UniqueConstraint("instance_id", name=op.f("uq_review_opening_instance_id")),
    )


def downgrade():
    op.drop_table("review_opening")
    with op.batch_alter_table("objection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_objection_review_candidate_id"))
        batch_op.drop_constraint(batch_op.f("fk_objection_review_candidate_id_review_candidate"), type_="foreignkey")
        batch_op.drop_column("review_candidate_id")
        batch_op.alter_column("candidate_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("round_id", existing_type=sa.Integer(), nullable=False)
