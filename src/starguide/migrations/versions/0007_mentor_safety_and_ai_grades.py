"""mentor safety alerts, held messages and AI grades

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import starguide.kit.models

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentor_safety_alerts",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("learner_id", sa.Uuid(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column(
            "categories",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Uuid(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["mentor_conversations.id"],
            name=op.f("fk_mentor_safety_alerts_conversation_id_mentor_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"],
            ["users.id"],
            name=op.f("fk_mentor_safety_alerts_learner_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["mentor_messages.id"],
            name=op.f("fk_mentor_safety_alerts_message_id_mentor_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentor_safety_alerts_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_mentor_safety_alerts_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_safety_alerts")),
    )
    with op.batch_alter_table("mentor_safety_alerts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentor_safety_alerts_org_status", ["organisation_id", "status", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentor_safety_alerts_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "ai_grades",
        sa.Column("attempt_id", sa.Uuid(), nullable=False),
        sa.Column("question_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("available_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("usage_id", sa.Uuid(), nullable=True),
        sa.Column("deployment", sa.String(length=200), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("created_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("graded_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overridden_by_id", sa.Uuid(), nullable=True),
        sa.Column("overridden_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("override_score", sa.Double(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["attempts.id"], name=op.f("fk_ai_grades_attempt_id_attempts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_ai_grades_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["overridden_by_id"],
            ["users.id"],
            name=op.f("fk_ai_grades_overridden_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_ai_grades_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ai_grades_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_grades")),
        sa.UniqueConstraint("attempt_id", "question_id", name=op.f("uq_ai_grades_attempt_id_question_id")),
    )
    with op.batch_alter_table("ai_grades", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_grades_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index("ix_ai_grades_status_available", ["status", "available_at"], unique=False)

    with op.batch_alter_table("mentor_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "flags",
                sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("mentor_messages", schema=None) as batch_op:
        batch_op.drop_column("flags")

    with op.batch_alter_table("ai_grades", schema=None) as batch_op:
        batch_op.drop_index("ix_ai_grades_status_available")
        batch_op.drop_index(batch_op.f("ix_ai_grades_organisation_id"))

    op.drop_table("ai_grades")
    with op.batch_alter_table("mentor_safety_alerts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_safety_alerts_organisation_id"))
        batch_op.drop_index("ix_mentor_safety_alerts_org_status")

    op.drop_table("mentor_safety_alerts")
