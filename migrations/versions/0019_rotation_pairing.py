"""rotation: pairing (对口帮扶) with joint activities; which roles a rotation moved

- `rotation_pairing`: a famous or backbone teacher paired with a weak or rural school for a period;
- `rotation_pairing_member`: the partner school's teachers in it;
- `rotation_pairing_activity`: joint activities (demonstration classes, lesson reviews, …) with date,
  participants and optional evidence, recorded by either side;
- `rotation.moved_roles`: the roles that went with the person at the start (a principal's school
  administrator role too), moved back at the end.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rotation_pairing",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("mentor_school_id", sa.Integer(), nullable=False),
        sa.Column("partner_school_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["organisation.id"], name=op.f("fk_rotation_pairing_county_id_organisation")),
        sa.ForeignKeyConstraint(["mentor_id"], ["user_account.id"], name=op.f("fk_rotation_pairing_mentor_id_user_account")),
        sa.ForeignKeyConstraint(["mentor_school_id"], ["organisation.id"],
                                name=op.f("fk_rotation_pairing_mentor_school_id_organisation")),
        sa.ForeignKeyConstraint(["partner_school_id"], ["organisation.id"],
                                name=op.f("fk_rotation_pairing_partner_school_id_organisation")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"],
                                name=op.f("fk_rotation_pairing_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotation_pairing")),
    )
    with op.batch_alter_table("rotation_pairing", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rotation_pairing_county_id"), ["county_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rotation_pairing_partner_school_id"), ["partner_school_id"], unique=False)
        batch_op.create_index("ix_rotation_pairing_mentor_dates", ["mentor_id", "start_date"], unique=False)
    op.create_table(
        "rotation_pairing_member",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pairing_id"], ["rotation_pairing.id"],
                                name=op.f("fk_rotation_pairing_member_pairing_id_rotation_pairing")),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"],
                                name=op.f("fk_rotation_pairing_member_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotation_pairing_member")),
        sa.UniqueConstraint("pairing_id", "user_id", name=op.f("uq_rotation_pairing_member_pairing_id")),
    )
    with op.batch_alter_table("rotation_pairing_member", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rotation_pairing_member_user_id"), ["user_id"], unique=False)
    op.create_table(
        "rotation_pairing_activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pairing_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("participants", sa.JSON(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["pairing_id"], ["rotation_pairing.id"],
                                name=op.f("fk_rotation_pairing_activity_pairing_id_rotation_pairing")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["user_account.id"],
                                name=op.f("fk_rotation_pairing_activity_recorded_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rotation_pairing_activity")),
    )
    with op.batch_alter_table("rotation_pairing_activity", schema=None) as batch_op:
        batch_op.create_index("ix_rotation_pairing_activity_pairing_date", ["pairing_id", "on_date"], unique=False)
    with op.batch_alter_table("rotation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("moved_roles", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("rotation", schema=None) as batch_op:
        batch_op.drop_column("moved_roles")
    op.drop_table("rotation_pairing_activity")
    op.drop_table("rotation_pairing_member")
    op.drop_table("rotation_pairing")
