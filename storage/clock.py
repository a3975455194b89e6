"""The one wall clock of the project: an aware UTC `datetime`.

It lives in `storage/` because storage imports none of our other packages while every
other package may import storage, so this is the one place both the table defaults here and
`bot/` (`Services.clock`'s default, job leases, the mention monitor) can share. Code that
must be testable with a frozen time takes `Services.clock` instead of calling this.
"""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
