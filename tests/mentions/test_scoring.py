"""Scoring rules: each point has a readable reason; exclusions are explicit."""

from __future__ import annotations

from bot.mentions.scoring import exclusion, score_text


def test_strong_lead_has_every_positive_reason() -> None:
    s = score_text("@cdps_cymru Happy to share how our service design team at GDS works in the UK")
    assert s.value == 9
    assert s.reasons == [
        "+3 digital government vocabulary: 'service design'",
        "+2 names a unit: 'GDS'",
        "+2 names a country: 'UK'",
        "+2 offers to help / asks a question: 'happy to'",
    ]


def test_welsh_scores_like_english() -> None:
    cy = score_text("@cdps_cymru Hoffwn rannu ein profiad o drawsnewid digidol yng Nghymru")
    en = score_text(
        "@cdps_cymru I'd love to share our experience of digital transformation in Wales"
    )
    assert cy.value == en.value == 7
    assert "+2 names a country: 'Nghymru'" in cy.reasons


def test_spam_and_short_noise_lose_points() -> None:
    s = score_text("@cdps_cymru free crypto airdrop #a #b")
    assert s.value < 0 and any(r.startswith("-3 looks like spam/noise") for r in s.reasons)
    short = score_text("@cdps_cymru great")
    assert short.reasons == ["-1 very short (1 words)"]


def test_acronyms_need_capitals_and_urls_are_ignored() -> None:
    s = score_text("@cdps_cymru the gds of https://example.com/GDS/uk page is a thing")
    assert not any("unit" in r or "country" in r for r in s.reasons)


def test_question_counts_and_bio_gives_one_point() -> None:
    s = score_text(
        "@cdps_cymru when is the next event for us?", author_description="Service designer"
    )
    assert "+2 offers to help / asks a question: a question" in s.reasons
    assert "+1 author's bio mentions digital government: 'service designer'" in s.reasons


def test_exclusions() -> None:
    assert exclusion({"author_id": "1", "text": "x"}, "1") == "own tweet"
    rt = {"author_id": "2", "text": "x", "referenced_tweets": [{"type": "retweeted", "id": "9"}]}
    assert exclusion(rt, "1") == "plain retweet"
    quote = {"author_id": "2", "text": "x", "referenced_tweets": [{"type": "quoted", "id": "9"}]}
    assert exclusion(quote, "1") is None
