"""Every module that defines tables, listed explicitly so Alembic and tests see them all."""

from __future__ import annotations

from sqlmodel import SQLModel

from storage import contributions, leases, mentions, models, staff

TABLE_MODULES = [models, staff, mentions, contributions, leases]

metadata = SQLModel.metadata
