"""The `starguide` command: help, and one-line errors (no tracebacks) for what an operator can fix."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(
    *args: str, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("STARGUIDE_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "starguide.cli", *args],
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_commands() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for name in ("serve", "worker", "migrate"):
        assert name in result.stdout
    serve_help = run_cli("serve", "--help").stdout
    assert "--workers" in serve_help
    assert "PostgreSQL and Redis" in serve_help


def test_migrate_creates_embedded_database(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"STARGUIDE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "database at revision" in result.stdout
    assert (tmp_path / "starguide.db").exists()


def test_bad_database_url_is_one_line(tmp_path: Path) -> None:
    result = run_cli(
        "migrate", env={"STARGUIDE_DATA_DIR": str(tmp_path), "STARGUIDE_DATABASE_URL": "mysql://x"}
    )
    assert result.returncode == 2
    assert result.stderr.startswith("starguide: error: STARGUIDE_DATABASE_URL")
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql+asyncpg://postgres@127.0.0.1:{port}/nothing"
    env = {
        "STARGUIDE_DATA_DIR": str(tmp_path),
        "STARGUIDE_DATABASE_URL": url,
        "STARGUIDE_SECRET_KEY": "k" * 40,
        "STARGUIDE_ENCRYPTION_KEY": "e" * 40,
    }
    result = run_cli("migrate", env=env)
    assert result.returncode == 2
    assert "cannot reach the database" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_data_dir_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    result = run_cli("migrate", env={"STARGUIDE_DATA_DIR": str(tmp_path / "file" / "var")})
    assert result.returncode == 2
    assert "not writable" in result.stderr
    assert "Traceback" not in result.stderr


def test_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = run_cli("serve", "--port", str(port), env={"STARGUIDE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "needs PostgreSQL"),
        ({"STARGUIDE_DATABASE_URL": "postgresql+asyncpg://postgres@127.0.0.1/x"}, "needs Redis"),
    ],
)
def test_many_workers_need_postgres_and_redis(tmp_path: Path, env: dict[str, str], message: str) -> None:
    env = {
        "STARGUIDE_DATA_DIR": str(tmp_path),
        "STARGUIDE_SECRET_KEY": "k" * 40,
        "STARGUIDE_ENCRYPTION_KEY": "e" * 40,
        **env,
    }
    result = run_cli("serve", "--workers", "2", env=env)
    assert result.returncode == 2
    assert message in result.stderr


def test_worker_needs_redis(tmp_path: Path) -> None:
    result = run_cli("worker", env={"STARGUIDE_DATA_DIR": str(tmp_path)})
    assert result.returncode == 2
    assert "STARGUIDE_REDIS_URL" in result.stderr


def test_serve_starts_and_answers(tmp_path: Path) -> None:
    """The real server: migrates, says where it serves, answers /readyz, stops on SIGINT."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("STARGUIDE_")}
    env["STARGUIDE_DATA_DIR"] = str(tmp_path)
    with subprocess.Popen(
        [sys.executable, "-m", "starguide.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as proc:
        _check_serving(proc, port)


def _check_serving(proc: subprocess.Popen[str], port: int) -> None:
    import signal
    import time
    import urllib.request

    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert f"serving on http://127.0.0.1:{port}" in line
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as response:
                    assert response.status == 200
                    break
            except OSError:
                time.sleep(0.1)
        else:
            raise AssertionError("server did not become ready")
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)


def test_invalid_setting_is_one_line(tmp_path: Path) -> None:
    result = run_cli("migrate", env={"STARGUIDE_DATA_DIR": str(tmp_path), "STARGUIDE_MAX_BODY_BYTES": "lots"})
    assert result.returncode == 2
    assert "STARGUIDE_MAX_BODY_BYTES" in result.stderr
    assert "Traceback" not in result.stderr
