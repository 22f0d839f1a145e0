"""county review: reviews, candidates (the result table), expert assignments, its decisions, staff subjects (issue 13)

Revision ID: 0010
Revises: 0014
Create Date: 2026-12-02 03:14:11.059130

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_subject',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organisation.id'], name=op.f('fk_staff_subject_org_id_organisation')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_staff_subject_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_subject')),
    sa.UniqueConstraint('user_id', 'org_id', 'subject', name=op.f('uq_staff_subject_user_id'))
    )
    with op.batch_alter_table('staff_subject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_subject_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_subject_user_id'), ['user_id'], unique=False)

    op.create_table('review_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.Integer(), nullable=True),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('status', sa.Enum('materials', 'opinions', 'assigning', 'scoring', 'selection', 'approval', 'notice', 'done', 'cancelled', name='reviewstatus', native_enum=False, length=16), nullable=False),
    sa.Column('places_mode', sa.String(length=16), nullable=False),
    sa.Column('places_value', sa.Float(), nullable=False),
    sa.Column('places', sa.Integer(), nullable=False),
    sa.Column('rubric', sa.JSON(), nullable=False),
    sa.Column('margin_note', sa.Text(), nullable=True),
    sa.Column('tie_note', sa.Text(), nullable=True),
    sa.Column('leader_comment', sa.Text(), nullable=True),
    sa.Column('notice_start_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('notice_end_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cycle_id'], ['application_cycle.id'], name=op.f('fk_review_round_cycle_id_application_cycle')),
    sa.ForeignKeyConstraint(['instance_id'], ['process_instance.id'], name=op.f('fk_review_round_instance_id_process_instance')),
    sa.ForeignKeyConstraint(['office_id'], ['organisation.id'], name=op.f('fk_review_round_office_id_organisation')),
    sa.ForeignKeyConstraint(['opened_by_id'], ['user_account.id'], name=op.f('fk_review_round_opened_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_round')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_review_round_instance_id'))
    )
    with op.batch_alter_table('review_round', schema=None) as batch_op:
        batch_op.create_index('ix_review_round_office_cycle', ['office_id', 'cycle_id', 'status'], unique=False)

    op.create_table('review_candidate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('cycle_id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('category', sa.String(length=32), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=True),
    sa.Column('teacher_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=64), nullable=False),
    sa.Column('claims_fast_track', sa.Boolean(), nullable=False),
    sa.Column('fast_track', sa.Boolean(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'returned', 'supplemented', 'accepted', 'formal', 'reserve', 'not_selected', 'rejected', 'withdrawn', name='reviewcandidatestatus', native_enum=False, length=16), nullable=False),
    sa.Column('materials_note', sa.Text(), nullable=True),
    sa.Column('supplement_due_dt', sa.DateTime(timezone=True), nullable=True),
    sa.Column('supplement_note', sa.Text(), nullable=True),
    sa.Column('opinion', sa.String(length=16), nullable=True),
    sa.Column('opinion_comment', sa.Text(), nullable=True),
    sa.Column('opinion_by_id', sa.Integer(), nullable=True),
    sa.Column('final_score', sa.Float(), nullable=True),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['application_id'], ['application.id'], name=op.f('fk_review_candidate_application_id_application')),
    sa.ForeignKeyConstraint(['cycle_id'], ['application_cycle.id'], name=op.f('fk_review_candidate_cycle_id_application_cycle')),
    sa.ForeignKeyConstraint(['office_id'], ['organisation.id'], name=op.f('fk_review_candidate_office_id_organisation')),
    sa.ForeignKeyConstraint(['opinion_by_id'], ['user_account.id'], name=op.f('fk_review_candidate_opinion_by_id_user_account')),
    sa.ForeignKeyConstraint(['review_id'], ['review_round.id'], name=op.f('fk_review_candidate_review_id_review_round')),
    sa.ForeignKeyConstraint(['school_id'], ['organisation.id'], name=op.f('fk_review_candidate_school_id_organisation')),
    sa.ForeignKeyConstraint(['teacher_id'], ['user_account.id'], name=op.f('fk_review_candidate_teacher_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_candidate')),
    sa.UniqueConstraint('review_id', 'teacher_id', name=op.f('uq_review_candidate_review_id'))
    )
    with op.batch_alter_table('review_candidate', schema=None) as batch_op:
        batch_op.create_index('ix_review_candidate_result', ['cycle_id', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_candidate_review_id'), ['review_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_candidate_teacher_id'), ['teacher_id'], unique=False)

    op.create_table('expert_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('expert_id', sa.Integer(), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=True),
    sa.Column('total', sa.Float(), nullable=True),
    sa.Column('scored_dt', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['review_candidate.id'], name=op.f('fk_expert_assignment_candidate_id_review_candidate')),
    sa.ForeignKeyConstraint(['expert_id'], ['user_account.id'], name=op.f('fk_expert_assignment_expert_id_user_account')),
    sa.ForeignKeyConstraint(['review_id'], ['review_round.id'], name=op.f('fk_expert_assignment_review_id_review_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expert_assignment')),
    sa.UniqueConstraint('candidate_id', 'expert_id', name=op.f('uq_expert_assignment_candidate_id'))
    )
    with op.batch_alter_table('expert_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_expert_assignment_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index('ix_expert_assignment_review_expert', ['review_id', 'expert_id'], unique=False)

    op.create_table('review_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('review_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=True),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('created_dt', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_review_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['candidate_id'], ['review_candidate.id'], name=op.f('fk_review_event_candidate_id_review_candidate')),
    sa.ForeignKeyConstraint(['review_id'], ['review_round.id'], name=op.f('fk_review_event_review_id_review_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_event'))
    )
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_event_review_id'), ['review_id'], unique=False)



def downgrade():
    with op.batch_alter_table('review_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_event_review_id'))

    op.drop_table('review_event')
    with op.batch_alter_table('expert_assignment', schema=None) as batch_op:
        batch_op.drop_index('ix_expert_assignment_review_expert')
        batch_op.drop_index(batch_op.f('ix_expert_assignment_candidate_id'))

    op.drop_table('expert_assignment')
    with op.batch_alter_table('review_candidate', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_candidate_teacher_id'))
        batch_op.drop_index(batch_op.f('ix_review_candidate_review_id'))
        batch_op.drop_index('ix_review_candidate_result')

    op.drop_table('review_candidate')
    with op.batch_alter_table('review_round', schema=None) as batch_op:
        batch_op.drop_index('ix_review_round_office_cycle')

    op.drop_table('review_round')
    with op.batch_alter_table('staff_subject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_subject_user_id'))
        batch_op.drop_index(batch_op.f('ix_staff_subject_org_id'))

    op.drop_table('staff_subject')
