"""Every table, imported in one place so Alembic and the tests see the whole schema."""

from starguide.ai.models import AIOrgSettings, AIProviderKey, AISpend, AIUsage
from starguide.auth.models import AuthSession, RefreshToken, User, UserToken
from starguide.content.models import (
    Course,
    Enrolment,
    Lesson,
    LessonProgress,
    Module,
    Question,
    QuestionVersion,
    Skill,
)
from starguide.kit.mail import OutgoingEmail
from starguide.kit.models import Base
from starguide.kit.outbox import EventDelivery, OutboxEvent
from starguide.orgs.models import Invitation, Membership, Organisation, OrgAuditEvent
from starguide.quizzes.models import Assessment, Attempt, AttemptAnswer

metadata = Base.metadata

__all__ = [
    "AIOrgSettings",
    "AIProviderKey",
    "AISpend",
    "AIUsage",
    "Assessment",
    "Attempt",
    "AttemptAnswer",
    "AuthSession",
    "Course",
    "Enrolment",
    "EventDelivery",
    "Invitation",
    "Lesson",
    "LessonProgress",
    "Membership",
    "Module",
    "OrgAuditEvent",
    "Organisation",
    "OutboxEvent",
    "OutgoingEmail",
    "Question",
    "QuestionVersion",
    "RefreshToken",
    "Skill",
    "User",
    "UserToken",
    "metadata",
]
