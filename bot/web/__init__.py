"""The staff web app: review, coding, landscape views and exports, in the bot's aiohttp app.

`bot.app.create_app` calls `setup_staff_app(app)` after putting `Services` at `app[SERVICES]`.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from bot.web import auth, errors, language, routes, security, templating

TEMPLATES = Path(__file__).parent / "templates"


def setup_staff_app(app: web.Application, loader: jinja2.BaseLoader | None = None) -> None:
    """Mount the staff routes, their guard and headers, and the templates on `app`;
    `loader` (from the composition root) finds the templates, by default in TEMPLATES."""
    env = aiohttp_jinja2.setup(
        app,
        app_key=templating.JINJA,
        loader=loader or jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        default_helpers=False,
    )
    templating.install(env)
    language.setup(app)
    routes.setup_routes(app)
    app.middlewares.append(errors.pages)  # outside the guard: its refusals become pages
    app.middlewares.append(auth.guard)
    app.on_response_prepare.append(security.add_security_headers)
    app.on_startup.append(templating.check_search_index)


__all__ = ["TEMPLATES", "setup_staff_app"]
