"""The `dgu-bot` command line (also `python -m bot`): it only parses arguments and calls in.

Every command exits non-zero with one readable line on bad configuration or input; a
traceback only with --debug.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
import traceback
from pathlib import Path
from typing import Any

from bot.settings import ConfigError, Settings, load_settings

log = logging.getLogger("bot")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="dgu-bot", description="CDPS DGU landscape interview bot")
    top.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = top.add_subparsers(dest="command", required=True)
    sub.add_parser("serve", help="run the bot, staff web app, monitor and jobs")
    sub.add_parser("migrate", help="apply database migrations and exit")
    export = sub.add_parser("export", help="write the collected interviews")
    export.add_argument(
        "--format",
        choices=["json", "csv", "xlsx", "files-csv", "zip"],
        default="json",
        help="files-csv: each file sent as an answer with its metadata and transcript; zip: "
        "the JSON, that list and the files themselves (never a withheld answer's)",
    )
    export.add_argument(
        "--out", type=Path, help="file to write (JSON/CSV: stdout when absent; XLSX/ZIP: needed)"
    )
    export.add_argument(
        "--status", default="completed", help="completed (default), all, or a status"
    )
    export.add_argument(
        "--full",
        action="store_true",
        help="the team's follow-up data: identities and contact details whatever the quote "
        "consent (for admins; recorded in the staff audit log)",
    )
    export.add_argument(
        "--lang",
        choices=["en", "cy"],
        help="XLSX only: header rows for people in this language (an answer's column by its "
        "question) and a sheet mapping each to its key; without it the headers are the keys",
    )
    staff = sub.add_parser("staff", help="staff accounts for the web app")
    staff_sub = staff.add_subparsers(dest="staff_command", required=True)
    add = staff_sub.add_parser("add", help="create or reset a staff account")
    add.add_argument("username")
    add.add_argument("--role", choices=["viewer", "editor", "admin"], default="viewer")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    q = sub.add_parser("questionnaire", help="questionnaire files")
    q_sub = q.add_subparsers(dest="q_command", required=True)
    check = q_sub.add_parser("check", help="validate files, including translations")
    check.add_argument("path", nargs="?", type=Path)
    confirm = q_sub.add_parser("confirm", help="mark stale translations as reviewed")
    confirm.add_argument("--language", required=True)
    confirm.add_argument("keys", nargs="*")
    confirm.add_argument("--path", type=Path)
    mentions = sub.add_parser("mentions", help="X mentions of the review account")
    m_sub = mentions.add_subparsers(dest="m_command", required=True)
    poll = m_sub.add_parser("poll", help="poll mentions")
    poll.add_argument("--once", action="store_true", required=True)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130
    except (ConfigError, ValueError, FileNotFoundError, PermissionError) as exc:
        return _fail(args, exc, f"{exc}", 2)
    except Exception as exc:
        return _fail(args, exc, f"{type(exc).__name__}: {exc}", 1)


def _fail(args: argparse.Namespace, exc: BaseException, line: str, code: int) -> int:
    """One line on stderr (the traceback with --debug), with every secret taken out:
    libraries put what they were given into their messages (PTB's InvalidToken prints
    the whole token), and stderr ends up in the platform's logs."""
    from bot.logs import redact

    secrets = _secrets()
    if args.debug:
        text = "".join(traceback.format_exception(exc))
        print(redact(text, secrets), file=sys.stderr, end="")
    else:
        print(f"dgu-bot: {redact(line, secrets)}", file=sys.stderr)
    return code


def _secrets() -> list[str]:
    """The configured secrets; none if the configuration itself is unreadable (then the
    database URL's password is still found, from the raw environment)."""
    from bot import logs

    try:
        return logs.secret_values(load_settings())
    except Exception:
        return logs.raw_secret_values()


def _run(args: argparse.Namespace) -> int:
    if args.command == "questionnaire":
        return _questionnaire(args)
    settings = load_settings()
    from bot import logs

    logs.configure(settings)
    if args.command == "serve":
        from bot.serve import serve

        serve(settings)
        return 0
    if args.command == "migrate":
        from storage.migrate import upgrade

        upgrade(settings.database_url)
        print("database is up to date")
        return 0
    if args.command == "export":
        return asyncio.run(_export(settings, args))
    if args.command == "staff":
        return asyncio.run(_staff_add(settings, args))
    if args.command == "mentions":
        return asyncio.run(_mentions_poll(settings))
    return 2


def _questionnaire(args: argparse.Namespace) -> int:
    from bot.interview import confirm_translations
    from bot.interview.loader import check_instrument

    default = Path("prompts/dgu_landscape.yaml")
    if args.q_command == "confirm":
        path = args.path or default
        done = confirm_translations(path, args.language, args.keys or None)
        print(f"confirmed {len(done)} translation(s) in {args.language}")
        return 0
    path = args.path or _settings_questionnaire(default)
    report, problems = check_instrument(path)
    for line in report:
        print(f"{path}: {line}")
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {path}", file=sys.stderr)
        return 1
    print(f"{path}: ok")
    return 0


def _settings_questionnaire(default: Path) -> Path:
    try:
        return load_settings().questionnaire
    except ConfigError:
        return default


async def _export(settings: Settings, args: argparse.Namespace) -> int:
    from bot import exports

    if args.lang is not None and args.format != "xlsx":
        raise ValueError("--lang is for --format xlsx: CSV and JSON keep the column keys")
    from storage.database import Database
    from storage.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    from bot.interview import load_questionnaire

    questionnaire = load_questionnaire(settings.questionnaire)
    personal = exports.personal_ids(questionnaire)
    selection = exports.ExportFilter(status=args.status, personal=personal, full=args.full)
    labels = None
    if args.lang is not None:
        from bot.interview import staff_catalogue

        labels = exports.Labels(args.lang, staff_catalogue(settings.questionnaire), questionnaire)
    try:
        if args.full:  # the team's follow-up data: who ran it goes in the staff audit log
            await _audit_full_export(db, args)
        if args.format in ("xlsx", "zip"):
            if args.out is None:
                raise ValueError(f"--format {args.format} needs --out FILE")
            if args.format == "xlsx":
                await exports.write_xlsx(db, selection, str(args.out), labels)
            else:
                with args.out.open("wb") as target:
                    await exports.write_zip(db, selection, settings.media_path, target)
            return 0
        chunks = {
            "json": exports.json_chunks,
            "csv": exports.csv_chunks,
            "files-csv": exports.files_csv_chunks,
        }[args.format]
        if args.out is None:
            async for chunk in chunks(db, selection):
                sys.stdout.write(chunk)
            sys.stdout.flush()
        else:
            with args.out.open("w", encoding="utf-8", newline="") as handle:
                async for chunk in chunks(db, selection):
                    handle.write(chunk)
        return 0
    finally:
        await db.dispose()


async def _audit_full_export(db: Any, args: argparse.Namespace) -> None:
    from datetime import UTC, datetime

    from storage import staff_repo

    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    detail = {"format": args.format, "status": args.status, "via": "cli"}
    await staff_repo.audit(db, f"cli:{who}", "export", "interviews_full", datetime.now(UTC), detail)


async def _staff_add(settings: Settings, args: argparse.Namespace) -> int:
    from storage.database import Database
    from storage.migrate import upgrade_async

    try:
        from bot.web.accounts import add_staff
    except ImportError as exc:
        raise ValueError("the staff web app is not installed") from exc
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            raise ValueError("the passwords differ")
    await upgrade_async(settings.database_url)
    db = Database(settings.database_url)
    try:
        await add_staff(db, args.username, password, args.role)
    finally:
        await db.dispose()
    print(f"staff account {args.username!r} ({args.role}) saved")
    return 0


async def _mentions_poll(settings: Settings) -> int:
    if not settings.x_enabled:
        raise ValueError("X credentials are not set (X_BEARER_TOKEN or the four X_API_* keys)")
    from bot.app import build_services
    from bot.mentions.monitor import poll_once
    from storage.migrate import upgrade_async

    await upgrade_async(settings.database_url)
    services = build_services(settings)
    try:
        result: Any = await poll_once(services)
    finally:
        await services.db.dispose()
    print(result.summary())
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
