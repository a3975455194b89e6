"""Scenario 5: the staff web app over 10,000 completed interviews.

The interviews are written straight into a fresh SQLite database; the real serve process (staff
app included) serves it, and a signed-in client times the interviews list (pages, sorts and
filters), the landscape page, and the streamed CSV export, sampling the server's RSS while the
export runs. The export is compared with `sqlite3 -csv` dumping the same rows (interview
columns with each answer) from the same file.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench import postgres, profiles, seed
from bench.botapi import serving
from bench.ours import our_bot
from bench.report import Figure, Report, percentile
from bench.sizes import Sizes

PASSWORD = "bench staff password 42"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
LIST_TARGET, LANDSCAPE_TARGET, EXPORT_RATIO = 0.200, 0.500, 3.0
WORKSPACE_TARGET = 0.300  # reading by question and the framework matrix (issue 16)
SQLITE_DUMP = (
    "SELECT i.id, i.questionnaire_id, i.questionnaire_version, i.language, i.status, i.source, "
    "i.started_at, i.completed_at, r.telegram_user_id, r.username, r.name, i.consented_at, "
    "i.quote_consent, a.key, a.value FROM interview i LEFT JOIN respondent r ON "
    "r.id = i.respondent_id JOIN answer a ON a.interview_id = i.id WHERE i.status = 'completed' "
    "ORDER BY i.started_at, i.id, a.position;"
)


def _list_urls(n: int) -> list[str]:
    """A staff member's browsing: pages, sorts, a status filter."""
    variants = [
        "/interviews",
        "/interviews?page=2",
        "/interviews?sort=oldest",
        "/interviews?sort=updated&page=3",
        "/interviews?sort=completed",
        "/interviews?status=completed",
        "/interviews?page=40",
    ]
    return [variants[i % len(variants)] for i in range(n)]


def _workspace_urls(n: int) -> list[str]:
    """The analysis workspace: reading by question (filters, outcome, search) and the matrix."""
    variants = [
        "/reading?question=difference",
        "/reading?question=difference&area=platforms&outcome=failure",
        "/reading?question=mattered_most&q=platforms",
        "/reading?question=not_as_hoped&page=2",
        "/matrix",
        "/matrix?col=q:outcome@platforms&col=q:difference@platforms&col=q:mattered_most",
        "/matrix?col=q:difference@platforms&page=20",
    ]
    return [variants[i % len(variants)] for i in range(n)]


#: a word in a text answer of every seeded interview: the full-text search's worst case
SEARCH_WORD = "platforms"
SEARCH = f"/interviews?q={SEARCH_WORD}"


SEARCH_REQUESTS = 20


async def run(report: Report, sizes: Sizes, cpus: Any, pg: str | None) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="dgu-bench-staff-"))
    await measure(report, sizes, cpus, f"sqlite:///{tmp}/staff.sqlite3", "sqlite")
    if pg is not None:
        async with postgres.fresh_database(pg) as url:
            await measure(report, sizes, cpus, url, "postgresql")


async def measure(report: Report, sizes: Sizes, cpus: Any, url: str, backend: str) -> None:
    db = await seed.migrated(url)
    began = time.monotonic()
    await seed.completed(db, sizes.staff_interviews, sizes.staff_answers)
    await seed.analyze(db)
    from bot.web.accounts import add_staff

    await add_staff(db, "bench", PASSWORD, "viewer")
    await db.dispose()
    seeded = time.monotonic() - began
    answers = seed.answers_per_interview(sizes.staff_answers)
    details: dict[str, Any] = {
        "interviews": sizes.staff_interviews,
        "answers_each": answers,
        "seed_seconds": round(seeded, 1),
    }
    async with (
        serving(latency=0.0, flood=False) as emulator,
        our_bot(emulator, url, name=f"staff-{backend}", cpus=cpus[0], limiter="none") as proc,
        aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client,
    ):
        base = f"http://127.0.0.1:{proc.port}"
        await _login(client, base)
        await _get(client, base + "/interviews")  # warm: templates, caches
        await _get(client, base + SEARCH)
        lists = [await _get(client, base + u) for u in _list_urls(sizes.staff_requests)]
        searches = [await _get(client, base + SEARCH) for _ in range(SEARCH_REQUESTS)]
        landscape = [
            await _get(client, base + "/landscape")
            for _ in range(max(3, sizes.staff_requests // 8))
        ]
        workspace = [await _get(client, base + u) for u in _workspace_urls(sizes.staff_requests)]
        export = await _export(client, base + "/exports/interviews.csv?status=completed", proc)
    dump = _sqlite_dump(url) if backend == "sqlite" else await _psql_dump(url)
    details.update(
        list_seconds=lists,
        search_seconds=searches,
        landscape_seconds=landscape,
        workspace_seconds=workspace,
        export=export,
        dump=dump,
    )
    report.details.setdefault("staff", {})[backend] = details
    s = f"staff ({sizes.staff_interviews:,} x {answers} answers, {backend})"
    ratio = _report(report, s, lists, landscape, export, dump, backend)
    p95 = percentile(searches, 95) or 0.0
    ok = p95 < LIST_TARGET
    workspace_p95 = percentile(workspace, 95) or 0.0
    report.add(
        s,
        "reading by question and matrix p95",
        round(workspace_p95 * 1000),
        "ms",
        target="< 300 ms",
        ok=workspace_p95 < WORKSPACE_TARGET,
        note=f"{len(workspace)} requests: questions, areas, outcome, search, matrix columns",
    )
    report.add(
        s,
        "interviews list with a search matching every interview p95",
        round(p95 * 1000),
        "ms",
        target="< 200 ms",
        ok=ok,
        note=f"{len(searches)} requests for a word in a text answer of every interview ("
        + ("FTS5 trigram index" if backend == "sqlite" else "pg_trgm GIN index")
        + ")",
        profile="" if ok else await profiles.search(url, SEARCH_WORD),
    )
    if ratio is not None and ratio.ok is False:
        ratio.profile = await profiles.export(url)


def _report(
    report: Report,
    s: str,
    lists: list[float],
    landscape: list[float],
    export: dict[str, Any],
    dump: dict[str, Any] | None,
    backend: str,
) -> Figure | None:
    """The figures of one backend; returns the export ratio's (to attach a profile to)."""
    p95 = percentile(lists, 95) or 0.0
    report.add(
        s,
        "interviews list p95",
        round(p95 * 1000),
        "ms",
        target="< 200 ms",
        ok=p95 < LIST_TARGET,
        note=f"{len(lists)} requests: pages, sorts, a status filter",
    )
    worst = max(landscape)
    report.add(
        s,
        "landscape page (slowest)",
        round(worst * 1000),
        "ms",
        target="< 500 ms",
        ok=worst < LANDSCAPE_TARGET,
    )
    report.add(
        s,
        "CSV export",
        round(export["seconds"], 2),
        "s",
        note=f"{export['megabytes']:.1f} MB, {export['rows']:,} rows",
    )
    growth = export["rss_peak_mb"] - export["rss_before_mb"]
    report.add(
        s,
        "CSV export RSS growth",
        round(growth, 1),
        "MB",
        target="flat (< 50 MB)",
        ok=growth < 50,
        note=f"server RSS {export['rss_before_mb']:.0f} -> peak "
        f"{export['rss_peak_mb']:.0f} MB while streaming",
    )
    tool = "sqlite3 -csv" if backend == "sqlite" else "psql COPY ... CSV"
    if dump is None:
        report.add(s, f"CSV export / {tool}", None, note=f"{tool.split()[0]} not found")
        return None
    ratio = export["seconds"] / dump["seconds"] if dump["seconds"] else None
    # the target (issue 8) is set against sqlite3 -csv; psql's COPY is shown for comparison
    targeted = backend == "sqlite"
    return report.add(
        s,
        f"CSV export / {tool}",
        None if ratio is None else round(ratio, 2),
        "x",
        target="<= 3" if targeted else "",
        ok=(ratio is not None and ratio <= EXPORT_RATIO) if targeted else None,
        note=f"{tool}: {dump['seconds']:.2f} s for the same rows "
        f"({dump['megabytes']:.1f} MB, one row per answer)"
        + ("" if targeted else "; the <= 3 target is set against sqlite3 -csv"),
    )


async def _login(client: aiohttp.ClientSession, base: str) -> None:
    async with client.get(base + "/login") as page:
        found = CSRF.search(await page.text())
    if found is None:
        raise RuntimeError("no CSRF token on the sign-in page")
    form = {
        "username": "bench",
        "password": PASSWORD,
        "csrf_token": found.group(1),
        "next": "/interviews",
    }
    async with client.post(base + "/login", data=form, allow_redirects=False) as response:
        if response.status != 303:
            raise RuntimeError(f"sign-in failed: HTTP {response.status}")


async def _get(client: aiohttp.ClientSession, url: str) -> float:
    began = time.perf_counter()
    async with client.get(url) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"GET {url}: HTTP {response.status}")
    return time.perf_counter() - began


async def _export(client: aiohttp.ClientSession, url: str, proc: Any) -> dict[str, Any]:
    before = proc.rss()
    peak = before
    size = rows = 0
    done = asyncio.Event()

    async def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, proc.rss())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), 0.05)

    sampler = asyncio.create_task(sample())
    began = time.perf_counter()
    async with client.get(url) as response:
        if response.status != 200:
            raise RuntimeError(f"GET {url}: HTTP {response.status}")
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            rows += chunk.count(b"\n")
    seconds = time.perf_counter() - began
    done.set()
    await sampler
    return {
        "seconds": seconds,
        "megabytes": size / 2**20,
        "rows": rows,
        "rss_before_mb": before / 2**20,
        "rss_peak_mb": peak / 2**20,
    }


def _sqlite_dump(url: str) -> dict[str, Any] | None:
    sqlite3 = shutil.which("sqlite3")
    if sqlite3 is None:
        return None
    path = url.removeprefix("sqlite:///")
    began = time.perf_counter()
    out = subprocess.run(
        [sqlite3, "-csv", str(path), SQLITE_DUMP], check=True, capture_output=True
    ).stdout
    return {
        "seconds": time.perf_counter() - began,
        "megabytes": len(out) / 2**20,
        "rows": out.count(b"\n"),
    }


#: the same rows as SQLITE_DUMP (the JSON value as stored, as text)
PSQL_DUMP = SQLITE_DUMP.rstrip(";").replace("a.value", "a.value::text")


async def _psql_dump(url: str) -> dict[str, Any] | None:
    psql = shutil.which("psql")
    if psql is None:
        return None
    command = [psql, "-X", "-q", "-d", url, "-c", f"\\copy ({PSQL_DUMP}) TO STDOUT WITH CSV"]
    began = time.perf_counter()
    out = await asyncio.to_thread(subprocess.run, command, check=True, capture_output=True)
    return {
        "seconds": time.perf_counter() - began,
        "megabytes": len(out.stdout) / 2**20,
        "rows": out.stdout.count(b"\n"),
    }
