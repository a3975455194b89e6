"""Every URL of the staff web app, in one list."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from aiohttp import web
from aiohttp.web_urldispatcher import AbstractResource

from bot import metrics
from bot.web import (
    admin,
    auth,
    codebook,
    contributions,
    downloads,
    interviews,
    landscape,
    language,
    matrix,
    media,
    reading,
    reportpack,
    themes,
)

STATIC = Path(__file__).parent / "static"
STAFF_RESOURCES = web.AppKey("staff_resources", set[AbstractResource])


def setup_routes(app: web.Application) -> None:
    """Add every staff route and remember them, so the guard applies to ours alone."""
    router = app.router
    mine: set[AbstractResource] = set()

    def add(method: str, path: str, handler: auth.Handler, name: str) -> None:
        route = router.add_route(method, path, handler, name=name)
        assert route.resource is not None  # add_route always makes or finds one
        mine.add(route.resource)

    add("GET", "/", interviews.home, "home")
    add("GET", "/login", auth.login_form, "login")
    add("POST", "/login", auth.login, "login_submit")
    add("POST", "/logout", auth.logout, "logout")
    add("POST", "/account/language", language.switch, "language")

    add("GET", "/interviews", interviews.index, "interviews")
    add("GET", "/interviews/{id}", interviews.show, "interview")
    add("POST", "/interviews/{id}/review", interviews.save_review, "interview_review")
    add("POST", "/interviews/{id}/tags", interviews.save_tags, "interview_tags")
    add("POST", "/interviews/{id}/quotes", interviews.add_quote, "interview_quote")
    add("POST", "/interviews/{id}/delete", interviews.delete, "interview_delete")
    add("GET", "/media/{id}", media.download, "media_download")
    add("POST", "/media/{id}/transcript", media.save_transcript, "media_transcript")
    add("POST", "/media/{id}/confirm", media.confirm_transcript, "media_confirm")
    add("GET", "/quotes", interviews.quotes, "quotes")
    add("GET", "/reading", reading.index, "reading")
    add("GET", "/themes", themes.index, "themes")
    add("GET", "/matrix", matrix.index, "matrix")
    add("GET", "/matrix/cell", matrix.edit_cell, "matrix_cell")
    add("POST", "/matrix/cell", matrix.save_cell, "matrix_cell_save")
    add("POST", "/quotes/{id}/delete", interviews.delete_quote, "quote_delete")
    add("POST", "/quotes/{id}/pack", themes.save_pack, "quote_pack")

    add("GET", "/contributions", contributions.index, "contributions")
    add("GET", "/contributions/{id}", contributions.show, "contribution")
    add("POST", "/contributions/{id}/tags", contributions.save_tags, "contribution_tags")
    add("POST", "/contributions/{id}/quotes", contributions.add_quote, "contribution_quote")
    add(
        "POST",
        "/contribution-quotes/{id}/delete",
        contributions.delete_quote,
        "contribution_quote_delete",
    )

    add("GET", "/codebook", codebook.index, "codebook")
    add("POST", "/codebook", codebook.create, "codebook_create")
    add("POST", "/codebook/merge", codebook.merge, "codebook_merge")
    add("POST", "/codebook/import", codebook.import_csv, "codebook_import")
    add("POST", "/codebook/{id}", codebook.update, "codebook_update")
    add("POST", "/codebook/{id}/delete", codebook.delete, "codebook_delete")

    add("GET", "/landscape", landscape.index, "landscape")

    add("GET", "/exports/interviews.csv", downloads.interviews_csv, "export_csv")
    add("GET", "/exports/interviews.xlsx", downloads.interviews_xlsx, "export_xlsx")
    add("GET", "/exports/interviews.json", downloads.interviews_json, "export_json")
    add("GET", "/exports/interviews.zip", downloads.interviews_zip, "export_zip")
    add("GET", "/exports/files.csv", downloads.files_csv, "export_files_csv")
    for fmt in ("csv", "json", "zip"):
        full = downloads.interviews_full(fmt)
        add("GET", f"/exports/interviews-full.{fmt}", full, f"export_full_{fmt}")
    add(
        "GET",
        "/exports/files-full.csv",
        downloads.interviews_full("files.csv"),
        "export_full_files",
    )
    add("GET", "/exports/quotes.csv", downloads.quotes_csv, "export_quotes")
    add("GET", "/exports/report-pack.zip", reportpack.download, "export_report_pack")
    add("GET", "/exports/matrix.csv", matrix.export_csv, "export_matrix_csv")
    add("GET", "/exports/matrix.xlsx", matrix.export_xlsx, "export_matrix_xlsx")
    add("GET", "/exports/codebook.csv", downloads.codebook_csv, "export_codebook")
    add("GET", "/exports/contributions.csv", downloads.contributions_csv, "export_contrib_csv")
    add("GET", "/exports/contributions.json", downloads.contributions_json, "export_contrib_json")

    add("GET", "/metrics", metrics.metrics_page, "metrics")  # Prometheus; staff only
    add("GET", "/audit", admin.audit, "audit")
    add("GET", "/staff", admin.staff, "staff")
    add("POST", "/staff", admin.add_staff, "staff_add")
    add("POST", "/staff/{id}/role", admin.change_role, "staff_role")
    add("POST", "/staff/{id}/delete", admin.remove_staff, "staff_delete")

    # With `nosniff`, a browser runs a script only when it is served with a script type;
    # slim containers lack /etc/mime.types, so say it here.
    for extension, kind in (
        (".js", "text/javascript"),
        (".mjs", "text/javascript"),
        (".css", "text/css"),
        (".svg", "image/svg+xml"),
        (".woff2", "font/woff2"),
        (".png", "image/png"),
    ):
        mimetypes.add_type(kind, extension)
    static = router.add_static("/static/", STATIC, name="static", append_version=False)
    mine.add(static)
    app[STAFF_RESOURCES] = mine


def is_staff_route(request: web.Request) -> bool:
    """Our routes only: /healthz, the webhook and the simulator keep their own rules."""
    resource = request.match_info.route.resource
    return resource is not None and resource in request.app.get(STAFF_RESOURCES, ())
