"""The built-in moderation filter: self-harm, violence, sexual content and personal data, no model needed.

It is deliberately narrow. A learning platform is full of words that look alarming out of context
("kill the process", "sexual reproduction", "the French Revolution's violence", "3.26 light-years"),
so a pattern only fires on what a person says about themselves or to someone (first-person intent,
threats aimed at people, explicit requests), and personal data only on shapes that are really
addresses, phone numbers, card numbers (Luhn-checked) or IBANs (mod-97-checked). Whatever it
flags is held for a mentor to review, never silently dropped; the provider's own moderation (where
the deployment has one) catches what these patterns miss.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum


class Category(StrEnum):
    SELF_HARM = "self_harm"
    VIOLENCE = "violence"
    SEXUAL = "sexual"
    PERSONAL_DATA = "personal_data"


@dataclass(frozen=True, slots=True)
class Flag:
    category: Category
    reason: str  # a label such as "phone number": never the flagged text itself


_I = r"(?:i|i'm|im|i am|i've|ive|i'll|ill|i feel|i keep)"
_PEOPLE = (
    r"(?:you|him|her|them|everyone|everybody|people|someone|somebody|the teacher|my teacher|"
    r"my (?:mother|father|mom|mum|dad|brother|sister|teacher|classmates?|friends?|boss|wife|husband|"
    r"parents|family|neighbou?r)|the (?:class|students|kids))"
)

_RULES: list[tuple[Category, str, re.Pattern[str]]] = [
    (Category.SELF_HARM, "self-harm", re.compile(p))
    for p in (
        r"\b(?:kill|hurt|harm|cut|starve|hang|poison)(?:ing)? (?:my ?self)\b",
        r"\b(?:end|take) my (?:own )?life\b",
        rf"\b{_I}\b[^.?!\n]{{0,30}}\bsuicid(?:e|al)\b",
        rf"\b{_I}\b[^.?!\n]{{0,20}}\b(?:want|wanna|going|plan|planning|deserve|wish) to die\b"
        r"(?! (?:laughing|of (?:laughter|embarrassment|boredom|shame)))",
        rf"\b{_I}\b[^.?!\n]{{0,20}}\bself[- ]?harm",
        r"\b(?:no reason to live|better off dead|don'?t want to (?:live|be alive|exist) any ?more)\b",
    )
]
_RULES += [
    (Category.VIOLENCE, "threat", re.compile(p))
    for p in (
        r"\b(?:i'm going to|im going to|i am going to|i will|i'll|ill|gonna|i want to|i wanna)\s+"
        rf"(?:kill|shoot|stab|murder|hurt|beat up|attack|strangle)\s+{_PEOPLE}\b",
        r"\b(?:how (?:do i|to|can i|would i)|teach me to|help me) (?:make|build|assemble) "
        r"(?:a |an )?(?:bomb|pipe bomb|molotov|nail bomb|explosive device)\b",
        r"\b(?:shoot|bomb|blow) up (?:the|my|our|this) (?:school|class|classroom|office|church|mosque|"
        r"synagogue|temple)\b",
        r"\b(?:shoot|bomb|attack) (?:the|my|our) (?:school|classroom|church|mosque|synagogue)\b",
    )
]
_RULES += [
    (Category.SEXUAL, "sexual content", re.compile(p))
    for p in (
        r"\bporn\w*\b",
        r"\b(?:send|sending|share|want) (?:me )?(?:your |some )?nudes?\b",
        r"\bnudes\b",
        r"\bnaked (?:pics?|photos?|pictures?|selfies?)\b",
        r"\b(?:blow|hand)jobs?\b",
        r"\b(?:have|having|had) sex with\b",
        r"\bsex with (?:you|me)\b",
        r"\bsexting\b",
        r"\bdick pics?\b",
        r"\b(?:i'm|im|i am|so|feeling) horny\b",
        r"\berotic (?:role ?play|story|chat)\b",
    )
]

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@([a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})+)\b", re.IGNORECASE)
_EXAMPLE_DOMAINS = (
    "example.com",
    "example.org",
    "example.net",
    "example.edu",
    "test",
    "invalid",
    "localhost",
)
_PHONES = [
    re.compile(r"(?<![\w+])\+\d[\d ().-]{7,18}\d(?![\w])"),  # international: +44 20 7946 0958
    re.compile(r"(?<![\w.-])\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4}(?![\w-])"),  # 555-123-4567, (555) 123 4567
    re.compile(r"(?<![\w.,-])0\d(?:[ .-]?\d{2}){4}(?![\w.,-]?\d)"),  # 06 12 34 56 78
    re.compile(r"(?<![\w.,-])0\d{9,10}(?![\w.,])"),  # 07911123456
]
_CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b")
_SSN = re.compile(r"(?<![\d-])\d{3}-\d{2}-\d{4}(?![\d-])")


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text.lower())


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _iban_ok(candidate: str) -> bool:
    compact = candidate.replace(" ", "")
    if not 15 <= len(compact) <= 34:
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(c, 36)) for c in moved)
    return int(number) % 97 == 1


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


# Ids and link targets are not personal data, but their runs of digits can pass for card or phone
# numbers (a lesson link such as `/lessons/01a21584-b096-7519-9015-218600e09572` holds a Luhn-valid run).
_NOT_PERSONAL = re.compile(
    r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\]\([^)\s]*\)|https?://\S+",
    re.IGNORECASE,
)


def personal_data(text: str) -> list[str]:
    """What kinds of personal data `text` contains: e-mail, phone number, card number, IBAN, id number."""
    found: list[str] = []
    text = _NOT_PERSONAL.sub(" ", text)
    for match in _EMAIL.finditer(text):
        domain = match.group(1).lower()
        if not any(domain == d or domain.endswith("." + d) for d in _EXAMPLE_DOMAINS):
            found.append("e-mail address")
            break
    for match in _CARD.finditer(text):
        digits = _digits(match.group())
        if 13 <= len(digits) <= 19 and len(set(digits)) > 1 and _luhn(digits):
            found.append("card number")
            break
    if any(_iban_ok(m.group()) for m in _IBAN.finditer(text)):
        found.append("bank account number")
    if _SSN.search(text):
        found.append("identity number")
    for pattern in _PHONES:
        phone = pattern.search(text)
        if phone and 8 <= len(_digits(phone.group())) <= 15 and "card number" not in found:
            found.append("phone number")
            break
    return found


def check_text(text: str) -> list[Flag]:
    """The categories `text` falls in (empty when it is fine), at most one flag a category."""
    normal = _normal(text)
    flags: list[Flag] = []
    for category, reason, pattern in _RULES:
        if any(f.category is category for f in flags):
            continue
        if pattern.search(normal):
            flags.append(Flag(category, reason))
    flags += [Flag(Category.PERSONAL_DATA, kind) for kind in personal_data(text)]
    return flags


def categories(flags: Iterable[Flag]) -> list[str]:
    return sorted({f.category.value for f in flags})


# What the learner reads instead of a reply, by the most serious category first.
KIND_MESSAGES: dict[Category, str] = {
    Category.SELF_HARM: (
        "It sounds like you may be going through something really hard, and I'm glad you said it. "
        "You deserve support from a person: please talk to someone you trust, or contact a local "
        "crisis line; in an emergency, call your local emergency number. I have let a mentor at "
        "your organisation know, so someone can check in with you."
    ),
    Category.VIOLENCE: (
        "I can't help with that. If anyone is in danger, please contact your local emergency number. "
        "A mentor at your organisation has been told and may get in touch."
    ),
    Category.SEXUAL: (
        "That is not something I can talk about here. Let's get back to your learning: what are you "
        "working on?"
    ),
    Category.PERSONAL_DATA: (
        "Please don't share personal details such as phone numbers, e-mail addresses or card numbers "
        "in this chat. Your message was not sent to the AI; try asking again without them."
    ),
}
GENERIC_MESSAGE = (
    "That is not something I can help with here. A mentor at your organisation may look at this "
    "conversation. Let's get back to your learning: what are you working on?"
)
HELD_OUTPUT_MESSAGE = (
    "I started to write something I should not have, so I stopped. A mentor will look at it. "
    "Could you ask your question another way?"
)
_ORDER = [Category.SELF_HARM, Category.VIOLENCE, Category.SEXUAL, Category.PERSONAL_DATA]


def kind_message(category_names: Iterable[str], *, output: bool = False) -> str:
    """What the learner reads instead: for their own message by its most serious category; for a
    reply that was stopped, a message that says so."""
    if output:
        return HELD_OUTPUT_MESSAGE
    names = set(category_names)
    for category in _ORDER:
        if category.value in names:
            return KIND_MESSAGES[category]
    return GENERIC_MESSAGE


def provider_category(name: str) -> str:
    """A provider's category (OpenAI: `self-harm/intent`, `sexual/minors`, ...) in our terms."""
    head = name.split("/", 1)[0].replace("-", "_")
    return head
