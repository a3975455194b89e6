"""Settings: the only place that reads the environment (and `.env`).

Secrets are `SecretStr` so they never print by accident; bad configuration raises
`ConfigError` with one human-readable line, which the CLI shows without a traceback.
"""

from __future__ import annotations

import re
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class ConfigError(Exception):
    """Configuration that cannot work; the message is one line meant for a person."""


class Settings(BaseSettings):
    """Everything the process can be told from outside (see INTERFACE.md)."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    database_url: str = "sqlite:///data/dgu-bot.sqlite3"
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    staff_telegram_ids: Annotated[tuple[int, ...], NoDecode] = ()

    x_bearer_token: SecretStr | None = None
    x_api_key: SecretStr | None = None
    x_api_secret: SecretStr | None = None
    x_access_token: SecretStr | None = None
    x_access_token_secret: SecretStr | None = None
    x_api_url: str = "https://api.x.com"
    x_account: str = "cdps_cymru"
    x_poll_seconds: float = Field(default=120, gt=0)
    x_monthly_read_budget: int = Field(default=10_000, ge=0)
    x_auto_reply: bool = False
    x_auto_reply_daily_cap: int = Field(default=10, ge=0)
    x_dry_run: bool = False
    x_lead_announce_score: int = 5
    x_backfill_days: float = Field(default=7, ge=0)
    x_backfill_pages: int = Field(default=3, ge=0)

    questionnaire: Path = Path("prompts/dgu_landscape.yaml")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    # What the privacy notice quotes is at most 1500 characters each, so no paragraph
    # of the notice can exceed one Telegram message (handlers/notice.py splits between them).
    privacy_notice_url: str = Field(
        default="https://cdps.gov.wales/privacy/dgu-landscape-review", max_length=1500
    )
    # shown in the privacy notice; the notice URL if unset
    privacy_contact: str | None = Field(default=None, max_length=1500)
    # UK GDPR Art. 6 lawful basis the notice states, with the matching rights text
    lawful_basis: Literal["public_task", "consent"] = "consent"
    # where the data is kept, as the notice says it, in English and in Welsh (both or neither)
    data_hosting: str | None = Field(default=None, max_length=1500)
    data_hosting_cy: str | None = Field(default=None, max_length=1500)
    retention_days: int = Field(default=730, ge=1)
    reminder_after_hours: float = Field(default=48, gt=0)
    reminder_max: int = Field(default=2, ge=0)
    abandon_after_days: float = Field(default=30, gt=0)
    public_base_url: str | None = None
    # Voice notes, audio, video notes, documents and photos sent as answers (handlers/media.py):
    # kept in MEDIA_DIR (default: a media/ folder beside the SQLite file, or ./data/media).
    media_dir: Path | None = None
    media_max_seconds: int = Field(default=300, ge=1)
    media_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1)
    # speech to text of recordings on this server (bot/transcription.py), or "off"
    transcription: Literal["on", "off"] = "on"
    # a faster-whisper (CTranslate2) model directory: used instead of PocketSphinx, for English
    # and Welsh; the _CY one, when set, for Welsh alone (needs the `whisper` extra)
    transcription_model_dir: Path | None = None
    transcription_model_dir_cy: Path | None = None
    session_secret: SecretStr | None = None
    #: proxies (addresses or networks) whose X-Forwarded-For / X-Forwarded-Proto we believe
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("staff_telegram_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return tuple(int(p) for p in parts)
            except ValueError:
                raise ValueError("must be comma-separated Telegram user ids (numbers)") from None
        if isinstance(value, int):
            return (value,)
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        parts = value.split(",") if isinstance(value, str) else value
        if not isinstance(parts, (list, tuple)):
            return value
        networks = []
        for part in (str(p).strip() for p in parts):
            if not part:
                continue
            try:
                networks.append(str(ip_network(part, strict=False)))
            except ValueError:
                raise ValueError(
                    f"{part[:60]!r} is not an address or network (e.g. 10.0.0.0/8, ::1)"
                ) from None
        return tuple(networks)

    @field_validator("transcription", mode="before")
    @classmethod
    def _engine_name(cls, value: object) -> object:
        return "on" if value == "pocketsphinx" else value  # the name it had before "on"

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("telegram_api_url", "x_api_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^https?://[^\s/]+", value):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.telegram_webhook_url:
            if not self.telegram_webhook_url.startswith("https://") and not _is_loopback(
                self.telegram_webhook_url
            ):
                raise ValueError("TELEGRAM_WEBHOOK_URL must be an https:// URL")
            if self.telegram_webhook_secret is None:
                raise ValueError("TELEGRAM_WEBHOOK_URL is set but TELEGRAM_WEBHOOK_SECRET is not")
            if not self.telegram_bot_token:
                raise ValueError("TELEGRAM_WEBHOOK_URL needs TELEGRAM_BOT_TOKEN")
        if self.telegram_webhook_secret is not None and not _SECRET_TOKEN.match(
            self.telegram_webhook_secret.get_secret_value()
        ):
            raise ValueError(
                "TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
            )
        user_keys = [
            self.x_api_key,
            self.x_api_secret,
            self.x_access_token,
            self.x_access_token_secret,
        ]
        if any(user_keys) and not all(user_keys):
            raise ValueError(
                "X user-context credentials need all four of X_API_KEY, X_API_SECRET, "
                "X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
            )
        if bool(self.data_hosting) != bool(self.data_hosting_cy):
            raise ValueError(
                "DATA_HOSTING and DATA_HOSTING_CY go together: the privacy notice says where "
                "the data is kept in Welsh and in English alike"
            )
        database_scheme(self.database_url)  # raises on an unknown scheme
        return self

    @property
    def local_mode(self) -> bool:
        """No token: run the in-process Bot API emulator and point the real bot at it."""
        return self.telegram_bot_token is None

    @property
    def media_path(self) -> Path:
        """Where respondents' files are kept: MEDIA_DIR, else media/ beside the SQLite file."""
        if self.media_dir is not None:
            return self.media_dir
        from storage.database import sqlite_path

        db_file = sqlite_path(self.database_url)
        return (db_file.parent if db_file is not None else Path("data")) / "media"

    @property
    def trusted_proxy_networks(self) -> tuple[IPv4Network | IPv6Network, ...]:
        return tuple(ip_network(n) for n in self.trusted_proxies)

    @property
    def x_enabled(self) -> bool:
        return self.x_bearer_token is not None or self.x_api_key is not None

    @property
    def x_user_context(self) -> bool:
        return self.x_api_key is not None


def _is_loopback(url: str) -> bool:
    return bool(re.match(r"^http://(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?/", url))


def database_scheme(url: str) -> str:
    """The backend named by a database URL: 'sqlite' or 'postgresql'."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    base = scheme.split("+", 1)[0]
    if base == "sqlite":
        return "sqlite"
    if base in ("postgres", "postgresql"):
        return "postgresql"
    raise ValueError(
        f"DATABASE_URL has an unknown scheme {scheme!r}: use sqlite:///path or postgresql://..."
    )


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "__root__")
        message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
        name = where.upper() if where else "configuration"
        raise ConfigError(f"{name}: {message}" if where else message) from None
