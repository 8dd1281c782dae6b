"""ai usage, budgets, keys and settings

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-25
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

import starguide.kit.models

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ai_org_settings",
        sa.Column("allow_external", sa.Boolean(), nullable=False),
        sa.Column("monthly_budget_micros", sa.BigInteger(), nullable=True),
        sa.Column("learner_daily_budget_micros", sa.BigInteger(), nullable=True),
        sa.Column(
            "aliases",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_ai_org_settings_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_org_settings")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_ai_org_settings_organisation_id")),
    )
    with op.batch_alter_table("ai_org_settings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ai_org_settings_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "ai_spend",
        sa.Column("scope", sa.String(length=20), nullable=False),
        sa.Column("subject_id", sa.Uuid(), nullable=False),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("spent_micros", sa.BigInteger(), nullable=False),
        sa.Column("reserved_micros", sa.BigInteger(), nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_ai_spend_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_spend")),
        sa.UniqueConstraint(
            "organisation_id",
            "scope",
            "subject_id",
            "period",
            name=op.f("uq_ai_spend_organisation_id_scope_subject_id_period"),
        ),
    )
    with op.batch_alter_table("ai_spend", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_ai_spend_organisation_id"), ["organisation_id"], unique=False)

    op.create_table(
        "ai_provider_keys",
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("ciphertext", sa.Text(), nullable=False),
        sa.Column("last4", sa.String(length=4), nullable=False),
        sa.Column("created_by_id", sa.Uuid(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_ai_provider_keys_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_ai_provider_keys_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_provider_keys")),
        sa.UniqueConstraint(
            "organisation_id", "provider", name=op.f("uq_ai_provider_keys_organisation_id_provider")
        ),
    )
    with op.batch_alter_table("ai_provider_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ai_provider_keys_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "ai_usage",
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("alias", sa.String(length=60), nullable=False),
        sa.Column("deployment", sa.String(length=200), nullable=True),
        sa.Column("provider", sa.String(length=20), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=True),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("cached_input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("cost_micros", sa.BigInteger(), nullable=False),
        sa.Column("reserved_micros", sa.BigInteger(), nullable=False),
        sa.Column("estimated", sa.Boolean(), nullable=False),
        sa.Column("latency_ms", sa.Integer(), nullable=True),
        sa.Column("ttft_ms", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("error_kind", sa.String(length=30), nullable=True),
        sa.Column("finish_reason", sa.String(length=20), nullable=True),
        sa.Column(
            "spend_ids",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", starguide.kit.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("organisation_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_ai_usage_organisation_id_organisations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_ai_usage_user_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ai_usage")),
    )
    with op.batch_alter_table("ai_usage", schema=None) as batch_op:
        batch_op.create_index("ix_ai_usage_org_created", ["organisation_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_usage_organisation_id"), ["organisation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_ai_usage_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("ai_usage", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_usage_user_id"))
        batch_op.drop_index(batch_op.f("ix_ai_usage_organisation_id"))
        batch_op.drop_index("ix_ai_usage_org_created")

    op.drop_table("ai_usage")
    with op.batch_alter_table("ai_provider_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_provider_keys_organisation_id"))

    op.drop_table("ai_provider_keys")
    with op.batch_alter_table("ai_spend", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_spend_organisation_id"))

    op.drop_table("ai_spend")
    with op.batch_alter_table("ai_org_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ai_org_settings_organisation_id"))

    op.drop_table("ai_org_settings")
