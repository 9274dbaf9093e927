"""certificates

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('lms_certificates',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('course_id', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('holder_name', sa.String(length=100), nullable=False),
    sa.Column('course_title', sa.String(length=300), nullable=False),
    sa.Column('completed_on', sa.Date(), nullable=False),
    sa.Column('study_minutes', sa.Integer(), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('signatory_name', sa.String(length=200), nullable=False),
    sa.Column('signatory_title', sa.String(length=200), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signature', sa.String(length=64), nullable=False),
    sa.Column('lang', sa.String(length=8), nullable=False),
    sa.Column('name_display', sa.String(length=16), nullable=False),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=300), nullable=True),
    sa.Column('revoked_by', sa.Integer(), nullable=True),
    sa.Column('superseded_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['issued_by'], ['lms_users.id'], name=op.f('fk_lms_certificates_issued_by_lms_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['revoked_by'], ['lms_users.id'], name=op.f('fk_lms_certificates_revoked_by_lms_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['lms_users.id'], name=op.f('fk_lms_certificates_user_id_lms_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_certificates'))
    )
    with op.batch_alter_table('lms_certificates', schema=None) as batch_op:
        batch_op.create_index('ix_lms_certificates_course_issued', ['course_id', 'issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_lms_certificates_user_id'), ['user_id'], unique=False)
        batch_op.create_index('uq_lms_certificates_current', ['user_id', 'course_id'], unique=True, sqlite_where=sa.text("status <> 'superseded'"), postgresql_where=sa.text("status <> 'superseded'"))

    op.create_table('lms_badge_issuer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=300), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by'], ['lms_users.id'], name=op.f('fk_lms_badge_issuer_updated_by_lms_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_lms_badge_issuer'))
    )


def downgrade() -> None:
    op.drop_table('lms_badge_issuer')
    with op.batch_alter_table('lms_certificates', schema=None) as batch_op:
        batch_op.drop_index('uq_lms_certificates_current', sqlite_where=sa.text("status <> 'superseded'"), postgresql_where=sa.text("status <> 'superseded'"))
        batch_op.drop_index(batch_op.f('ix_lms_certificates_user_id'))
        batch_op.drop_index('ix_lms_certificates_course_issued')

    op.drop_table('lms_certificates')
