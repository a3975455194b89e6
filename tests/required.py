"""What a test needs from the machine: skipped when missing on a developer's machine, but a
failure when CI says it must be there (DGU_REQUIRE_BROWSER, DGU_REQUIRE_POSTGRES), so a test
suite that could not run its browser or PostgreSQL tests never passes as if it had."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NoReturn

import pytest


def unavailable(what: str, variable: str) -> NoReturn:
    """Skip the calling module, or fail it when `variable` is set (the run then fails)."""
    if os.environ.get(variable):
        pytest.fail(f"{variable} is set, but {what}", pytrace=False)
    pytest.skip(what, allow_module_level=True)


ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
GOVUK_CSS = ROOT / "bot" / "web" / "static" / "govuk" / "govuk-frontend.min.css"


def browser() -> str:
    """Chromium's path (DGU_CHROMIUM, else /usr/bin/chromium), once Chromium, axe-core and the
    GOV.UK Frontend CSS are known to be there; call at the top of a browser test module."""
    chromium = os.environ.get("DGU_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        unavailable(f"there is no Chromium at {chromium} (DGU_CHROMIUM)", "DGU_REQUIRE_BROWSER")
    if not AXE.exists():
        unavailable("npm's axe-core is not installed (`npm ci`)", "DGU_REQUIRE_BROWSER")
    if not GOVUK_CSS.exists():
        unavailable("the GOV.UK Frontend CSS is missing (`make web-assets`)", "DGU_REQUIRE_BROWSER")
    return chromium
