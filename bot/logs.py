"""Logging set-up: one line per event, and secrets redacted whatever the level.

httpx logs every request URL, and Telegram URLs contain the bot token, so the redacting
filter sits on the root handler rather than trusting each library to be careful.

Lines say which update and interview they are about (`update=… interview=…` at the end,
from context variables set where an update is taken and an interview loaded), so one
person's path can be followed without logging who they are or what they wrote: at INFO and
above our code logs ids, counts and error types, never answers, names or usernames.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import quote, unquote

from bot.settings import Settings


def variants(secret: str) -> set[str]:
    """A secret as libraries may print it: whole, URL-encoded, and a bot token's secret
    half on its own (`123:ABC` -> `ABC`)."""
    found = {secret, quote(secret, safe=""), quote(secret, safe=":")}
    if ":" in secret:
        found.add(secret.split(":", 1)[1])
    return {v for v in found if len(v) >= 4}


def redact(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({v for s in secrets if s for v in variants(s)}, key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


class Redactor(logging.Filter):
    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = sorted(
            {v for s in secrets if s and len(s) >= 4 for v in variants(s)}, key=len, reverse=True
        )

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        message = record.getMessage()
        redacted = message
        for secret in self.secrets:
            redacted = redacted.replace(secret, "[redacted]")
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            text = record.exc_text
            for secret in self.secrets:
                text = text.replace(secret, "[redacted]")
            record.exc_text = text
        if record.stack_info:
            text = record.stack_info
            for secret in self.secrets:
                text = text.replace(secret, "[redacted]")
            record.stack_info = text
        if redacted != message:
            record.msg = redacted
            record.args = None
        return True


_CONTEXT: dict[str, ContextVar[Any]] = {
    "update": ContextVar("log_update", default=None),
    "interview": ContextVar("log_interview", default=None),
}


@contextmanager
def context(**values: Any) -> Iterator[None]:
    """Tag every log line inside the block: `with logs.context(update=123): ...`."""
    tokens = [(_CONTEXT[k], _CONTEXT[k].set(v)) for k, v in values.items() if v is not None]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def bind(**values: Any) -> None:
    """Tag the rest of the current update's lines (its task ends with the update)."""
    for key, value in values.items():
        _CONTEXT[key].set(value)


class ContextFilter(logging.Filter):
    """Adds `record.context`: " update=… interview=…" for the formatter, or ""."""

    def filter(self, record: logging.LogRecord) -> bool:
        parts = [f"{k}={v.get()}" for k, v in _CONTEXT.items() if v.get() is not None]
        record.context = (" " + " ".join(parts)) if parts else ""
        return True


FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s%(context)s"


def secret_values(settings: Settings) -> list[str]:
    values = []
    for field in (
        settings.telegram_bot_token,
        settings.telegram_webhook_secret,
        settings.x_bearer_token,
        settings.x_api_key,
        settings.x_api_secret,
        settings.x_access_token,
        settings.x_access_token_secret,
        settings.session_secret,
    ):
        if field is not None:
            values.append(field.get_secret_value())
    password = _database_password(settings.database_url)
    if password:
        values.append(password)
    return values


_URL_PASSWORD = re.compile(r"^[A-Za-z0-9+.-]+://[^:/@]*:(?P<password>[^@]*)@")


def _database_password(url: str) -> str | None:
    """The password in a database URL, also from one SQLAlchemy can't read (whose error
    message quotes the whole URL)."""
    from sqlalchemy.engine import make_url

    try:
        password = make_url(url).password
    except Exception:
        password = None
    if password:
        return str(password)
    found = _URL_PASSWORD.match(url)
    return unquote(found.group("password")) if found and found.group("password") else None


def raw_secret_values() -> list[str]:
    """Secrets straight from the environment, when the settings could not be read."""
    names = (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_SECRET",
        "X_BEARER_TOKEN",
        "X_API_KEY",
        "X_API_SECRET",
        "X_ACCESS_TOKEN",
        "X_ACCESS_TOKEN_SECRET",
        "SESSION_SECRET",
    )
    values = [os.environ[n] for n in names if os.environ.get(n)]
    values += [os.environ[n.lower()] for n in names if os.environ.get(n.lower())]
    password = _database_password(os.environ.get("DATABASE_URL", ""))
    if password:
        values.append(password)
    return values


def configure(settings: Settings, extra_secrets: Iterable[str] = ()) -> Redactor:
    """Install one stderr handler with the redactor; quieten chatty libraries."""
    root = logging.getLogger()
    root.setLevel(settings.log_level)
    redactor = Redactor([*secret_values(settings), *extra_secrets])
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(ContextFilter())
    handler.addFilter(redactor)
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    if settings.log_level != "DEBUG":
        logging.getLogger("httpx").setLevel(logging.WARNING)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
    return redactor
