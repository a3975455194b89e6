"""Callbacks other parts of the process register for interview milestones.

The mention monitor moves a lead on when its deep link starts or completes an interview;
handlers don't import it (they sit side by side), so `create_app` registers it here.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.services import Services
from storage.models import Interview

log = logging.getLogger(__name__)

Hook = Callable[[Services, Interview], Awaitable[None]]
STARTED = "on_interview_started"
COMPLETED = "on_interview_completed"


async def _run(services: Services, name: str, interview: Interview) -> None:
    for hook in services.extras.get(name, []):
        try:
            await hook(services, interview)
        except Exception:
            log.exception("hook %s failed for interview %s", name, interview.id)


async def interview_started(services: Services, interview: Interview) -> None:
    await _run(services, STARTED, interview)


async def interview_completed(services: Services, interview: Interview) -> None:
    await _run(services, COMPLETED, interview)
