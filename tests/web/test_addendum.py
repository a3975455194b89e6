"""What a respondent wrote after the thank-you (issue 12: nothing lost) is shown to staff under
the transcript, in English and Welsh, escaped; the bot side is
tests/integration/test_every_message_right.py."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.interviews import InterviewStore
from tests.web.conftest import login
from tests.web.seed import add_interview, typical


async def test_the_addendum_is_under_the_transcript(db, client):
    interview_id = await add_interview(db, 1, {"role": "Head of Digital", **typical(1)})
    await login(client, "viewer")
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert 'id="addendum"' not in page
    store = InterviewStore(db)
    await store.add_addendum(interview_id, "One more <thing>: 40 staff.", datetime.now(UTC))
    page = await (await client.get(f"/interviews/{interview_id}")).text()
    assert 'id="addendum"' in page
    assert "Added after the interview was sent" in page
    assert "One more &lt;thing&gt;: 40 staff." in page
