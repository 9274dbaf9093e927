"""translation reports

Revision ID: 0005
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lms_translation_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("course_id", sa.String(length=64), nullable=False),
        sa.Column("lesson_key", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=8), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["lms_users.id"], name=op.f("fk_lms_translation_reports_user_id_lms_users"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lms_translation_reports")),
    )
    with op.batch_alter_table("lms_translation_reports", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_lms_translation_reports_course_id"), ["course_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_lms_translation_reports_lang"), ["lang"], unique=False)
        batch_op.create_index(batch_op.f("ix_lms_translation_reports_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("lms_translation_reports")
