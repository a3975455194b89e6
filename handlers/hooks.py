"""Callbacks other parts of the process register for interview milestones.

The mention monitor moves a lead on when its deep link starts or completes an interview;
handlers don't import it (they sit side by side), so `create_app` adds it to
`Services.on_interview_started` / `on_interview_completed`, which these run.
"""

from __future__ import annotations

import logging

from bot.services import InterviewHook, Services
from storage.models import Interview

log = logging.getLogger(__name__)


async def _run(
    services: Services, name: str, hooks: list[InterviewHook], interview: Interview
) -> None:
    for hook in hooks:
        try:
            await hook(services, interview)
        except Exception:
            log.exception("hook %s failed for interview %s", name, interview.id)


async def interview_started(services: Services, interview: Interview) -> None:
    await _run(services, "on_interview_started", services.on_interview_started, interview)


async def interview_completed(services: Services, interview: Interview) -> None:
    await _run(services, "on_interview_completed", services.on_interview_completed, interview)
