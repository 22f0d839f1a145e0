"""the title register: status, allowance and history of every title, gapless certificate numbers

- `title_holding` gains subject, organisation at conferral, county, conferral date, status
  (active / revoked / lapsed / expired) with its reason, allowance (amount, from, until), source,
  a unique certificate number and the indexes the lapse scan and the register pages read;
- `title_event`: each title's history (conferred, imported, allowance started / stopped, revoked,
  reinstated, transferred, renewed, lapsed);
- `certificate_sequence`: the last number used per county, year, level and category, locked by
  each conferral so that numbers stay unique and gapless when two conferrals run at once.

Revision ID: 0011
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("title_holding", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("org_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("county_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("conferred_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="active", nullable=False))
        batch_op.add_column(sa.Column("allowance_monthly", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("allowance_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("allowance_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("source", sa.String(length=16), server_default="conferral", nullable=False))
        batch_op.add_column(sa.Column("status_reason", sa.String(length=500), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_title_holding_org_id_organisation"), "organisation",
                                    ["org_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_title_holding_county_id_organisation"), "organisation",
                                    ["county_id"], ["id"])
        batch_op.create_unique_constraint(batch_op.f("uq_title_holding_certificate_no"), ["certificate_no"])
        batch_op.create_index("ix_title_holding_status_valid_until", ["status", "valid_until"], unique=False)
        batch_op.create_index("ix_title_holding_county_level_category",
                              ["county_id", "level", "category", "status"], unique=False)
    op.execute("UPDATE title_holding SET status = 'revoked' WHERE active = false")

    op.create_table(
        "title_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("on_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("instance_id", sa.Integer(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["title_id"], ["title_holding.id"], name=op.f("fk_title_event_title_id_title_holding")),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_title_event_actor_id_user_account")),
        sa.ForeignKeyConstraint(["instance_id"], ["process_instance.id"],
                                name=op.f("fk_title_event_instance_id_process_instance")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_title_event")),
    )
    with op.batch_alter_table("title_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_title_event_title_id"), ["title_id"], unique=False)

    op.create_table(
        "certificate_sequence",
        sa.Column("county_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["county_id"], ["organisation.id"],
                                name=op.f("fk_certificate_sequence_county_id_organisation")),
        sa.PrimaryKeyConstraint("county_id", "year", "level", "category", name=op.f("pk_certificate_sequence")),
    )


def downgrade():
    op.drop_table("certificate_sequence")
    with op.batch_alter_table("title_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_title_event_title_id"))
    op.drop_table("title_event")
    with op.batch_alter_table("title_holding", schema=None) as batch_op:
        batch_op.drop_index("ix_title_holding_county_level_category")
        batch_op.drop_index("ix_title_holding_status_valid_until")
        batch_op.drop_constraint(batch_op.f("uq_title_holding_certificate_no"), type_="unique")
        batch_op.drop_constraint(batch_op.f("fk_title_holding_county_id_organisation"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_title_holding_org_id_organisation"), type_="foreignkey")
        for column in ("status_reason", "source", "allowance_until", "allowance_from", "allowance_monthly",
                       "status", "conferred_on", "county_id", "org_id", "subject"):
            batch_op.drop_column(column)
