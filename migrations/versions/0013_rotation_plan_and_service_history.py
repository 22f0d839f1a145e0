"""rotation plan and service history (issue 16)

Service history shared by every process (posting, employment_record, staffing_need; organisation's
weak flag and paired school) and the tables of the annual rotation plan.

Revision ID: 0013
Revises: 0014 (re-chained after merging main)
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('employment_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('hire_date', sa.Date(), nullable=False),
    sa.Column('title_grade', sa.String(length=16), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=True),
    sa.Column('plans_senior_title', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_employment_record_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_employment_record')),
    sa.UniqueConstraint('user_id', name=op.f('uq_employment_record_user_id'))
    )
    op.create_table('posting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Enum('teacher', 'vice_principal', 'principal', name='position', native_enum=False, length=16), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('personnel_moved', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.Enum('appointment', 'rotation', name='postingkind', native_enum=False, length=16), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_posting_school_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_posting_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_posting')),
    sa.UniqueConstraint('user_id', 'school_id', 'start_date', name=op.f('uq_posting_user_id'))
    )
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_posting_school_id'), ['school_id'], unique=False)
        batch_op.create_index('ix_posting_user_start', ['user_id', 'start_date'], unique=False)

    op.create_table('service_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('applied_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['county_id'], ['organisation.id'], name=op.f('fk_service_import_county_id_organisation')),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'], name=op.f('fk_service_import_uploaded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_import'))
    )
    op.create_table('staffing_need',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('balance', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_staffing_need_school_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staffing_need')),
    sa.UniqueConstraint('school_id', 'subject', name=op.f('uq_staffing_need_school_id'))
    )
    with op.batch_alter_table('staffing_need', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staffing_need_school_id'), ['school_id'], unique=False)

    op.create_table('rotation_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('quotas', 'nominating', 'matching', 'confirming', 'approval', 'published', 'running', 'finished', name='planstatus', native_enum=False, length=16), nullable=False),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('nomination_deadline', sa.Date(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('matching_revision', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=True),
    sa.Column('approved_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approved_by_id'], ['user_account.id'], name=op.f('fk_rotation_plan_approved_by_id_user_account')),
    sa.ForeignKeyConstraint(['county_id'], ['organisation.id'], name=op.f('fk_rotation_plan_county_id_organisation')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_rotation_plan_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_rotation_plan_instance_id_process_instance')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_plan')),
    sa.UniqueConstraint('county_id', 'year', name=op.f('uq_rotation_plan_county_id')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_rotation_plan_instance_id'))
    )
    with op.batch_alter_table('rotation_plan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rotation_plan_county_id'), ['county_id'], unique=False)

    op.create_table('rotation_due',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=32), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('reason_zh', sa.Text(), nullable=False),
    sa.Column('reason_en', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['rotation_plan.id'], name=op.f('fk_rotation_due_plan_id_rotation_plan')),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_rotation_due_school_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_rotation_due_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_due')),
    sa.UniqueConstraint('plan_id', 'user_id', 'rule', name=op.f('uq_rotation_due_plan_id'))
    )
    with op.batch_alter_table('rotation_due', schema=None) as batch_op:
        batch_op.create_index('ix_rotation_due_plan_school', ['plan_id', 'school_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rotation_due_user_id'), ['user_id'], unique=False)

    op.create_table('rotation_nomination',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('nominated', 'exempted', name='nominationstatus', native_enum=False, length=16), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('preferences', sa.JSON(), nullable=False),
    sa.Column('exemption_reason', sa.Text(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_rotation_nomination_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['plan_id'], ['rotation_plan.id'], name=op.f('fk_rotation_nomination_plan_id_rotation_plan')),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_rotation_nomination_school_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_rotation_nomination_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_nomination')),
    sa.UniqueConstraint('plan_id', 'user_id', name=op.f('uq_rotation_nomination_plan_id'))
    )
    with op.batch_alter_table('rotation_nomination', schema=None) as batch_op:
        batch_op.create_index('ix_rotation_nomination_plan_school', ['plan_id', 'school_id'], unique=False)

    op.create_table('rotation_quota',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('sends', sa.Integer(), nullable=False),
    sa.Column('receives', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['rotation_plan.id'], name=op.f('fk_rotation_quota_plan_id_rotation_plan')),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_rotation_quota_school_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_quota')),
    sa.UniqueConstraint('plan_id', 'school_id', 'form', name=op.f('uq_rotation_quota_plan_id'))
    )
    op.create_table('rotation_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['rotation_plan.id'], name=op.f('fk_rotation_response_plan_id_rotation_plan')),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_rotation_response_school_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_rotation_response_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_response'))
    )
    with op.batch_alter_table('rotation_response', schema=None) as batch_op:
        batch_op.create_index('ix_rotation_response_plan_school', ['plan_id', 'school_id'], unique=False)

    op.create_table('rotation_volunteer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('preferences', sa.JSON(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['rotation_plan.id'], name=op.f('fk_rotation_volunteer_plan_id_rotation_plan')),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_rotation_volunteer_school_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_rotation_volunteer_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation_volunteer')),
    sa.UniqueConstraint('plan_id', 'user_id', name=op.f('uq_rotation_volunteer_plan_id'))
    )
    with op.batch_alter_table('rotation_volunteer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rotation_volunteer_user_id'), ['user_id'], unique=False)

    op.create_table('rotation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('nomination_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('form', sa.String(length=16), nullable=False),
    sa.Column('sending_school_id', sa.Integer(), nullable=False),
    sa.Column('receiving_school_id', sa.Integer(), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=False),
    sa.Column('personnel_moved', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('planned', 'active', 'completed', name='rotationstatus', native_enum=False, length=16), nullable=False),
    sa.Column('explanation', sa.JSON(), nullable=False),
    sa.Column('manual', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['nomination_id'], ['rotation_nomination.id'], name=op.f('fk_rotation_nomination_id_rotation_nomination')),
    sa.ForeignKeyConstraint(['plan_id'], ['rotation_plan.id'], name=op.f('fk_rotation_plan_id_rotation_plan')),
    sa.ForeignKeyConstraint(['receiving_school_id'], ['organisation.id'], name=op.f('fk_rotation_receiving_school_id_organisation')),
    sa.ForeignKeyConstraint(['sending_school_id'], ['organisation.id'], name=op.f('fk_rotation_sending_school_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_rotation_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rotation')),
    sa.UniqueConstraint('nomination_id', name=op.f('uq_rotation_nomination_id'))
    )
    with op.batch_alter_table('rotation', schema=None) as batch_op:
        batch_op.create_index('ix_rotation_plan', ['plan_id'], unique=False)
        batch_op.create_index('ix_rotation_user_dates', ['user_id', 'start_date'], unique=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_weak', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('paired_school_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organisation_paired_school_id_organisation'), 'organisation', ['paired_school_id'], ['id'])



def downgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisation_paired_school_id_organisation'), type_='foreignkey')
        batch_op.drop_column('paired_school_id')
        batch_op.drop_column('is_weak')

    with op.batch_alter_table('rotation', schema=None) as batch_op:
        batch_op.drop_index('ix_rotation_user_dates')
        batch_op.drop_index('ix_rotation_plan')

    op.drop_table('rotation')
    with op.batch_alter_table('rotation_volunteer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rotation_volunteer_user_id'))

    op.drop_table('rotation_volunteer')
    with op.batch_alter_table('rotation_response', schema=None) as batch_op:
        batch_op.drop_index('ix_rotation_response_plan_school')

    op.drop_table('rotation_response')
    op.drop_table('rotation_quota')
    with op.batch_alter_table('rotation_nomination', schema=None) as batch_op:
        batch_op.drop_index('ix_rotation_nomination_plan_school')

    op.drop_table('rotation_nomination')
    with op.batch_alter_table('rotation_due', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rotation_due_user_id'))
        batch_op.drop_index('ix_rotation_due_plan_school')

    op.drop_table('rotation_due')
    with op.batch_alter_table('rotation_plan', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rotation_plan_county_id'))

    op.drop_table('rotation_plan')
    with op.batch_alter_table('staffing_need', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staffing_need_school_id'))

    op.drop_table('staffing_need')
    op.drop_table('service_import')
    with op.batch_alter_table('posting', schema=None) as batch_op:
        batch_op.drop_index('ix_posting_user_start')
        batch_op.drop_index(batch_op.f('ix_posting_school_id'))

    op.drop_table('posting')
    op.drop_table('employment_record')
