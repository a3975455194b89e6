"""The codebook: tags with English and Welsh labels; create, rename, merge, delete, import.

CSV import follows Taguette and Dovetail: a header row naming the columns, the English
label in `label_en` (or `name`, `tag`, `title`), optional `label_cy` and `description`.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping

from aiohttp import web

from bot.services import SERVICES
from bot.web.auth import current, requires
from bot.web.language import error_text, translator
from bot.web.templating import render
from storage import coding_repo, staff_repo
from storage.coding_repo import CodingError

MAX_IMPORT_BYTES = 1_000_000
LABEL_COLUMNS = ("label_en", "name", "tag", "title", "label")


@requires("viewer")
async def index(
    request: web.Request, *, error: str = "", notice: str = "", status: int = 200
) -> web.StreamResponse:
    db = request.app[SERVICES].db
    return render(
        request,
        "codebook.html",
        {
            "title": translator(request)("nav.codebook"),
            "tags": await coding_repo.list_tags(db),
            "usage": await coding_repo.tag_usage(db),
            "error": error,
            "notice": notice or _notice(request),
        },
        status=status,
    )


def _notice(request: web.Request) -> str:
    """The note after a merge or an import (`?notice=merged`, `?notice=imported&new=&updated=`)
    in the reader's language; nothing for any other value (the address is anyone's to write)."""
    t = translator(request)
    q = request.query
    if q.get("notice") == "merged":
        return t("codebook.merged")
    if q.get("notice") == "imported":
        numbers = [q.get(k, "") for k in ("new", "updated")]
        if all(n.isascii() and n.isdigit() and len(n) < 10 for n in numbers):
            return t("codebook.imported", created=int(numbers[0]), updated=int(numbers[1]))
    return ""


def _fields(form: Mapping[str, object]) -> tuple[str, str, str]:
    get = form.get
    return (
        str(get("label_en", "")).strip()[:200],
        str(get("label_cy", "")).strip()[:200],
        str(get("description", "")).strip()[:2000],
    )


def _tag_id(request: web.Request) -> int:
    value = request.match_info["id"]
    if not value.isdigit():
        raise web.HTTPNotFound()
    return int(value)


@requires("editor")
async def create(request: web.Request) -> web.StreamResponse:
    label_en, label_cy, description = _fields(await request.post())
    if not label_en:
        return await index(request, error=translator(request)("error.english_label"), status=400)
    try:
        await coding_repo.create_tag(request.app[SERVICES].db, label_en, label_cy, description)
    except CodingError as exc:
        return await index(request, error=error_text(translator(request), str(exc)), status=400)
    raise web.HTTPSeeOther("/codebook")


@requires("editor")
async def update(request: web.Request) -> web.StreamResponse:
    label_en, label_cy, description = _fields(await request.post())
    if not label_en:
        return await index(request, error=translator(request)("error.english_label"), status=400)
    try:
        await coding_repo.update_tag(
            request.app[SERVICES].db, _tag_id(request), label_en, label_cy, description
        )
    except CodingError as exc:
        return await index(request, error=error_text(translator(request), str(exc)), status=400)
    raise web.HTTPSeeOther("/codebook")


@requires("editor")
async def merge(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    source, target = str(form.get("source", "")), str(form.get("target", ""))
    if not (source.isdigit() and target.isdigit()):
        return await index(request, error=translator(request)("error.merge_choose"), status=400)
    try:
        await coding_repo.merge_tags(request.app[SERVICES].db, int(source), int(target))
    except CodingError as exc:
        return await index(request, error=error_text(translator(request), str(exc)), status=400)
    raise web.HTTPSeeOther("/codebook?notice=merged")


@requires("admin")
async def delete(request: web.Request) -> web.StreamResponse:
    services = request.app[SERVICES]
    label = await coding_repo.delete_tag(services.db, _tag_id(request))
    if label is None:
        raise web.HTTPNotFound(text="No such tag.")
    await staff_repo.audit(
        services.db, current(request).username, "delete_tag", label, services.clock()
    )
    raise web.HTTPSeeOther("/codebook")


def _cell(value: str | None) -> str:
    """A cell as typed: undo the quote our own export puts before formula-like text."""
    value = (value or "").strip()
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        value = value[1:]
    return value


def parse_codebook(data: bytes) -> list[tuple[str, str, str]]:
    """Rows of (label_en, label_cy, description) from a UTF-8 CSV with a header row."""
    text = data.decode("utf-8-sig")
    reader = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower(): c for c in reader.fieldnames or []}
    label = next((columns[c] for c in LABEL_COLUMNS if c in columns), None)
    if label is None:
        raise CodingError("The CSV needs a header row with a label_en (or name) column")
    cy, description = columns.get("label_cy"), columns.get("description")
    rows = []
    for row in reader:
        english = _cell(row.get(label))[:200]
        if english:
            rows.append(
                (
                    english,
                    _cell(row.get(cy))[:200] if cy else "",
                    _cell(row.get(description))[:2000] if description else "",
                )
            )
    return rows


@requires("editor")
async def import_csv(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    upload = form.get("file")
    data = getattr(upload, "file", None)
    if data is None:
        return await index(request, error=translator(request)("error.csv_choose"), status=400)
    raw = data.read(MAX_IMPORT_BYTES + 1)
    if len(raw) > MAX_IMPORT_BYTES:
        return await index(request, error=translator(request)("error.csv_large"), status=400)
    try:
        rows = parse_codebook(raw)
        created, updated = await coding_repo.import_tags(request.app[SERVICES].db, rows)
    except UnicodeDecodeError:
        return await index(request, error=translator(request)("error.csv_utf8"), status=400)
    except (CodingError, csv.Error) as exc:
        return await index(request, error=error_text(translator(request), str(exc)), status=400)
    raise web.HTTPSeeOther(f"/codebook?notice=imported&new={created}&updated={updated}")
