"""Full-text search over published lessons (for everyone) and the question bank (for mentors only).

SQLite: FTS5 tables `lessons_fts` and `questions_fts` whose rowid is the row's own rowid, filled by
triggers only for searchable rows. PostgreSQL: a generated `search_vector` tsvector column with a
GIN index. Both are created by migration 0003. A query is reduced to its words, each matched as a
prefix and all required, so no user input can reach the search syntax.
"""

from __future__ import annotations

import html
import re
import uuid
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

MAX_TERMS = 12
_WORD = re.compile(r"\w+", re.UNICODE)

# DDL used by the migration (and nowhere else), kept here beside the queries that rely on it.
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE lessons_fts USING fts5(title, body, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER lessons_fts_insert AFTER INSERT ON lessons WHEN new.searchable BEGIN "
    "INSERT INTO lessons_fts(rowid, title, body) VALUES (new.rowid, new.title, new.body); END",
    "CREATE TRIGGER lessons_fts_update AFTER UPDATE ON lessons BEGIN "
    "DELETE FROM lessons_fts WHERE rowid = old.rowid; "
    "INSERT INTO lessons_fts(rowid, title, body) SELECT new.rowid, new.title, new.body WHERE new.searchable; "
    "END",
    "CREATE TRIGGER lessons_fts_delete AFTER DELETE ON lessons BEGIN "
    "DELETE FROM lessons_fts WHERE rowid = old.rowid; END",
    "CREATE VIRTUAL TABLE questions_fts USING fts5(search_text, tokenize = 'unicode61 remove_diacritics 2')",
    "CREATE TRIGGER questions_fts_insert AFTER INSERT ON questions BEGIN "
    "INSERT INTO questions_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER questions_fts_update AFTER UPDATE OF search_text ON questions BEGIN "
    "DELETE FROM questions_fts WHERE rowid = old.rowid; "
    "INSERT INTO questions_fts(rowid, search_text) VALUES (new.rowid, new.search_text); END",
    "CREATE TRIGGER questions_fts_delete AFTER DELETE ON questions BEGIN "
    "DELETE FROM questions_fts WHERE rowid = old.rowid; END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS lessons_fts_insert",
    "DROP TRIGGER IF EXISTS lessons_fts_update",
    "DROP TRIGGER IF EXISTS lessons_fts_delete",
    "DROP TABLE IF EXISTS lessons_fts",
    "DROP TRIGGER IF EXISTS questions_fts_insert",
    "DROP TRIGGER IF EXISTS questions_fts_update",
    "DROP TRIGGER IF EXISTS questions_fts_delete",
    "DROP TABLE IF EXISTS questions_fts",
]
POSTGRES_DDL = [
    "ALTER TABLE lessons ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple', coalesce(title, '')), 'A') || "
    "setweight(to_tsvector('simple', coalesce(body, '')), 'B')) STORED",
    "CREATE INDEX ix_lessons_search_vector ON lessons USING gin (search_vector)",
    "ALTER TABLE questions ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "to_tsvector('simple', coalesce(search_text, ''))) STORED",
    "CREATE INDEX ix_questions_search_vector ON questions USING gin (search_vector)",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS ix_lessons_search_vector",
    "ALTER TABLE lessons DROP COLUMN IF EXISTS search_vector",
    "DROP INDEX IF EXISTS ix_questions_search_vector",
    "ALTER TABLE questions DROP COLUMN IF EXISTS search_vector",
]


@dataclass(frozen=True)
class LessonHit:
    lesson_id: uuid.UUID
    course_id: uuid.UUID
    title: str
    snippet: str
    rank: float


@dataclass(frozen=True)
class QuestionHit:
    question_id: uuid.UUID
    course_id: uuid.UUID
    key: str
    snippet: str
    rank: float


def search_terms(query: str) -> list[str]:
    """The words of a query, lower-cased, at most `MAX_TERMS`."""
    return [w.casefold() for w in _WORD.findall(query)][:MAX_TERMS]


def _is_sqlite(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def _fts5_query(terms: list[str]) -> str:
    return " ".join(f'"{t}"*' for t in terms)


def _tsquery(terms: list[str]) -> str:
    return " & ".join(f"{t}:*" for t in terms)


async def search_lessons(
    session: AsyncSession,
    organisation_id: uuid.UUID,
    query: str,
    limit: int = 10,
    *,
    course_ids: list[uuid.UUID] | None = None,
) -> list[LessonHit]:
    """Published lessons of published courses of the organisation that match every word of `query`.

    `course_ids` narrows the search (a learner searches the courses they are enrolled in); the mentor
    uses the same function to ground its answers in the organisation's own content.
    """
    terms = search_terms(query)
    if not terms or course_ids == []:
        return []
    params: dict[str, object] = {"org": organisation_id, "limit": max(1, min(limit, 50))}
    course_filter = ""
    if course_ids is not None:
        names = [f"c{i}" for i in range(len(course_ids))]
        params.update(zip(names, course_ids, strict=True))
        course_filter = f" AND l.course_id IN ({', '.join(':' + n for n in names)})"
    if _is_sqlite(session):
        params["q"] = _fts5_query(terms)
        params["org"] = organisation_id.hex
        for i, cid in enumerate(course_ids or []):
            params[f"c{i}"] = cid.hex
        sql = (
            "SELECT l.id, l.course_id, l.title, "
            "snippet(lessons_fts, 1, '⟦', '⟧', '…', 16) AS snippet, bm25(lessons_fts, 4.0, 1.0) AS rank "
            "FROM lessons_fts JOIN lessons l ON l.rowid = lessons_fts.rowid "
            f"WHERE lessons_fts MATCH :q AND l.organisation_id = :org AND l.searchable{course_filter} "
            "ORDER BY rank LIMIT :limit"
        )
    else:
        params["q"] = _tsquery(terms)
        sql = (
            "SELECT l.id, l.course_id, l.title, "
            "ts_headline('simple', l.body, q, 'StartSel=⟦, StopSel=⟧, MaxWords=30, MinWords=10') "
            "AS snippet, -ts_rank(l.search_vector, q) AS rank "
            "FROM lessons l, to_tsquery('simple', :q) q "
            f"WHERE l.search_vector @@ q AND l.organisation_id = :org AND l.searchable{course_filter} "
            "ORDER BY rank LIMIT :limit"
        )
    rows = (await session.execute(text(sql), params)).all()
    return [LessonHit(_uuid(r[0]), _uuid(r[1]), r[2], _snippet(r[3]), float(r[4])) for r in rows]


async def search_questions(
    session: AsyncSession, organisation_id: uuid.UUID, query: str, limit: int = 10
) -> list[QuestionHit]:
    """Questions (text, choices and explanation) matching `query`: for mentors only, never learners."""
    terms = search_terms(query)
    if not terms:
        return []
    limit = max(1, min(limit, 50))
    if _is_sqlite(session):
        sql = (
            "SELECT q.id, q.course_id, q.key, "
            "snippet(questions_fts, 0, '⟦', '⟧', '…', 16), bm25(questions_fts) AS rank "
            "FROM questions_fts JOIN questions q ON q.rowid = questions_fts.rowid "
            "WHERE questions_fts MATCH :q AND q.organisation_id = :org AND NOT q.archived "
            "ORDER BY rank LIMIT :limit"
        )
        params: dict[str, object] = {"q": _fts5_query(terms), "org": organisation_id.hex, "limit": limit}
    else:
        sql = (
            "SELECT q.id, q.course_id, q.key, "
            "ts_headline('simple', q.search_text, x, 'StartSel=⟦, StopSel=⟧, MaxWords=30'), "
            "-ts_rank(q.search_vector, x) AS rank "
            "FROM questions q, to_tsquery('simple', :q) x "
            "WHERE q.search_vector @@ x AND q.organisation_id = :org AND NOT q.archived "
            "ORDER BY rank LIMIT :limit"
        )
        params = {"q": _tsquery(terms), "org": organisation_id, "limit": limit}
    rows = (await session.execute(text(sql), params)).all()
    return [QuestionHit(_uuid(r[0]), _uuid(r[1]), r[2], _snippet(r[3]), float(r[4])) for r in rows]


def _snippet(raw: str | None) -> str:
    """Escaped text with the matches in `<mark>`: the markers are placed before escaping."""
    return html.escape(raw or "").replace("⟦", "<mark>").replace("⟧", "</mark>")


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
