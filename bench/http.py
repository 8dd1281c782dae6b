"""HTTP throughput of StarGuide's middleware stack against the bare framework, measured with wrk.

Both apps run under the same command (uvicorn, 2 workers) on PostgreSQL + Redis, rate limits raised
by a setting. Rounds alternate between the apps and the medians are reported, since the machine is
shared and noisy. Run: .venv/bin/python bench/http.py [--seconds 10 --rounds 3]
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file is named like the standard library's `http`: keep its folder off the import path.
_BENCH_DIR = str(Path(__file__).resolve().parent)
sys.path[:] = [p for p in sys.path if p not in ("", _BENCH_DIR)]
sys.path.insert(0, str(Path(_BENCH_DIR).parent))

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import urllib.request  # noqa: E402

from bench.support import ROOT, WrkResult, bench_line, free_port, uvicorn_server, wrk  # noqa: E402

PG_ADMIN = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
REDIS_URL = "redis://127.0.0.1:6379/13"


async def _create_database(name: str) -> str:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    await engine.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


async def _drop_database(name: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    async with engine.connect() as conn:
        await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    await engine.dispose()


def _post(url: str, body: dict[str, object], headers: dict[str, str] | None = None) -> dict[str, object]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        method="POST",
        headers={"content-type": "application/json", **(headers or {})},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


def _access_token(base: str) -> str | None:
    """Sign up a user with an organisation, if this build has accounts; None otherwise."""
    with urllib.request.urlopen(base + "/api/openapi.json", timeout=5) as response:
        paths = json.loads(response.read())["paths"]
    if "/api/v1/me" not in paths:
        return None
    email = f"bench-{secrets.token_hex(4)}@example.org"
    pair = _post(
        base + "/api/v1/auth/signup",
        {"email": email, "password": "bench-password-123", "display_name": "Bench"},
    )
    token = str(pair["access_token"])
    if "/api/v1/orgs" in paths:
        _post(
            base + "/api/v1/orgs",
            {"name": "Bench", "slug": f"bench-{secrets.token_hex(3)}", "time_zone": "UTC"},
            {"Authorization": f"Bearer {token}"},
        )
        pair = _post(base + "/api/v1/auth/login", {"email": email, "password": "bench-password-123"})
        token = str(pair["access_token"])
    return token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()

    db_name = f"starguide_bench_http_{secrets.token_hex(3)}"
    database_url = asyncio.run(_create_database(db_name))
    data_dir = ROOT / "var" / "bench-http"
    data_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "STARGUIDE_DATABASE_URL": database_url,
        "STARGUIDE_REDIS_URL": REDIS_URL,
        "STARGUIDE_DATA_DIR": str(data_dir),
        "STARGUIDE_SECRET_KEY": secrets.token_urlsafe(48),
        "STARGUIDE_ENCRYPTION_KEY": secrets.token_urlsafe(48),
        "STARGUIDE_LOG_LEVEL": "WARNING",
        "STARGUIDE_RATE_LIMIT_IP": "100000000/minute",
        "STARGUIDE_RATE_LIMIT_USER": "100000000/minute",
        "STARGUIDE_RATE_LIMIT_AUTH": "100000/minute",
        "STARGUIDE_RATE_LIMIT_SIGNUP": "100000/minute",
    }
    subprocess.run(
        [sys.executable, "-m", "starguide.cli", "migrate"],
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    bare_port, app_port = free_port(), free_port()
    results: dict[str, list[WrkResult]] = {"bare": [], "healthz": [], "me": []}
    try:
        with (
            uvicorn_server("bench.bare_app:app", bare_port, {}, ready_path="/hello") as bare,
            uvicorn_server("starguide.app:create_app_from_env", app_port, env, factory=True) as app,
        ):
            token = _access_token(app)
            wrk(bare + "/hello", seconds=2, connections=args.connections)  # warm-up
            wrk(app + "/healthz", seconds=2, connections=args.connections)
            for _ in range(args.rounds):
                results["bare"].append(
                    wrk(bare + "/hello", seconds=args.seconds, connections=args.connections)
                )
                results["healthz"].append(
                    wrk(app + "/healthz", seconds=args.seconds, connections=args.connections)
                )
                if token:
                    results["me"].append(
                        wrk(
                            app + "/api/v1/me",
                            seconds=args.seconds,
                            connections=args.connections,
                            headers={"Authorization": f"Bearer {token}"},
                        )
                    )
    finally:
        asyncio.run(_drop_database(db_name))

    def median(name: str, attr: str) -> float:
        return statistics.median(getattr(r, attr) for r in results[name])

    bare_rate = median("bare", "rate")
    bench_line("http_bare_hello_rate", bare_rate, "req/s")
    bench_line("http_bare_hello_p99", median("bare", "p99_ms"), "ms")
    for name, label in (("healthz", "healthz"), ("me", "me")):
        if not results[name]:
            continue
        rate = median(name, "rate")
        bench_line(f"http_{label}_rate", rate, "req/s")
        bench_line(f"http_{label}_p99", median(name, "p99_ms"), "ms")
        bench_line(f"http_{label}_vs_bare", 100 * rate / bare_rate, "%")
        errors = sum(r.errors for r in results[name])
        if errors:
            print(f"warning: {errors} non-2xx responses or timeouts on {label}", file=sys.stderr)


if __name__ == "__main__":
    main()
