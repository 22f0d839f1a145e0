"""organisations and people administered on pages, imports, API tokens

- `user_account.must_change_password` (a temporary password set by an administrator) and
  `user_account.id_number` (身份证号, unique: what a re-import matches people by);
- `organisation.active` (a deactivated organisation takes no new people or children);
- `role_grant_event`: every role granted or revoked, by whom, when and why;
- `import_job`: Excel imports run in the background with their progress and findings;
- `api_token`: per-user tokens of the JSON API (SHA-256 only).

Revision ID: 0015
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("id_number", sa.String(length=18), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_user_account_id_number"), ["id_number"])
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.true()))

    op.create_table(
        "role_grant_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_role_grant_event_user_id_user_account")),
        sa.ForeignKeyConstraint(["actor_id"], ["user_account.id"], name=op.f("fk_role_grant_event_actor_id_user_account")),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_role_grant_event_org_id_organisation")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_grant_event")),
    )
    op.create_index("ix_role_grant_event_user", "role_grant_event", ["user_id", "created_dt"])

    op.create_table(
        "import_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=True),
        sa.Column("summary", sa.JSON(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_import_job_org_id_organisation")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], name=op.f("fk_import_job_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_job")),
    )
    op.create_index(op.f("ix_import_job_org_id"), "import_job", ["org_id"])

    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("prefix", sa.String(length=12), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_api_token_user_id_user_account")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], name=op.f("fk_api_token_created_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"])


def downgrade():
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_index(op.f("ix_import_job_org_id"), table_name="import_job")
    op.drop_table("import_job")
    op.drop_index("ix_role_grant_event_user", table_name="role_grant_event")
    op.drop_table("role_grant_event")
    with op.batch_alter_table("organisation", schema=None) as batch_op:
        batch_op.drop_column("active")
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_user_account_id_number"), type_="unique")
        batch_op.drop_column("id_number")
        batch_op.drop_column("must_change_password")
