"""administrators' drafts and published versions of diagrams, tables, forms and the reminder policy

`definition_draft`: one draft per file and scope (default or an organisation's variant).
`definition_publication`: every published version, append-only (who, when, comment).
`process_version.diagram_xml`: the BPMN file of a version, drawn on the instance page.

Revision ID: 0014
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "definition_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("base_publication_id", sa.Integer(), nullable=True),
        sa.Column("saved_by_id", sa.Integer(), nullable=True),
        sa.Column("saved_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lock_version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_definition_draft_org_id_organisation")),
        sa.ForeignKeyConstraint(["saved_by_id"], ["user_account.id"], name=op.f("fk_definition_draft_saved_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_definition_draft")),
        sa.UniqueConstraint("filename", "scope", name=op.f("uq_definition_draft_filename")),
    )
    op.create_table(
        "definition_publication",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("org_id", sa.Integer(), nullable=True),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("published_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("rollback_of_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["org_id"], ["organisation.id"], name=op.f("fk_definition_publication_org_id_organisation")),
        sa.ForeignKeyConstraint(["published_by_id"], ["user_account.id"], name=op.f("fk_definition_publication_published_by_id_user_account")),
        sa.ForeignKeyConstraint(["rollback_of_id"], ["definition_publication.id"], name=op.f("fk_definition_publication_rollback_of_id_definition_publication")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_definition_publication")),
        sa.UniqueConstraint("filename", "scope", "number", name=op.f("uq_definition_publication_filename")),
    )
    op.create_index("ix_definition_publication_filename", "definition_publication", ["filename"])
    with op.batch_alter_table("process_version") as batch_op:
        batch_op.add_column(sa.Column("diagram_xml", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("process_version") as batch_op:
        batch_op.drop_column("diagram_xml")
    op.drop_index("ix_definition_publication_filename", table_name="definition_publication")
    op.drop_table("definition_publication")
    op.drop_table("definition_draft")
