"""`dgu-bot serve`: run the application until interrupted, and say where it is."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.app import create_app
from bot.settings import Settings

log = logging.getLogger(__name__)


def serve(settings: Settings) -> None:
    app = create_app(settings)
    host = "127.0.0.1" if settings.local_mode else settings.host
    base = f"http://{host}:{settings.port}"
    app.on_startup.append(lambda _app: _announce(settings, base))
    web.run_app(app, host=host, port=settings.port, print=None, access_log=None)


async def _announce(settings: Settings, base: str) -> None:
    lines = [f"dgu-bot is listening on {base}", f"  health:     {base}/healthz"]
    if settings.local_mode:
        lines += [
            "  LOCAL MODE (no TELEGRAM_BOT_TOKEN): the bot talks to an in-process Bot API emulator",
            f"  simulator:  {base}/simulator   <- take the interview here",
        ]
    lines.append(f"  staff app:  {base}/")
    print("\n".join(lines), flush=True)
