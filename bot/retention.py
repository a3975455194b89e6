"""The daily retention job: personal data goes once it is older than RETENTION_DAYS.

Per table (docs/privacy.md has the reasoning):
- interview, answer, reminder, and staff coding on them (tags, quotes, review notes):
  deleted when the interview's last activity is older than the period. We delete rather
  than anonymise because free-text answers cannot be reliably stripped of identifying
  detail; the anonymous counter `retention_deleted` keeps the number.
- respondent: deleted once none of their interviews remain.
- counter: anonymous numbers, kept.
- processed_update: Telegram's update ids, pruned after two days by `prune-updates`.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.services import Services
from storage import privacy

log = logging.getLogger(__name__)

DAILY = 24 * 3600.0


async def apply_retention(services: Services) -> privacy.Erased:
    """Delete what has outlived the retention period (safe to run any number of times)."""
    before = services.clock() - timedelta(days=services.settings.retention_days)
    erased = await privacy.erase_expired(services.db, before)
    from storage.media_repo import sweep  # the files of erased interviews go with them

    await sweep(services.db, services.settings.media_path)
    if erased.interviews:
        await privacy.checkpoint(services.db)
        log.info(
            "retention: deleted %d interviews (%d answers) older than %d days",
            erased.interviews,
            erased.answers,
            services.settings.retention_days,
        )
    return erased
