"""The report pack: one ZIP with a DOCX draft (landscape figures, quotes per theme credited as
consent allows) and the charts as SVG; built from seeded data on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

from aiohttp.test_utils import TestClient
from docx import Document

from storage import coding_repo, staff_repo
from storage.models import Interview
from tests.web.conftest import login
from tests.web.seed import add_interview, typical
from tests.web.test_matrix import any_client, any_db  # noqa: F401 - both backends

WHEN = datetime(2026, 3, 2, tzinfo=UTC)


async def _seed(db) -> None:
    tag = await coding_repo.create_tag(db, "Shared platforms", "Platfformau a rennir", "")
    texts = {
        1: ("anonymised", "Nobody funded the platform after launch."),
        2: ("attributable", "The platform team had a minister behind it."),
        3: ("background", "Secret: the platform was cancelled in cabinet."),
    }
    for n, (consent, text) in texts.items():
        await add_interview(
            db,
            n,
            {**typical(n), "difference@platforms": text},
            quote_consent=consent,
            name=f"Person {n}",
        )
        await coding_repo.add_quote(
            db, f"iv{n:05d}", "difference@platforms", -1, -1, text, [tag], "e", WHEN
        )
    async with db.transaction() as session:
        interview = await session.get(Interview, "iv00002")
        assert interview is not None
        interview.credit = "Siân Jones, Head of Platforms"


def _text(body: bytes) -> tuple[str, list[str]]:
    pack = zipfile.ZipFile(io.BytesIO(body))
    names = pack.namelist()
    document = Document(io.BytesIO(pack.read("report.docx")))
    paragraphs = [p.text for p in document.paragraphs]
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    for name in names:
        if name.endswith(".svg"):
            assert pack.read(name).startswith(b"<svg")
        if name.endswith(".png"):
            assert pack.read(name).startswith(b"\x89PNG\r\n\x1a\n")
    return "\n".join(paragraphs + cells), names


async def test_report_pack_figures_quotes_and_consent(any_client: TestClient, any_db) -> None:  # noqa: F811
    await _seed(any_db)
    await login(any_client, "viewer")
    response = await any_client.get("/exports/report-pack.zip")
    assert response.status == 200
    assert response.headers["Content-Type"] == "application/zip"
    text, names = _text(await response.read())
    assert sorted(names) == [
        "charts/countries.png",
        "charts/countries.svg",
        "charts/funnel.png",
        "charts/funnel.svg",
        "charts/levels.png",
        "charts/levels.svg",
        "report.docx",
    ]
    assert "Shared platforms" in text
    assert "“Nobody funded the platform after launch.”" in text
    assert "— Siân Jones, Head of Platforms" in text
    assert "Secret" not in text  # background only: never quoted
    assert "Person 1" not in text and "Person 3" not in text and "user1" not in text
    assert "United Kingdom" in text and "Estonia" in text  # the figures
    audit = await staff_repo.audit_page(any_db, before_id=None, limit=10)
    assert [a.target for a in audit if a.action == "export"] == ["report_pack"]


async def test_report_pack_in_welsh(client: TestClient, db) -> None:
    await _seed(db)
    csrf = await login(client, "viewer")
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    text, _ = _text(await (await client.get("/exports/report-pack.zip")).read())
    assert "Dysgu gan unedau llywodraeth ddigidol: adroddiad drafft" in text
    assert "Platfformau a rennir" in text and "Uned llywodraeth ddigidol (" in text
    assert "Y Deyrnas Unedig" in text or "Teyrnas Unedig" in text


async def test_the_docx_shows_each_chart_as_a_picture(client: TestClient, db) -> None:
    """The charts are PNGs in the pack and pictures in the DOCX (with their description as
    alt text), the same images, of the size drawn for their rows, in the reader's language."""
    from PIL import Image

    from bot.web.charts import png_size

    await _seed(db)
    csrf = await login(client, "viewer")
    await client.post("/account/language", data={"csrf_token": csrf, "language": "cy"})
    body = await (await client.get("/exports/report-pack.zip")).read()
    pack = zipfile.ZipFile(io.BytesIO(body))
    document = Document(io.BytesIO(pack.read("report.docx")))
    pictures = {
        part.blob for part in document.part.package.iter_parts() if "image" in part.content_type
    }
    assert len(document.inline_shapes) == 3
    described = [shape._inline.docPr.get("descr") for shape in document.inline_shapes]
    assert "Nifer y cyfweliadau o bob gwlad, y mwyaf yn gyntaf." in described
    rows = {"funnel": 3, "countries": 2, "levels": 2}  # started/consented/completed; GB, EE
    for name, count in rows.items():
        png = pack.read(f"charts/{name}.png")
        assert png in pictures, name
        image = Image.open(io.BytesIO(png))
        image.load()  # decodes the whole image
        assert image.format == "PNG" and image.size == png_size(count), name
