"""`GET /healthz`: 200 when the database answers and the bot is running, else 503."""

from __future__ import annotations

from aiohttp import web

from bot.services import SERVICES
from bot.telegram import bot_running


async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    database = await services.db.ping()
    bot = bot_running(request.app)
    ok = database and bot
    body = {
        "status": "ok" if ok else "unavailable",
        "database": "ok" if database else "unreachable",
        "bot": "running" if bot else "stopped",
        "mode": "local"
        if services.settings.local_mode
        else ("webhook" if services.settings.telegram_webhook_url else "polling"),
        "questionnaire": {
            "id": services.questionnaire.id,
            "version": services.questionnaire.version,
        },
    }
    return web.json_response(body, status=200 if ok else 503)
