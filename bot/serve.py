"""`dgu-bot serve`: run the application until interrupted, and say where it is."""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from bot.app import create_app
from bot.services import SERVICES
from bot.settings import Settings
from storage import staff_repo
from storage.database import Database

log = logging.getLogger(__name__)

LOCAL_ADMIN = "local-admin"


def serve(settings: Settings) -> None:
    app = create_app(settings)
    host = "127.0.0.1" if settings.local_mode else settings.host
    base = f"http://{host}:{settings.port}"
    app.on_startup.append(lambda app: _announce(app, settings, base))
    web.run_app(app, host=host, port=settings.port, print=None, access_log=None)


async def _announce(app: web.Application, settings: Settings, base: str) -> None:
    lines = [f"dgu-bot is listening on {base}", f"  health:     {base}/healthz"]
    if settings.local_mode:
        lines += [
            "  LOCAL MODE (no TELEGRAM_BOT_TOKEN): the bot talks to an in-process Bot API emulator",
            f"  simulator:  {base}/simulator   <- take the interview here",
        ]
    lines.append(f"  staff app:  {base}/")
    if settings.local_mode:
        login = await local_login(app[SERVICES].db)
        if login is not None:
            lines.append(
                f"              sign in as {login[0]!r} with password {login[1]!r} (this run only)"
            )
        else:
            lines.append("              sign in with your staff account (dgu-bot staff add)")
    else:
        await retire_local_login(app[SERVICES].db)
    print("\n".join(lines), flush=True)


async def local_login(db: Database) -> tuple[str, str] | None:
    """Local mode only: a fresh admin password each run, printed to the console, never logged.

    Never on a database that has staff of its own: their accounts are the way in there.
    """
    try:
        from bot.web.accounts import add_staff
    except ImportError:
        return None
    if any(user.username != LOCAL_ADMIN for user in await staff_repo.list_users(db)):
        await retire_local_login(db)
        return None
    password = secrets.token_urlsafe(12)
    await add_staff(db, LOCAL_ADMIN, password, "admin")
    return LOCAL_ADMIN, password


async def retire_local_login(db: Database) -> None:
    """With a real token (or real staff), the local admin and its printed password go."""
    user = await staff_repo.find_user(db, LOCAL_ADMIN)
    if user is not None and user.id is not None:
        await staff_repo.delete_user(db, user.id)
        log.warning(
            "removed the local-mode account %r: this database is no longer local", LOCAL_ADMIN
        )
