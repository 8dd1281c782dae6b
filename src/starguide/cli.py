"""The `starguide` command: serve, worker, migrate and the administration commands."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import socket
import sys
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError
from pydantic_settings import SettingsError

from starguide.config import ConfigError, Settings, load_settings

Command = Callable[[argparse.Namespace, Settings], int]
COMMANDS: dict[str, tuple[Command, str, Callable[[argparse.ArgumentParser], None]]] = {}


def command(
    name: str, help_text: str, arguments: Callable[[argparse.ArgumentParser], None] = lambda p: None
) -> Callable[[Command], Command]:
    """Register a subcommand; domains add theirs (create-admin, seed-demo) the same way."""

    def register(fn: Command) -> Command:
        COMMANDS[name] = (fn, help_text, arguments)
        return fn

    return register


class CLIError(Exception):
    """An error the operator can fix; printed as one line, without a traceback."""


def _migrate(settings: Settings) -> None:
    from starguide.migrations import runner

    try:
        asyncio.run(runner.upgrade(settings))
    except (OSError, ConnectionError) as exc:
        raise CLIError(f"cannot reach the database: {exc}") from None
    except Exception as exc:
        if type(exc).__module__.startswith(("asyncpg", "sqlalchemy")):
            raise CLIError(f"cannot migrate the database: {type(exc).__name__}: {exc}") from None
        raise


def _check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise CLIError(
                f"cannot listen on {host}:{port}: {exc.strerror}. "
                "Is StarGuide already running? Choose another one with --port."
            ) from None


def _serve_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
    p.add_argument(
        "--workers", type=int, default=1, help="worker processes (more than 1 needs PostgreSQL and Redis)"
    )
    p.add_argument("--reload", action="store_true", help="restart when the code changes (development)")
    p.add_argument("--no-migrate", action="store_true", help="do not apply migrations on start")


@command("serve", "Apply migrations and serve the API, real-time channel and web app.", _serve_arguments)
def serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if args.workers > 1:
        if settings.is_sqlite:
            raise CLIError(
                "--workers > 1 needs PostgreSQL (STARGUIDE_DATABASE_URL): SQLite serves one "
                "writer process, and each worker would keep its own rate limits and events."
            )
        if not settings.redis_url:
            raise CLIError(
                "--workers > 1 needs Redis (STARGUIDE_REDIS_URL) so workers share rate limits, "
                "real-time events and jobs."
            )
        metrics_dir = settings.data_dir / "prometheus"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir.resolve())
    _check_port_free(args.host, args.port)
    if not args.no_migrate:
        _migrate(settings)
    print(f"StarGuide is serving on http://{args.host}:{args.port}  (stop with Ctrl+C)", flush=True)
    uvicorn.run(
        "starguide.app:create_app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers if not args.reload else None,
        reload=args.reload,
        access_log=False,
        proxy_headers=True,
        server_header=False,
        log_config=None,
        lifespan="on",
    )
    return 0


def _migrate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--revision", default="head", help="target revision (default: head)")
    p.add_argument("--down", metavar="REVISION", help="downgrade to REVISION instead (e.g. base)")


@command(
    "migrate", "Bring the database schema up to date (safe to run from several machines).", _migrate_arguments
)
def migrate(args: argparse.Namespace, settings: Settings) -> int:
    from starguide.migrations import runner

    if args.down:
        asyncio.run(runner.downgrade(settings, args.down))
    else:
        _migrate(settings)
    print(f"database at revision {asyncio.run(runner.current(settings))}")
    return 0


@command("worker", "Run background jobs and event delivery from the Redis queue (production).")
def worker(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.redis_url:
        raise CLIError(
            "the worker reads jobs from Redis: set STARGUIDE_REDIS_URL. Without Redis, "
            "`starguide serve` runs jobs itself."
        )
    from arq.worker import Worker

    from starguide.kit.jobs import arq_worker_settings
    from starguide.runtime import Runtime

    async def make_context() -> Any:
        from starguide.app import settle_garbage_collector

        runtime = Runtime.build(settings, in_process_jobs=False)
        await runtime.start(background=False)
        settle_garbage_collector()  # a long-lived process, like `serve`: delivery batches allocate a lot
        return runtime

    async def close(runtime: Any) -> None:
        await runtime.stop()

    _migrate(settings)
    print("StarGuide worker is running (stop with Ctrl+C)", flush=True)
    Worker(**arq_worker_settings(settings.redis_url, make_context, close)).run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    import starguide.commands  # noqa: F401  registers the domains' commands

    parser = argparse.ArgumentParser(
        prog="starguide",
        description="StarGuide: AI mentor and learning platform. "
        "Settings come from STARGUIDE_* environment variables (see README).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_fn, help_text, arguments) in COMMANDS.items():
        arguments(sub.add_parser(name, help=help_text, description=help_text))
    return parser


def _settings_error(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"STARGUIDE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
    return str(exc)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    fn = COMMANDS[args.command][0]
    try:
        settings = load_settings()
        from starguide.kit.logs import configure_logging

        configure_logging(settings.log_level, settings.log_json)
        return fn(args, settings)
    except (ConfigError, CLIError) as exc:
        print(f"starguide: error: {exc}", file=sys.stderr)
        return 2
    except (ValidationError, SettingsError) as exc:
        print(f"starguide: error: invalid setting: {_settings_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
