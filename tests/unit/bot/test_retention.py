"""The daily retention job on a migrated database, with a controlled clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot.retention import apply_retention
from bot.services import Services
from bot.settings import Settings
from storage import counters, privacy
from storage.database import Database
from storage.models import Answer, Interview, Reminder, Respondent
from storage.staff import Quote

NOW = datetime(2028, 6, 1, 12, 0, tzinfo=UTC)


async def _services(migrated_url: str, retention_days: int = 730) -> Services:
    settings = Settings(database_url=migrated_url, retention_days=retention_days, _env_file=None)  # type: ignore[call-arg]
    return Services(
        settings=settings, db=Database(migrated_url), questionnaire=None, clock=lambda: NOW
    )  # type: ignore[arg-type]


async def _person(db: Database, user_id: int, *last_activity: datetime) -> list[str]:
    """A respondent with one interview per activity time (answer, quote, reminder each)."""
    ids = []
    async with db.transaction() as session:
        person = Respondent(
            telegram_user_id=user_id, name=f"Person {user_id}", created_at=min(last_activity)
        )
        session.add(person)
        await session.flush()
        for at in last_activity:
            interview = Interview(
                respondent_id=person.id,
                questionnaire_id="dgu_landscape",
                questionnaire_version="1",
                language="cy",
                status="completed",
                started_at=at - timedelta(hours=1),
                updated_at=at,
                completed_at=at,
                quote_consent="anonymised",
            )
            session.add(interview)
            await session.flush()
            session.add(
                Answer(
                    interview_id=interview.id,
                    key="remit",
                    question_id="remit",
                    value=f"words of {user_id}",
                    language="cy",
                    question_text="Remit?",
                    answered_at=at,
                    updated_at=at,
                )
            )
            session.add(
                Quote(
                    interview_id=interview.id,
                    answer_key="remit",
                    start=0,
                    end=5,
                    text="words",
                    created_by="editor",
                    created_at=at,
                )
            )
            session.add(
                Reminder(
                    interview_id=interview.id,
                    number=1,
                    kind="idle",
                    due_at=at,
                    created_at=at,
                    sent_at=at,
                    outcome="sent",
                )
            )
            ids.append(interview.id)
    return ids


async def _count(db: Database, model: object) -> int:
    async with db.reading() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())  # type: ignore[arg-type]


async def test_retention_deletes_old_interviews_and_then_the_person(migrated_url):
    services = await _services(migrated_url, retention_days=730)
    db = services.db
    try:
        old = NOW - timedelta(days=731)
        recent = NOW - timedelta(days=10)
        await _person(db, 1, old)  # everything expired: the person goes too
        await _person(db, 2, old, recent)  # one old interview goes, the recent one stays
        await _person(db, 3, recent)  # untouched
        await _person(db, 4, NOW - timedelta(days=729, hours=23))  # just inside the period

        erased = await apply_retention(services)
        assert (erased.interviews, erased.answers) == (2, 2)
        async with db.reading() as session:
            people = sorted((await session.execute(select(Respondent.telegram_user_id))).scalars())
            kept = (await session.execute(select(Interview.updated_at))).scalars().all()
        assert people == [2, 3, 4]
        assert all(at > NOW - timedelta(days=730) for at in kept)
        assert await _count(db, Interview) == 3
        assert await _count(db, Answer) == 3
        assert await _count(db, Quote) == 3  # staff coding goes with its interview
        assert await _count(db, Reminder) == 3
        assert await counters.read(db, privacy.EXPIRED) == 2

        again = await apply_retention(services)  # idempotent: nothing more to do
        assert again.interviews == 0
        assert await counters.read(db, privacy.EXPIRED) == 2
    finally:
        await db.dispose()


async def test_retention_period_is_configurable(migrated_url):
    services = await _services(migrated_url, retention_days=30)
    db = services.db
    try:
        await _person(db, 1, NOW - timedelta(days=31))
        await _person(db, 2, NOW - timedelta(days=29))
        await apply_retention(services)
        async with db.reading() as session:
            people = (await session.execute(select(Respondent.telegram_user_id))).scalars().all()
        assert people == [2]
    finally:
        await db.dispose()


async def test_respondent_without_interviews_is_kept_while_recent(migrated_url):
    """A respondent row is created just before its interview: only old orphans go."""
    services = await _services(migrated_url)
    db = services.db
    try:
        async with db.transaction() as session:
            session.add(Respondent(telegram_user_id=7, created_at=NOW - timedelta(minutes=1)))
            session.add(Respondent(telegram_user_id=8, created_at=NOW - timedelta(days=800)))
        await apply_retention(services)
        async with db.reading() as session:
            people = (await session.execute(select(Respondent.telegram_user_id))).scalars().all()
        assert people == [7]
    finally:
        await db.dispose()


async def test_retention_erases_the_files_of_erased_interviews(migrated_url, tmp_path):
    """Voice notes and documents (issue 15) go from disk with their interview, not before."""
    from storage.media_repo import write_file

    media = tmp_path / "media"
    settings = Settings(database_url=migrated_url, media_dir=media, _env_file=None)  # type: ignore[call-arg]
    services = Services(settings=settings, db=Database(migrated_url), questionnaire=None,
                        clock=lambda: NOW)  # type: ignore[arg-type]  # fmt: skip
    try:
        [old] = await _person(services.db, 1, NOW - timedelta(days=731))
        [recent] = await _person(services.db, 2, NOW - timedelta(days=10))
        write_file(media, old, b"OggS old voice", ".ogg")
        kept, _ = write_file(media, recent, b"%PDF recent", ".pdf")
        erased = await apply_retention(services)
        assert erased.interviews == 1
        assert sorted(p.name for p in media.iterdir()) == [recent]
        assert (media / kept).read_bytes() == b"%PDF recent"
    finally:
        await services.db.dispose()
