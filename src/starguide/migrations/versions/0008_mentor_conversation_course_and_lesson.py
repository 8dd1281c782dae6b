"""mentor conversations: the course and lesson the learner is working on

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("mentor_conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("course_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("lesson_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_mentor_conversations_course_id_courses"),
            "courses",
            ["course_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_mentor_conversations_lesson_id_lessons"),
            "lessons",
            ["lesson_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("mentor_conversations", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_mentor_conversations_lesson_id_lessons"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_mentor_conversations_course_id_courses"), type_="foreignkey")
        batch_op.drop_column("lesson_id")
        batch_op.drop_column("course_id")
