"""Creating staff accounts from the command line (`dgu-bot staff add`)."""

from __future__ import annotations

import re

from bot.web.auth import hash_password
from storage import staff_repo
from storage.database import Database
from storage.staff import ROLES

_USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
MIN_PASSWORD = 12


class AccountError(ValueError):
    """A username, password or role that cannot be used: one English line for the console,
    and the staff catalogue's `key` with its `params` for the staff page."""

    def __init__(self, message: str, key: str, **params: object) -> None:
        super().__init__(message)
        self.key = key
        self.params = params


def check_account(username: str, password: str, role: str) -> None:
    if not _USERNAME.match(username):
        raise AccountError("username: use 1-64 letters, digits, or . _ @ -", "account.username")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}", "error.choose_role")
    if len(password) < MIN_PASSWORD:
        raise AccountError(
            f"password must be at least {MIN_PASSWORD} characters",
            "account.password",
            minimum=MIN_PASSWORD,
        )


async def add_staff(db: Database, username: str, password: str, role: str) -> None:
    """Create the account, or reset its password and role (signing it out everywhere)."""
    check_account(username, password, role)
    await staff_repo.save_user(db, username, hash_password(password), role)
