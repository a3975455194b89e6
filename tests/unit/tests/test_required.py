"""CI cannot pass without its browser or PostgreSQL tests: run pytest itself (a subprocess) with
DGU_REQUIRE_BROWSER / DGU_REQUIRE_POSTGRES set and the browser or server missing."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BROWSER_TESTS = ["tests/e2e/test_staff_browser.py", "tests/e2e/test_mentions_browser.py"]
A_DATABASE_TEST = "tests/reliability/test_leases.py::test_extend_and_release"


def pytest_run(*args: str, **env: str | None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("DGU_", "PYTEST_", "COV_"))}
    environ["PYTHONPATH"] = str(ROOT)
    environ.update({k: v for k, v in env.items() if v is not None})
    plugins = ["-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *plugins, *args],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # closed again when the socket is: nobody listens


def test_a_missing_browser_skips_on_a_developer_machine() -> None:
    run = pytest_run(*BROWSER_TESTS, DGU_CHROMIUM="/nonexistent/chromium")
    assert run.returncode == pytest.ExitCode.NO_TESTS_COLLECTED, run.stdout + run.stderr
    assert "2 skipped" in run.stdout and "no Chromium at /nonexistent/chromium" in run.stdout


def test_a_missing_browser_fails_the_run_when_required() -> None:
    run = pytest_run(*BROWSER_TESTS, DGU_CHROMIUM="/nonexistent/chromium", DGU_REQUIRE_BROWSER="1")
    assert run.returncode != 0, run.stdout + run.stderr
    assert "DGU_REQUIRE_BROWSER is set, but there is no Chromium" in run.stdout
    assert "2 errors" in run.stdout and "skipped" not in run.stdout


def test_postgres_required_but_not_given_fails_the_run() -> None:
    run = pytest_run(A_DATABASE_TEST, DGU_REQUIRE_POSTGRES="1")
    assert run.returncode != 0, run.stdout + run.stderr
    assert "DGU_REQUIRE_POSTGRES is set but DGU_TEST_POSTGRES_URL is not" in run.stdout + run.stderr


def test_postgres_given_but_not_running_fails_the_run() -> None:
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/postgres"
    run = pytest_run(A_DATABASE_TEST, DGU_REQUIRE_POSTGRES="1", DGU_TEST_POSTGRES_URL=url)
    assert run.returncode != 0, run.stdout + run.stderr
    assert "1 passed, 1 error" in run.stdout, run.stdout[-2000:]  # SQLite ran; PostgreSQL failed
