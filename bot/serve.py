"""`dgu-bot serve`: run the application until interrupted, and say where it is."""

from __future__ import annotations

import logging
import secrets

from aiohttp import web

from bot.app import create_app
from bot.services import SERVICES
from bot.settings import Settings

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
    login = await _local_login(app) if settings.local_mode else None
    if login is not None:
        lines.append(
            f"              sign in as {login[0]!r} with password {login[1]!r} (this run only)"
        )
    print("\n".join(lines), flush=True)


async def _local_login(app: web.Application) -> tuple[str, str] | None:
    """Local mode only: a fresh admin password each run, printed to the console, never logged."""
    try:
        from bot.web.accounts import add_staff
    except ImportError:
        return None
    password = secrets.token_urlsafe(12)
    await add_staff(app[SERVICES].db, LOCAL_ADMIN, password, "admin")
    return LOCAL_ADMIN, password
