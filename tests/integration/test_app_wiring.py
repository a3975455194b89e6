"""The composition root: what create_app mounts, and who may see it."""

from __future__ import annotations

import sqlite3

from aiohttp.test_utils import TestClient, TestServer

from bot.app import EMULATOR, Overrides, create_app
from bot.settings import Settings
from tests.integration.botkit import running_bot


async def test_staff_and_mention_pages_need_login_and_health_does_not(bot):
    client = bot.client
    for path in (
        "/",
        "/interviews",
        "/landscape",
        "/mentions",
        "/mentions/usage",
        "/exports/interviews.csv",
    ):
        response = await client.get(path, allow_redirects=False)
        assert response.status in (302, 303, 401), path
        if response.status != 401:
            assert response.headers["Location"].startswith("/login"), path
    for path in ("/mentions/leads/1/status", "/mentions/leads/1/invite"):
        response = await client.post(path, data={"status": "dismissed"}, allow_redirects=False)
        assert response.status in (401, 403), path
    health = await client.get("/healthz")
    assert health.status == 200
    body = await health.json()
    assert body["status"] == "ok" and body["database"] == "ok" and body["bot"] == "running"
    assert (await client.get("/simulator")).status == 404  # only in local mode


async def test_local_mode_serves_simulator_through_the_real_bot(tmp_path):
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/local.sqlite3")
    assert settings.local_mode
    app = create_app(settings, Overrides(jobs=False))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        page = await client.get("/simulator")
        assert page.status == 200
        assert "<html" in (await page.text()).lower()
        emulator = app[EMULATOR]
        chat = emulator.chat(77, language_code="cy")
        await chat.send("/start")
        assert chat.last_reply.button_labels == ["Cymraeg", "English"]
        assert emulator.violations == []
        health = await client.get("/healthz")
        assert (await health.json())["mode"] == "local"


async def test_mention_wiring_is_typed_and_the_monitor_client_is_closed_at_stop(
    emulator, database_url
):
    """create_app fills the typed Services fields: the lead hooks, the mention jobs, and the
    monitor's X client, shared with invitations while it runs and dropped when the app stops."""
    from tests.fakes.x_api import FakeXApi

    async with FakeXApi() as x:
        x_settings = {"x_bearer_token": "app-token", "x_api_url": x.url, "x_poll_seconds": 3600}
        async with running_bot(emulator, database_url, **x_settings) as bot:
            services = bot.services
            assert len(services.on_interview_started) == len(services.on_interview_completed) == 1
            jobs = {spec.name: spec for spec in services.jobs}
            assert set(jobs) == {"lead-sync", "mentions-poll"}
            assert services.x_api is None  # no poll yet: no client
            x.mention("How did your digital unit start?", author=x.add_user("dgu_fan"))
            result = await jobs["mentions-poll"].run(services)
            assert result.ok and len(result.new_leads) == 1
            client = services.x_api
            assert client is not None
            assert (await jobs["mentions-poll"].run(services)).ok
            assert services.x_api is client  # one monitor, one client, kept between polls
        assert services.x_api is None  # closed with the app, never left closed in place
        assert x.violations == []


async def test_local_mode_restarted_on_the_same_database_still_answers(tmp_path):
    """The bot remembers the update ids it handled; a restarted emulator must not hand them out
    again from 1, or the bot takes the first messages after `make run` for redeliveries and
    stays silent."""
    settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp_path}/local.sqlite3")
    for run in range(2):
        app = create_app(settings, Overrides(jobs=False))
        async with TestClient(TestServer(app, host="127.0.0.1")):
            emulator = app[EMULATOR]
            chat = emulator.chat(77)
            await chat.send("/start")
            assert chat.transcript == [
                ("user", "/start"),
                ("bot", "Pa iaith hoffech chi? Which language would you like?"),
            ], f"run {run}"
            assert emulator.violations == []
    with sqlite3.connect(tmp_path / "local.sqlite3") as db:
        handled = [row[0] for row in db.execute("SELECT update_id FROM processed_update")]
    assert len(handled) == 2 and len(set(handled)) == 2  # the second run's /start is a new update
