"""Settings: defaults from INTERFACE.md, and bad configuration as one clear line."""

from __future__ import annotations

import pytest

from bot.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "TELEGRAM_WEBHOOK_URL",
        "TELEGRAM_WEBHOOK_SECRET",
        "DATABASE_URL",
        "X_BEARER_TOKEN",
        "X_API_KEY",
        "STAFF_TELEGRAM_IDS",
        "PORT",
        "LAWFUL_BASIS",
        "DATA_HOSTING",
        "DATA_HOSTING_CY",
        "PRIVACY_CONTACT",
    ):
        monkeypatch.delenv(name, raising=False)


def test_defaults_are_local_mode_on_sqlite():
    settings = load_settings()
    assert settings.local_mode
    assert settings.database_url == "sqlite:///data/dgu-bot.sqlite3"
    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.telegram_api_url == "https://api.telegram.org"
    assert settings.x_api_url == "https://api.x.com"
    assert settings.x_account == "cdps_cymru"
    assert not settings.x_enabled


def test_reads_env_and_dotenv(monkeypatch, tmp_path):
    (tmp_path / ".env").write_text("TELEGRAM_BOT_TOKEN=123:abc\nSTAFF_TELEGRAM_IDS=1, 22,333\n")
    monkeypatch.setenv("PORT", "9000")
    settings = load_settings()
    assert not settings.local_mode
    assert settings.staff_telegram_ids == (1, 22, 333)
    assert settings.port == 9000
    assert "abc" not in repr(settings)  # secrets never print


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {
                "TELEGRAM_BOT_TOKEN": "1:a",
                "TELEGRAM_WEBHOOK_URL": "https://x.example/telegram/webhook",
            },
            "TELEGRAM_WEBHOOK_SECRET is not",
        ),
        ({"DATABASE_URL": "mysql://db/x"}, "unknown scheme"),
        (
            {
                "TELEGRAM_BOT_TOKEN": "1:a",
                "TELEGRAM_WEBHOOK_URL": "https://x.example/h",
                "TELEGRAM_WEBHOOK_SECRET": "has spaces!",
            },
            "TELEGRAM_WEBHOOK_SECRET must be",
        ),
        ({"X_API_KEY": "k"}, "need all four"),
        ({"STAFF_TELEGRAM_IDS": "12,bob"}, "STAFF_TELEGRAM_IDS"),
        ({"PORT": "http"}, "PORT"),
        ({"TELEGRAM_API_URL": "ftp://x"}, "TELEGRAM_API_URL"),
        ({"LAWFUL_BASIS": "legitimate_interests"}, "LAWFUL_BASIS"),
        ({"DATA_HOSTING": "in London"}, "DATA_HOSTING and DATA_HOSTING_CY go together"),
        ({"PRIVACY_CONTACT": "x" * 1501}, "PRIVACY_CONTACT"),
    ],
)
def test_bad_configuration_is_one_clear_line(monkeypatch, env, message):
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError) as caught:
        load_settings()
    text = str(caught.value)
    assert message in text
    assert "\n" not in text


def test_hosting_platform_postgres_url_is_accepted(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5432/app")
    from storage.database import async_url

    settings = load_settings()
    assert async_url(settings.database_url).startswith(
        "postgresql+asyncpg://u:p@db.example:5432/app"
    )


def test_privacy_notice_settings(monkeypatch):
    assert load_settings().lawful_basis == "consent"
    monkeypatch.setenv("LAWFUL_BASIS", "public_task")
    monkeypatch.setenv("DATA_HOSTING", "in London")
    monkeypatch.setenv("DATA_HOSTING_CY", "yn Llundain")
    settings = load_settings()
    assert settings.lawful_basis == "public_task"
    assert (settings.data_hosting, settings.data_hosting_cy) == ("in London", "yn Llundain")
