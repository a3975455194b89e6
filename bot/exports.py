"""Interview exports (JSON, CSV, XLSX) streamed from the database in batches; and the
tweets marked as contributions (JSON, CSV), which are kept apart from the interview schema.

Used by `dgu-bot export` and by the staff web app's downloads, so both honour consent the
same way: only interviews whose respondent allowed attribution carry who they are. The
"full" export (admins only, audited) is the team's own follow-up data: everything, including
the contact details of people who agreed to talk further, whatever their quote level.
Memory stays flat: interviews are read a page at a time by keyset, never all at once.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, TypeVarTuple

from sqlalchemy import ColumnElement, Select, Text, cast, func, or_, select
from sqlmodel import col

from bot.interview import Catalogue, split_key
from storage import contribution_repo
from storage.contribution_repo import Contribution, ContributionFilters
from storage.database import Database
from storage.models import Answer, Interview, Media, Respondent
from storage.privacy import file_record, transcript_status

_Ts = TypeVarTuple("_Ts")

BATCH = 200
#: the answer fields exports read (rows of these behave like Answer objects for reading)
ANSWER_COLUMNS = (
    col(Answer.interview_id),
    col(Answer.key),
    col(Answer.question_id),
    col(Answer.repeat_item),
    col(Answer.question_text),
    col(Answer.value),
    col(Answer.language),
    col(Answer.answered_at),
)
#: what a CSV row reads of an answer (`row_values`): no texts, no timestamps to parse, and
#: the value as its stored JSON text (decoded by `json_value`, most of it without a parser)
CSV_ANSWER_COLUMNS = (
    col(Answer.interview_id),
    col(Answer.key),
    col(Answer.question_id),
    cast(col(Answer.value), Text).label("value"),
)
#: what a CSV row reads of an interview (`row_values`, `interview_json`), then of its
#: respondent (`CsvRespondent`, last)
CSV_INTERVIEW_COLUMNS: tuple[Any, ...] = (
    col(Interview.id),
    col(Interview.questionnaire_id),
    col(Interview.questionnaire_version),
    col(Interview.language),
    col(Interview.status),
    col(Interview.source),
    col(Interview.started_at),
    col(Interview.completed_at),
    col(Interview.consent_version),
    col(Interview.consented_at),
    col(Interview.quote_consent),
    col(Interview.credit),
    col(Interview.addendum),
    col(Respondent.id).label("respondent_key"),
    col(Respondent.telegram_user_id),
    col(Respondent.username),
    col(Respondent.name),
)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
BASE_COLUMNS = [
    "interview_id",
    "questionnaire_id",
    "questionnaire_version",
    "language",
    "status",
    "source",
    "started_at",
    "completed_at",
    "telegram_user_id",
    "username",
    "name",
    "consented_at",
    "quote_consent",
    "credit",
    "addendum",
]
#: question ids that identify a person in every questionnaire version: version 1 did not mark
#: `role` personal, and its interviews are exported by question id like any other
ALWAYS_PERSONAL = frozenset({"role", "organisation", "contact"})


def personal_ids(questionnaire: Any) -> frozenset[str]:
    """What default exports withhold without attributable consent: the questionnaire's
    `personal` questions and those of every earlier version (`ALWAYS_PERSONAL`)."""
    return frozenset(questionnaire.personal_ids) | ALWAYS_PERSONAL


@dataclass(frozen=True)
class ExportFilter:
    """Which interviews: a status ('completed', 'all', or any status), ids, or a custom query;
    and what is withheld. `personal` has no default, so a caller that forgets it fails
    loudly instead of exporting people's details (`personal_ids` gives the right set)."""

    status: str = "completed"
    interview_ids: Sequence[str] | None = None
    where: ColumnElement[bool] | None = None  # extra criteria (staff app filters)
    #: question ids withheld without attributable consent
    personal: frozenset[str] = field(kw_only=True)
    #: the team's own follow-up data: nothing withheld (admins only, audited)
    full: bool = field(default=False, kw_only=True)

    def apply(self, query: Select[*_Ts]) -> Select[*_Ts]:
        if self.status != "all":
            query = query.where(col(Interview.status) == self.status)
        else:
            query = query.where(col(Interview.status) != "withdrawn")
        if self.interview_ids is not None:
            query = query.where(col(Interview.id).in_(list(self.interview_ids)))
        if self.where is not None:
            query = query.where(self.where)
        return query


def iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.isoformat() + "Z"
    return value.astimezone().isoformat().replace("+00:00", "Z")


def attributable(interview: Interview) -> bool:
    return interview.quote_consent == "attributable"


def credit_of(interview: Interview) -> str | None:
    """The name and job title the respondent typed to be credited with (attributable only)."""
    return interview.credit if attributable(interview) else None


def safe_cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (prefix a single quote)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def flat(value: Any) -> Any:
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


class CsvRespondent(NamedTuple):
    """What a CSV row reads of a respondent."""

    telegram_user_id: int
    username: str | None
    name: str | None


class CsvAnswer(NamedTuple):
    """What a CSV row reads of an answer (the value decoded)."""

    key: str
    question_id: str
    value: Any


def json_value(stored: str | None) -> Any:
    """An answer's value from its stored JSON text. A JSON string with no escape in it is its
    own content between the quotes (most answers): sliced out, not parsed."""
    if stored is None:
        return None
    if stored[:1] == '"' and stored[-1:] == '"' and "\\" not in stored:
        return stored[1:-1]
    if stored.isascii() and stored.isdigit():
        return int(stored)
    return json.loads(stored)


async def iter_interviews(
    db: Database,
    selection: ExportFilter,
    *,
    lean: bool = False,
    files: dict[str, list[Media]] | None = None,
) -> AsyncIterator[tuple[Interview, Respondent | None, list[Any]]]:
    """Interviews with their respondent and answers, a batch at a time, oldest first.
    `files`, when given, holds each interview's files (voice notes, documents, photos) by
    interview id, filled a batch at a time before the batch's interviews are yielded.

    Answers come as read-only rows with the fields of `ANSWER_COLUMNS`. `lean` (the CSV
    export): interviews as rows of `CSV_INTERVIEW_COLUMNS` (they read like the objects for
    what a row needs), respondents as `CsvRespondent`, answers as `CsvAnswer`.
    """
    last: tuple[datetime, str] | None = None
    while True:
        async with db.reading() as session:
            # Core, not the ORM, where plain rows will do: no per-row bookkeeping
            connection = await session.connection()
            if lean:
                query = _keyset(selection.apply(select(*CSV_INTERVIEW_COLUMNS)), last)
                rows: list[Any] = [
                    (row, CsvRespondent(*row[-3:]) if row.respondent_key is not None else None)
                    for row in (await connection.execute(query)).all()
                ]
            else:
                query = _keyset(selection.apply(select(Interview, Respondent)), last)
                rows = list((await session.execute(query)).all())
            if not rows:
                return
            ids = [row[0].id for row in rows]
            answers: dict[str, list[Any]] = {i: [] for i in ids}
            # Plain rows, not ORM objects: an export reads every answer once, and building
            # identity-mapped objects was three quarters of its time (docs/performance.md).
            result = await connection.execute(
                select(*(CSV_ANSWER_COLUMNS if lean else ANSWER_COLUMNS))
                .where(col(Answer.interview_id).in_(ids))
                .order_by(col(Answer.interview_id), col(Answer.position), col(Answer.id))
            )
            if lean:
                for interview_id, key, question_id, stored in result.all():
                    answers[interview_id].append(CsvAnswer(key, question_id, json_value(stored)))
            else:
                for answer in result:
                    answers[answer.interview_id].append(answer)
            if files is not None:
                files.clear()
                found = await session.execute(
                    select(Media).where(col(Media.interview_id).in_(ids)).order_by(col(Media.id))
                )
                for media in found.scalars():
                    files.setdefault(media.interview_id, []).append(media)
            session.expunge_all()
        for interview, respondent in rows:
            yield interview, respondent, answers[interview.id]
        last = (rows[-1][0].started_at, rows[-1][0].id)
        if len(rows) < BATCH:
            return


def _keyset(query: Select[*_Ts], last: tuple[datetime, str] | None) -> Select[*_Ts]:
    """The next batch after `last` (started_at, id), with each interview's respondent."""
    query = query.outerjoin(Respondent, col(Respondent.id) == col(Interview.respondent_id))
    if last is not None:
        started, interview_id = last
        query = query.where(
            or_(
                col(Interview.started_at) > started,
                (col(Interview.started_at) == started) & (col(Interview.id) > interview_id),
            )
        )
    return query.order_by(col(Interview.started_at), col(Interview.id)).limit(BATCH)


def interview_json(
    interview: Interview,
    respondent: Respondent | None,
    answers: Iterable[Answer],
    personal: frozenset[str],
    *,
    full: bool = False,
    files: Sequence[Media] = (),
) -> dict[str, Any]:
    """One interview in the INTERFACE.md schema, with the files sent as answers (`files`).

    Who the person is (Telegram id, username, name, the credit they typed, and answers to
    questions marked `personal`, such as their role, organisation and contact) is exported
    only with attributable consent; otherwise those values are null and the answer says
    `"withheld": true`. `full` (the team's follow-up export) withholds nothing.
    """
    who: dict[str, Any] = {"telegram_user_id": None, "username": None, "name": None}
    shown = full or attributable(interview)
    hidden = frozenset() if shown else personal
    if respondent is not None and shown:
        who = {
            "telegram_user_id": respondent.telegram_user_id,
            "username": respondent.username,
            "name": respondent.name,
        }
    return {
        "interview_id": interview.id,
        "questionnaire": {
            "id": interview.questionnaire_id,
            "version": interview.questionnaire_version,
        },
        "language": interview.language,
        "status": interview.status,
        "source": interview.source,
        "started_at": iso(interview.started_at),
        "completed_at": iso(interview.completed_at),
        "respondent": who,
        "consent": {
            "privacy_notice": interview.consent_version,
            "given_at": iso(interview.consented_at),
            "quote": interview.quote_consent,
            "credit": interview.credit if full else credit_of(interview),
        },
        "answers": [_answer_json(a, withhold=a.question_id in hidden) for a in answers],
        # what they wrote after finishing (each note headed by its time), or null
        "addendum": interview.addendum,
        "files": [file_json(m, withhold=withheld_file(m, hidden)) for m in files],
    }


def withheld_file(media: Media, hidden: frozenset[str]) -> bool:
    """A file sent as the answer to a withheld question is withheld like the answer."""
    return split_key(media.answer_key)[0] in hidden


def zip_path(media: Media) -> str:
    """Where the file is inside a ZIP export: files/<interview id>/<file id><suffix>."""
    suffix = media.path.rsplit(".", 1)[-1] if "." in media.path.rsplit("/", 1)[-1] else ""
    return f"files/{media.interview_id}/{media.id}{'.' + suffix if suffix else ''}"


def file_json(media: Media, *, withhold: bool) -> dict[str, Any]:
    """A voice note, audio, video note, document or photo sent as (part of) an answer: its
    metadata and transcript; `path` is where a ZIP export holds it. Withheld: only which
    answer it belongs to."""
    if withhold:
        return {"answer_key": media.answer_key, "withheld": True}
    record = file_record(media)
    for key in ("transcript_source", "transcription", "transcript_status"):
        del record[key]  # said by transcript_status below, with the pending and failed
    return {
        "file_id": media.id,
        **record,
        "received_at": iso(media.created_at),
        "transcript_status": transcript_status(media),
        "transcript_by": media.transcript_by,
        "transcript_at": iso(media.transcript_at),
        "path": zip_path(media),
    }


def _answer_json(answer: Answer, *, withhold: bool) -> dict[str, Any]:
    data = {
        "question_id": answer.question_id,
        "key": answer.key,
        "repeat_item": answer.repeat_item,
        "question_text": answer.question_text,
        "value": None if withhold else answer.value,
        "language": answer.language,
        "answered_at": iso(answer.answered_at),
    }
    if withhold:
        data["withheld"] = True
    return data


async def json_chunks(db: Database, selection: ExportFilter) -> AsyncIterator[str]:
    """A JSON array, one interview per line, produced incrementally."""
    yield "["
    first = True
    files: dict[str, list[Media]] = {}
    async for interview, respondent, answers in iter_interviews(db, selection, files=files):
        record = interview_json(
            interview,
            respondent,
            answers,
            selection.personal,
            full=selection.full,
            files=files.get(interview.id, ()),
        )
        body = json.dumps(record, ensure_ascii=False)
        yield ("\n" if first else ",\n") + body
        first = False
    yield "\n]\n"


async def answer_columns(db: Database, selection: ExportFilter) -> list[str]:
    """Every answer key present, in questionnaire order (for one column per answer)."""
    async with db.reading() as session:
        ids = selection.apply(select(col(Interview.id))).subquery()
        query = (
            select(col(Answer.key), func.min(col(Answer.position)))
            .where(col(Answer.interview_id).in_(select(ids.c.id)))
            .group_by(col(Answer.key))
        )
        rows = (await session.execute(query)).all()
    return [key for key, _pos in sorted(rows, key=lambda r: (r[1], r[0]))]


def row_values(
    interview: Interview,
    respondent: Respondent | None,
    answers: Iterable[Answer],
    columns: list[str],
    personal: frozenset[str],
    *,
    full: bool = False,
) -> list[Any]:
    data = interview_json(interview, respondent, [], personal, full=full)
    who = data["respondent"]
    hidden = frozenset() if full or attributable(interview) else personal
    by_key = {a.key: (None if a.question_id in hidden else a.value) for a in answers}
    base = [
        interview.id,
        interview.questionnaire_id,
        interview.questionnaire_version,
        interview.language,
        interview.status,
        interview.source,
        data["started_at"],
        data["completed_at"],
        who["telegram_user_id"],
        who["username"],
        who["name"],
        data["consent"]["given_at"],
        interview.quote_consent,
        data["consent"]["credit"],
        interview.addendum,
    ]
    return [safe_cell(flat(v)) for v in [*base, *(by_key.get(c) for c in columns)]]


async def csv_chunks(db: Database, selection: ExportFilter) -> AsyncIterator[str]:
    columns = await answer_columns(db, selection)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([*BASE_COLUMNS, *columns])
    async for interview, respondent, answers in iter_interviews(db, selection, lean=True):
        writer.writerow(
            row_values(
                interview, respondent, answers, columns, selection.personal, full=selection.full
            )
        )
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@dataclass(frozen=True)
class Labels:
    """Column headers for people, in one language (`dgu-bot export --format xlsx --lang cy`,
    and a Welsh-speaking staff member's XLSX download). Without them a workbook's header rows
    are the machine keys the CSV and JSON exports use (the outside contract); with them the
    columns and their order stay the same, row 1 of each sheet says them in `lang` (an
    answer's column by its question, as asked in that language), the sheets are named in it,
    and a last sheet maps every label back to its key."""

    lang: str
    words: Catalogue  # the staff catalogue (prompts/staff.*.yaml)
    questionnaire: Any

    def text(self, key: str) -> str:
        return self.words.text(self.lang, key)

    def answer(self, key: str) -> str:
        """An answer column: its question in `lang`, from the newest version that asks it."""
        question_id = split_key(key)[0]
        try:
            versions = list(self.questionnaire.versions())
        except Exception:  # a stand-in questionnaire
            versions = []
        for version in versions:
            try:
                asked = version.has_question(question_id)
                text = version.question_text(key, self.lang) if asked else None
            except Exception:  # an item this version no longer offers
                text = None
            if text:
                return str(text)
        return key

    def headers(self, keys: Sequence[str], answers: Sequence[str] = ()) -> list[str]:
        """Labels for `keys` (fixed columns) then `answers`; a label two columns would share
        carries its key, so each header says one column."""
        labels = [self.text(f"export.col.{k}") for k in keys]
        labels += [self.answer(k) for k in answers]
        keyed = [*keys, *answers]
        seen = Counter(labels)
        return [
            f"{lab} [{key}]" if seen[lab] > 1 else lab
            for lab, key in zip(labels, keyed, strict=True)
        ]


async def write_xlsx(
    db: Database, selection: ExportFilter, target: Any, labels: Labels | None = None
) -> None:
    """XLSX via openpyxl's write-only mode (rows go to a temp file, not memory). `labels`:
    header rows for people in one language, with a sheet of their keys (see `Labels`)."""
    from openpyxl import Workbook

    columns = await answer_columns(db, selection)
    workbook = Workbook(write_only=True)
    if labels is None:
        interview_header, file_header = [*BASE_COLUMNS, *columns], FILE_COLUMNS
        names = {"interviews": "interviews", "files": "files"}
    else:
        interview_header = labels.headers(BASE_COLUMNS, columns)
        file_header = labels.headers(FILE_COLUMNS)
        names = {k: labels.text(f"export.sheet.{k}") for k in ("interviews", "files", "columns")}
    sheet = workbook.create_sheet(names["interviews"])
    sheet.append(interview_header)
    file_rows: list[list[Any]] = []
    files: dict[str, list[Media]] = {}
    async for interview, respondent, answers in iter_interviews(db, selection, files=files):
        values = row_values(
            interview, respondent, answers, columns, selection.personal, full=selection.full
        )
        sheet.append([_xlsx_cell(v) for v in values])
        file_rows.extend(_file_rows(interview, files.get(interview.id, ()), selection))
    # the second sheet: each file with its metadata and transcript (issue 15)
    sheet = workbook.create_sheet(names["files"])
    sheet.append(file_header)
    for row in file_rows:
        sheet.append([_xlsx_cell(v) for v in row])
    if labels is not None:  # every label with the key the CSV and JSON exports use
        sheet = workbook.create_sheet(names["columns"])
        sheet.append([labels.text(f"export.columns.{k}") for k in ("sheet", "label", "key")])
        for name, header, keys in (
            (names["interviews"], interview_header, [*BASE_COLUMNS, *columns]),
            (names["files"], file_header, FILE_COLUMNS),
        ):
            for label, key in zip(header, keys, strict=True):
                sheet.append([_xlsx_cell(name), _xlsx_cell(label), _xlsx_cell(key)])
    workbook.save(target)


FILE_COLUMNS = [
    "interview_id",
    "answer_key",
    "withheld",
    "file_id",
    "kind",
    "mime_type",
    "file_name",
    "size_bytes",
    "duration_seconds",
    "sha256",
    "received_at",
    "transcript",
    "transcript_status",
    "transcript_by",
    "transcript_at",
    "path",
]


def _file_rows(
    interview: Interview, files: Iterable[Media], selection: ExportFilter
) -> list[list[Any]]:
    hidden = frozenset() if selection.full or attributable(interview) else selection.personal
    rows = []
    for media in files:
        data = file_json(media, withhold=withheld_file(media, hidden))
        data["interview_id"] = interview.id
        data["withheld"] = bool(data.get("withheld"))
        rows.append([safe_cell(flat(data.get(c))) for c in FILE_COLUMNS])
    return rows


async def files_csv_chunks(db: Database, selection: ExportFilter) -> AsyncIterator[str]:
    """Each file sent as an answer, one row each, with its metadata and transcript; a file of
    a withheld answer says only that it is withheld."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FILE_COLUMNS)
    files: dict[str, list[Media]] = {}
    async for interview, _respondent, _answers in iter_interviews(db, selection, files=files):
        writer.writerows(_file_rows(interview, files.get(interview.id, ()), selection))
        if buffer.tell() > 64 * 1024:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


async def write_zip(db: Database, selection: ExportFilter, media_root: Any, target: Any) -> int:
    """A ZIP of the JSON export (interviews.json), the files list (files.csv) and the files
    themselves under files/<interview id>/ (the JSON's `path`). A withheld answer's file is
    never included; a file no longer on disk is left out (its row stays). Returns how many
    files went in. `target` is a seekable binary file."""
    import asyncio
    import zipfile

    from storage.media_repo import resolve

    included = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("interviews.json", "w") as handle:
            async for chunk in json_chunks(db, selection):
                handle.write(chunk.encode("utf-8"))
        with archive.open("files.csv", "w") as handle:
            handle.write("\ufeff".encode())
            async for chunk in files_csv_chunks(db, selection):
                handle.write(chunk.encode("utf-8"))
        files: dict[str, list[Media]] = {}
        async for interview, _respondent, _answers in iter_interviews(db, selection, files=files):
            hidden = (
                frozenset() if selection.full or attributable(interview) else selection.personal
            )
            for media in files.get(interview.id, ()):
                if withheld_file(media, hidden):
                    continue
                path = resolve(media_root, media.path)
                if path is None or not path.is_file():
                    continue
                await asyncio.to_thread(archive.write, path, zip_path(media), zipfile.ZIP_STORED)
                included += 1
    return included


#: what XML 1.0, so an XLSX file, cannot hold: openpyxl's own list misses U+FFFE and U+FFFF,
#: and one answer containing them made the whole workbook unreadable
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, str):
        value = _NOT_XML.sub("\ufffd", value)
        if len(value) > 32767:
            return value[:32766] + "…"
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


# ---------------------------------------------------------------- contributions from X

CONTRIBUTION_COLUMNS = [
    "source",
    "lead_id",
    "tweet_id",
    "link",
    "author_username",
    "author_name",
    "text",
    "language",
    "posted_at",
    "tags_en",
    "tags_cy",
    "quotes",
    "note",
    "lead_status",
    "interview_id",
    "marked_by",
    "marked_at",
]


def contribution_json(item: Contribution) -> dict[str, Any]:
    """A tweet marked as a contribution. Tweets are public posts, so author and link are
    kept as X shows them; `source` is always "x" so they are never mistaken for interviews."""
    lead = item.lead
    return {
        "source": "x",
        "public": True,
        "lead_id": lead.id,
        "tweet_id": lead.tweet_id,
        "link": lead.link,
        "author": {"id": lead.author_id, "username": lead.username, "name": lead.name},
        "text": lead.text,
        "language": lead.lang,
        "posted_at": iso(lead.tweet_created_at),
        "tags": [{"en": t.label_en, "cy": t.label_cy} for t in item.tags],
        "quotes": [
            {
                "passage": quote.text,
                "start": quote.start,
                "end": quote.end,
                "tags": [{"en": t.label_en, "cy": t.label_cy} for t in tags],
            }
            for quote, tags in item.quotes
        ],
        "note": lead.note,
        "lead_status": lead.status,
        "interview_id": lead.interview_id,
        "marked_by": lead.contribution_by,
        "marked_at": iso(lead.contribution_at),
    }


def contribution_row(item: Contribution) -> list[Any]:
    data = contribution_json(item)
    quotes = " | ".join(
        q["passage"] + (f" [{', '.join(t['en'] for t in q['tags'])}]" if q["tags"] else "")
        for q in data["quotes"]
    )
    values = [
        data["source"],
        data["lead_id"],
        data["tweet_id"],
        data["link"],
        data["author"]["username"],
        data["author"]["name"],
        data["text"],
        data["language"],
        data["posted_at"],
        "; ".join(t["en"] for t in data["tags"]),
        "; ".join(t["cy"] for t in data["tags"] if t["cy"]),
        quotes,
        data["note"],
        data["lead_status"],
        data["interview_id"],
        data["marked_by"],
        data["marked_at"],
    ]
    return [safe_cell(v) for v in values]


async def contributions_json_chunks(
    db: Database, filters: ContributionFilters
) -> AsyncIterator[str]:
    """A JSON array of contributions, one per line, produced a batch at a time."""
    yield "["
    first = True
    async for batch in contribution_repo.stream(db, filters):
        for item in batch:
            yield ("\n" if first else ",\n") + json.dumps(
                contribution_json(item), ensure_ascii=False
            )
            first = False
    yield "\n]\n"


async def contributions_csv_chunks(
    db: Database, filters: ContributionFilters
) -> AsyncIterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CONTRIBUTION_COLUMNS)
    async for batch in contribution_repo.stream(db, filters):
        for item in batch:
            writer.writerow(contribution_row(item))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()
