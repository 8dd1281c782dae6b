"""Graded answers per second over HTTP: many learners answering at once, on SQLite and PostgreSQL.

Each request is a real answer save: `PUT /api/v1/attempts/{id}/answers/{question}` in practice mode,
so the server checks the principal, grades the answer, upserts the answer row and records an
`AnswerGraded` event in the outbox, atomically (the outbox is delivered by the server too). The baseline
beside it: `GET /healthz` on the same server with the same connections, what the stack does at most.
Learners are spread over the requests by a wrk Lua script (wrk is the load generator, in C).
SQLite runs one worker (one writer process), PostgreSQL two workers with Redis.
Run: .venv/bin/python bench/answers.py [--learners 64 --seconds 10 --connections 64]
"""

from __future__ import annotations

import sys
from pathlib import Path

# bench/ holds a module named `http`: keep the folder off the import path, the project root on it.
_BENCH_DIR = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _BENCH_DIR)]
sys.path.insert(0, str(Path(_BENCH_DIR).parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import urllib.request  # noqa: E402
from typing import Any  # noqa: E402

from bench.support import ROOT, WrkResult, _ms, bench_line, free_port, uvicorn_server, wrk  # noqa: E402

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/3"
DEMO = ROOT / "src" / "starguide" / "content" / "demo" / "astronomy.json"


def _request(base: str, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
    headers = {"content-type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=30) as response:
        raw = response.read()
    return json.loads(raw) if raw else None


def _answer(question: dict[str, Any]) -> dict[str, Any]:
    """Some valid answer to a question as the learner sees it (right or wrong does not matter)."""
    kind = question["type"]
    options = [o["id"] for o in question["options"]]
    if kind == "single_choice":
        return {"type": kind, "choice": options[0]}
    if kind == "multiple_choice":
        return {"type": kind, "choices": options[:2]}
    if kind == "true_false":
        return {"type": kind, "value": True}
    if kind == "numeric":
        return {"type": kind, "value": "42"}
    if kind == "ordering":
        return {"type": kind, "order": options}
    if kind == "matching":
        return {"type": kind, "matches": {p["id"]: question["answers"][0] for p in question["prompts"]}}
    return {"type": kind, "text": "Polaris"}


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def prepare(base: str, learners: int) -> list[tuple[str, str, str]]:
    """An organisation with the demo course, `learners` members each in a practice attempt;
    returns (token, path, body) for every question of every attempt, interleaved across learners
    (one learner's answers never arrive in a burst of concurrent requests: a learner answers one
    question at a time)."""
    tag = secrets.token_hex(4)
    admin = _request(
        base,
        "POST",
        "/api/v1/auth/signup",
        {"email": f"admin-{tag}@example.org", "password": f"pw-{tag}-Secret!", "display_name": "Admin"},
    )
    org = _request(
        base,
        "POST",
        "/api/v1/orgs",
        {"name": "Bench", "slug": f"bench-{tag}", "time_zone": "UTC"},
        admin["access_token"],
    )
    admin = _request(
        base,
        "POST",
        "/api/v1/auth/login",
        {"email": f"admin-{tag}@example.org", "password": f"pw-{tag}-Secret!", "organisation_id": org["id"]},
    )
    token = admin["access_token"]
    imported = _request(base, "POST", "/api/v1/courses/import", json.loads(DEMO.read_text()), token)
    course_id = imported["course"]["id"]
    practice = _request(
        base,
        "POST",
        "/api/v1/assessments",
        {
            "course_id": course_id,
            "title": "Bench practice",
            "published": True,
            "policy": {"mode": "practice", "draws": [{"count": 40}], "feedback_policy": "immediately"},
        },
        token,
    )
    invitation = _request(
        base, "POST", "/api/v1/org/invitations", {"role": "learner", "expires_in_days": 1}, token
    )
    per_learner: list[list[tuple[str, str, str]]] = []
    for n in range(learners):
        pair = _request(
            base,
            "POST",
            "/api/v1/auth/signup",
            {
                "email": f"learner-{n}-{tag}@example.org",
                "password": f"pw-{tag}-Secret!",
                "display_name": f"Learner {n}",
                "invitation_token": invitation["token"],
            },
        )
        learner = pair["access_token"]
        _request(base, "POST", f"/api/v1/courses/{course_id}/enrolment", None, learner)
        attempt = _request(base, "POST", f"/api/v1/assessments/{practice['id']}/attempts", None, learner)
        per_learner.append(
            [
                (
                    learner,
                    f"/api/v1/attempts/{attempt['id']}/answers/{question['question_id']}",
                    json.dumps({"answer": _answer(question)}),
                )
                for question in attempt["questions"]
            ]
        )
    return [entry for row in zip(*per_learner, strict=False) for entry in row]


def run_wrk(base: str, entries: list[tuple[str, str, str]], seconds: int, connections: int) -> WrkResult:
    """wrk with a script that sends each request as another learner's answer."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed: apt-get install wrk")
    rows = ",\n".join(
        f"{{{_lua_string('Bearer ' + t)}, {_lua_string(p)}, {_lua_string(b)}}}" for t, p, b in entries
    )
    script = f"""
local entries = {{
{rows}
}}
local n = 0
init = function(args)
  n = math.random(#entries)
end
request = function()
  n = n % #entries + 1
  local e = entries[n]
  return wrk.format("PUT", e[2], {{["Authorization"] = e[1], ["Content-Type"] = "application/json"}}, e[3])
end
"""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", handle.name, base]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(handle.name)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))  # type: ignore[union-attr]
    errors = 0
    for pattern in (r"Non-2xx or 3xx responses:\s+(\d+)", r"Socket errors:.*?timeout (\d+)"):
        if found := re.search(pattern, out):
            errors += int(found.group(1))
    return WrkResult(rate, p50, p99, errors)


async def _pg(statement: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(statement))
    await engine.dispose()


def _env(database_url: str, data_dir: Path, redis: bool) -> dict[str, str]:
    env = {
        "STARGUIDE_DATABASE_URL": database_url,
        "STARGUIDE_DATA_DIR": str(data_dir),
        "STARGUIDE_SECRET_KEY": secrets.token_urlsafe(48),
        "STARGUIDE_ENCRYPTION_KEY": secrets.token_urlsafe(48),
        "STARGUIDE_LOG_LEVEL": "WARNING",
        "STARGUIDE_ACCESS_LOG": "false",
        "STARGUIDE_RATE_LIMIT_IP": "100000000/minute",
        "STARGUIDE_RATE_LIMIT_USER": "100000000/minute",
        "STARGUIDE_RATE_LIMIT_AUTH": "100000/minute",
        "STARGUIDE_RATE_LIMIT_SIGNUP": "100000/minute",
        "STARGUIDE_REQUIRE_EMAIL_VERIFICATION": "false",
    }
    if redis:
        env["STARGUIDE_REDIS_URL"] = REDIS_URL
        env["STARGUIDE_RUN_JOBS_IN_PROCESS"] = "true"
    return env


def measure(name: str, database_url: str, data_dir: Path, args: argparse.Namespace, *, workers: int) -> None:
    env = _env(database_url, data_dir, redis=workers > 1)
    subprocess.run(
        [sys.executable, "-m", "starguide.cli", "migrate"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    with uvicorn_server(
        "starguide.app:create_app_from_env", free_port(), env, workers=workers, factory=True
    ) as base:
        entries = prepare(base, args.learners)
        run_wrk(base, entries, 2, args.connections)  # warm-up
        result = run_wrk(base, entries, args.seconds, args.connections)
        # The baseline: the same server, connections and load generator on a route that does nothing.
        baseline = wrk(f"{base}/healthz", seconds=args.seconds, connections=args.connections)
    bench_line(f"answers_{name}_rate", result.rate, "answers/s")
    bench_line(f"answers_{name}_p50", result.p50_ms, "ms")
    bench_line(f"answers_{name}_p99", result.p99_ms, "ms")
    bench_line(f"answers_{name}_baseline_healthz_rate", baseline.rate, "req/s")
    bench_line(f"answers_{name}_baseline_healthz_p99", baseline.p99_ms, "ms")
    if result.errors:
        print(f"warning: {result.errors} non-2xx responses or timeouts on {name}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=64)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="starguide-bench-") as folder:
        if args.only != "postgresql":
            data_dir = Path(folder) / "sqlite"
            data_dir.mkdir()
            measure("sqlite", f"sqlite+aiosqlite:///{data_dir / 'bench.db'}", data_dir, args, workers=1)
        if args.only != "sqlite":
            name = f"starguide_bench_answers_{secrets.token_hex(3)}"
            asyncio.run(_pg(f'CREATE DATABASE "{name}"'))
            try:
                data_dir = Path(folder) / "pg"
                data_dir.mkdir()
                measure("postgresql", PG_ADMIN.rsplit("/", 1)[0] + "/" + name, data_dir, args, workers=2)
            finally:
                asyncio.run(_pg(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
