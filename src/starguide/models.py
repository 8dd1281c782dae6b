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
from starguide.learning.models import (
    Assist,
    CompletedItem,
    CourseSkill,
    CustomBadge,
    DailyActivity,
    EarnedBadge,
    ItemDifficulty,
    LearningCounter,
    LearningProfile,
    ReviewCard,
    SkillMastery,
    Vacation,
    XPLedgerEntry,
)
from starguide.mentor.models import MentorConversation, MentorMessage, MentorSafetyAlert
from starguide.orgs.models import Invitation, Membership, Organisation, OrgAuditEvent
from starguide.quizzes.models import AIGrade, Assessment, Attempt, AttemptAnswer

metadata = Base.metadata

__all__ = [
    "AIGrade",
    "AIOrgSettings",
    "AIProviderKey",
    "AISpend",
    "AIUsage",
    "Assessment",
    "Assist",
    "Attempt",
    "AttemptAnswer",
    "AuthSession",
    "CompletedItem",
    "Course",
    "CourseSkill",
    "CustomBadge",
    "DailyActivity",
    "EarnedBadge",
    "Enrolment",
    "EventDelivery",
    "Invitation",
    "ItemDifficulty",
    "LearningCounter",
    "LearningProfile",
    "Lesson",
    "LessonProgress",
    "Membership",
    "MentorConversation",
    "MentorMessage",
    "MentorSafetyAlert",
    "Module",
    "OrgAuditEvent",
    "Organisation",
    "OutboxEvent",
    "OutgoingEmail",
    "Question",
    "QuestionVersion",
    "RefreshToken",
    "ReviewCard",
    "Skill",
    "SkillMastery",
    "User",
    "UserToken",
    "Vacation",
    "XPLedgerEntry",
    "metadata",
]
