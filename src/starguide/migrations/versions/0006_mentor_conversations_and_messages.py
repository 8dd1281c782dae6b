"""mentor conversations and messages

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import starguide.kit.models

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentor_conversations",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentor_conversations_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mentor_conversations_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_conversations")),
    )
    with op.batch_alter_table("mentor_conversations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_conversations_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(
            "ix_mentor_conversations_owner", ["organisation_id", "user_id", "updated_at"], unique=False
        )

    op.create_table(
        "mentor_messages",
        sa.Column("conversation_id", sa.Uuid(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("mode", sa.String(length=20), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("deployment", sa.String(length=200), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column(
            "citations",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("usage_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["mentor_conversations.id"],
            name=op.f("fk_mentor_messages_conversation_id_mentor_conversations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_mentor_messages_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_messages")),
    )
    with op.batch_alter_table("mentor_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_mentor_messages_conversation", ["conversation_id", "created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_mentor_messages_organisation_id"), ["organisation_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mentor_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_messages_organisation_id"))
        batch_op.drop_index("ix_mentor_messages_conversation")

    op.drop_table("mentor_messages")
    with op.batch_alter_table("mentor_conversations", schema=None) as batch_op:
        batch_op.drop_index("ix_mentor_conversations_owner")
        batch_op.drop_index(batch_op.f("ix_mentor_conversations_organisation_id"))

    op.drop_table("mentor_conversations")
