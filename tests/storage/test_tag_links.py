"""storage/tag_links.py through the codebook (merge, delete, usage) on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from storage import coding_repo, tag_links
from storage.contributions import ContributionQuote, ContributionQuoteTag, ContributionTag
from storage.database import Database
from storage.mentions import Lead
from storage.models import Interview
from storage.staff import InterviewTag, Quote, QuoteTag

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
LINKS = (
    (InterviewTag, ("interview_id", "tag_id", "created_by")),
    (QuoteTag, ("quote_id", "tag_id")),
    (ContributionTag, ("lead_id", "tag_id", "created_by")),
    (ContributionQuoteTag, ("quote_id", "tag_id")),
)


async def seed(db: Database) -> tuple[int, int, int]:
    """Two interviews, quotes, contributions and contribution quotes; tags a, b, c.

    Tag a codes the first of each pair; tag b codes both of each pair (so merging a into b
    would double the first); tag c codes nothing.
    """
    a = await coding_repo.create_tag(db, "Funding", "Cyllid", "")
    b = await coding_repo.create_tag(db, "Money", "Arian", "")
    c = await coding_repo.create_tag(db, "Skills", "Sgiliau", "")
    async with db.transaction() as session:
        for n in (1, 2):
            iv = f"iv{n}"
            session.add(
                Interview(id=iv, questionnaire_id="q", questionnaire_version="1", language="cy")
            )
            session.add(Lead(id=n, tweet_id=str(n), author_id="7", text="hello", link="l"))
        await session.flush()
        for n in (1, 2):
            session.add(
                Quote(
                    id=n,
                    interview_id=f"iv{n}",
                    answer_key="k",
                    start=0,
                    end=1,
                    text="h",
                    created_by="x",
                )
            )
            session.add(
                ContributionQuote(id=n, lead_id=n, start=0, end=1, text="h", created_by="x")
            )
        await session.flush()
        for n, tags in ((1, (a, b)), (2, (a,))):
            for tag in tags:
                who = f"coder-{n}-{tag}"
                session.add(InterviewTag(interview_id=f"iv{n}", tag_id=tag, created_by=who))
                session.add(QuoteTag(quote_id=n, tag_id=tag))
                session.add(ContributionTag(lead_id=n, tag_id=tag, created_by=who, created_at=T0))
                session.add(ContributionQuoteTag(quote_id=n, tag_id=tag))
    return a, b, c


async def links(db: Database) -> list[set[tuple[object, ...]]]:
    """Each link table's rows as (owner, tag[, created_by]) tuples."""
    found: list[set[tuple[object, ...]]] = []
    async with db.reading() as session:
        for model, fields in LINKS:
            rows = (await session.execute(select(model))).scalars()
            found.append({tuple(getattr(r, f) for f in fields) for r in rows})
    return found


async def test_merge_moves_every_use_once_and_keeps_who(db: Database) -> None:
    a, b, c = await seed(db)
    assert await coding_repo.tag_usage(db) == {a: 8, b: 4}

    await coding_repo.merge_tags(db, a, b)

    interview, quote, contribution, contribution_quote = await links(db)
    assert {(o, t) for o, t, *_ in interview} == {("iv1", b), ("iv2", b)}
    # the moved use keeps its coder; where b was there already, b's own use stays
    assert ("iv2", b, f"coder-2-{a}") in {(o, t, w) for o, t, w in interview}
    assert ("iv1", b, f"coder-1-{b}") in {(o, t, w) for o, t, w in interview}
    assert {(o, t) for o, t, *_ in contribution} == {(1, b), (2, b)}
    assert quote == contribution_quote == {(1, b), (2, b)}
    assert await coding_repo.tag_usage(db) == {b: 8}
    assert [t.id for t in await coding_repo.list_tags(db)] == [b, c]


async def test_delete_forgets_every_use(db: Database) -> None:
    a, b, _ = await seed(db)
    assert await coding_repo.delete_tag(db, a) == "Funding"
    assert all({t for _, t, *_ in rows} == {b} for rows in await links(db))
    assert await coding_repo.tag_usage(db) == {b: 4}
    assert await coding_repo.delete_tag(db, a) is None


async def test_setting_tags_keeps_who_added_a_kept_tag_and_skips_deleted_ones(
    db: Database,
) -> None:
    _, b, c = await seed(db)
    later = datetime(2026, 4, 1, tzinfo=UTC)
    await coding_repo.set_interview_tags(db, "iv1", [b, c, 999], "editor", later)
    interview, *_ = await links(db)
    assert {(o, t, w) for o, t, w in interview if o == "iv1"} == {
        ("iv1", b, f"coder-1-{b}"),  # kept: who added it stays
        ("iv1", c, "editor"),  # added; 999 names no tag and is skipped
    }
    await coding_repo.set_interview_tags(db, "iv1", [], "editor", later)
    interview, *_ = await links(db)
    assert {o for o, *_ in interview} == {"iv2"}


@pytest.mark.parametrize(
    ("start", "end", "text", "place"),
    [
        (4, 9, "quick", (4, 9)),  # exactly where it was said to be
        (0, 5, "quick", (4, 9)),  # offsets off (another client's counting): found once
        (18, 21, "the", (18, 21)),  # the second of two, as said
        (5, 8, "the", None),  # offsets off and twice in the text: ambiguous
        (0, 4, "slow", None),  # not in the text
        (9, 4, "quick", (4, 9)),  # reversed offsets: found by text
    ],
)
def test_a_passage_is_found_only_where_it_is_unambiguous(
    start: int, end: int, text: str, place: tuple[int, int] | None
) -> None:
    assert tag_links.locate_passage("the quick fox and the dog", start, end, text) == place
