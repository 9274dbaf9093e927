"""analytics indexes: covering indexes for the figures per course, month, learner, lesson and quiz

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 12:00:00.000000
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lms_enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_lms_enrolments_course_enrolled', ['course_id', 'enrolled_at', 'completed_at', 'last_activity_at', 'user_id'], unique=False)
        batch_op.create_index('ix_lms_enrolments_course_completed', ['course_id', 'completed_at'], unique=False)
        batch_op.create_index('ix_lms_enrolments_user_dates', ['user_id', 'course_id', 'enrolled_at', 'completed_at', 'last_activity_at'], unique=False)

    with op.batch_alter_table('lms_lesson_progress', schema=None) as batch_op:
        batch_op.create_index('ix_lms_lesson_progress_lesson_done', ['lesson_id', 'completed_at', 'user_id'], unique=False)
        batch_op.create_index('ix_lms_lesson_progress_user_lesson_done', ['user_id', 'lesson_id', 'completed_at'], unique=False)

    with op.batch_alter_table('lms_quiz_attempts', schema=None) as batch_op:
        batch_op.create_index('ix_lms_quiz_attempts_course_quiz', ['course_id', 'quiz_id', 'user_id', 'passed', 'status'], unique=False)
        batch_op.create_index('ix_lms_quiz_attempts_user_course_quiz', ['user_id', 'course_id', 'quiz_id', 'passed', 'status'], unique=False)
        batch_op.create_index('ix_lms_quiz_attempts_quiz_first', ['quiz_id', 'number', 'submitted_at', 'user_id', 'id'], unique=False, sqlite_where=sa.text("status = 'graded'"), postgresql_where=sa.text("status = 'graded'"))


def downgrade() -> None:
    with op.batch_alter_table('lms_quiz_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_quiz_attempts_quiz_first', sqlite_where=sa.text("status = 'graded'"), postgresql_where=sa.text("status = 'graded'"))
        batch_op.drop_index('ix_lms_quiz_attempts_user_course_quiz')
        batch_op.drop_index('ix_lms_quiz_attempts_course_quiz')

    with op.batch_alter_table('lms_lesson_progress', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_lesson_progress_user_lesson_done')
        batch_op.drop_index('ix_lms_lesson_progress_lesson_done')

    with op.batch_alter_table('lms_enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_lms_enrolments_user_dates')
        batch_op.drop_index('ix_lms_enrolments_course_completed')
        batch_op.drop_index('ix_lms_enrolments_course_enrolled')
