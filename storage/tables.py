"""Every module that defines tables, listed explicitly so Alembic and tests see them all."""

from __future__ import annotations

from sqlmodel import SQLModel

from storage import contributions, mentions, models, staff

TABLE_MODULES = [models, staff, mentions, contributions]

metadata = SQLModel.metadata
