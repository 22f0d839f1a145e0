"""renewal through self-application (issue 15): an application may renew a title held

- `application.renewal_of_id`: the title the application renews (NULL: an application for a new title).

Revision ID: 0022
Revises: 0021
"""
import sqlalchemy as sa
from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("renewal_of_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_application_renewal_of_id_title_holding"), "title_holding",
                                    ["renewal_of_id"], ["id"])


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_application_renewal_of_id_title_holding"), type_="foreignkey")
        batch_op.drop_column("renewal_of_id")
