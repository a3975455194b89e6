"""Check Bot API requests against the machine-readable spec, as strictly as Telegram does.

The spec (PaulSonOfLars/telegram-bot-api-spec, scraped from core.telegram.org) gives method names,
fields, types and required flags; limits, enums and either/or rules live only in the prose, so they
are parsed from the descriptions here. Every violation is one readable string naming the path, e.g.
``sendMessage.reply_markup.inline_keyboard[0][0].callback_data: 80 bytes, outside 1-64``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.sandbox.tghtml import HtmlParseError, parse_html, utf16_len

SPEC_FILE = "telegram-bot-api-10.1.json"
PARSE_MODES = ("HTML", "MarkdownV2", "Markdown")

_LIMIT_RE = re.compile(r"(\d+)-(\d+) (characters|bytes)")
_VALUES_RE = re.compile(r"Values between (\d+)-(\d+)")
_AFTER_PARSING_RE = re.compile(r"after entit(?:y|ies) parsing")
_REQUIRED_IF_RE = re.compile(
    r"[Rr]equired if (\w+)(?: and (\w+))? (?:is|are) not specified|"
    r"required if (\w+) isn't specified"
)
_MUST_BE_RE = re.compile(r"must be (?:\*)?([a-z_]+)")
_ONE_OF_RE = re.compile(r"Must be one of ((?:\"[^\"]+\"[^\"]*)+)")
_NUMERIC_RE = re.compile(r"-?\d+")


def default_spec_path() -> Path:
    """The shared copy next to the repo (../shared/specs) if present, else the packaged copy."""
    repo_root = Path(__file__).resolve().parents[2]
    shared = repo_root.parent / "shared" / "specs" / SPEC_FILE
    return shared if shared.is_file() else Path(__file__).with_name(SPEC_FILE)


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request (the only thing that satisfies an ``InputFile`` field)."""

    filename: str
    content_type: str
    data: bytes


@dataclass
class Violation:
    """One reason Telegram would refuse the request; ``telegram`` is its own wording if known."""

    path: str
    problem: str
    telegram: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.problem}"


@dataclass
class CheckResult:
    """Decoded parameters and every violation found (empty means Telegram would accept it)."""

    method: str
    params: dict[str, Any]
    violations: list[Violation] = field(default_factory=list)
    known_method: bool = True


class SpecChecker:
    """Decodes PTB-style parameters by the spec's types; reports what Telegram would refuse."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_spec_path()
        data = json.loads(self.path.read_text(encoding="utf-8"))
        self.version: str = data.get("version", "")
        self.methods: dict[str, dict[str, Any]] = data["methods"]
        self.types: dict[str, dict[str, Any]] = data["types"]
        self._lower_methods = {name.lower(): name for name in self.methods}

    # -- decoding ---------------------------------------------------------------------------
    def canonical_method(self, name: str) -> str | None:
        """Telegram matches method names case-insensitively."""
        return self._lower_methods.get(name.lower())

    def decode(self, method: str, raw: dict[str, Any], *, form: bool) -> CheckResult:
        """Decode form values (strings raw, everything else JSON) and check the whole request."""
        canonical = self.canonical_method(method)
        if canonical is None:
            return CheckResult(
                method, dict(raw), [Violation(method, "unknown method", "method not found")], False
            )
        fields = {f["name"]: f for f in self.methods[canonical].get("fields", [])}
        params: dict[str, Any] = {}
        violations: list[Violation] = []
        for name, value in raw.items():
            spec = fields.get(name)
            if spec is None:
                violations.append(Violation(f"{canonical}.{name}", "unknown field"))
                params[name] = value
                continue
            decoded, problem = self._decode_value(value, spec["types"]) if form else (value, None)
            if problem:
                violations.append(Violation(f"{canonical}.{name}", problem))
            params[name] = decoded
        result = CheckResult(canonical, params, violations)
        if not violations:
            result.violations.extend(self.check(canonical, params))
        return result

    @staticmethod
    def _decode_value(value: Any, types: list[str]) -> tuple[Any, str | None]:
        """PTB sends ``str`` values raw and json-encodes everything else."""
        if not isinstance(value, str):
            return value, None
        if "String" in types:
            if "Integer" in types and _NUMERIC_RE.fullmatch(value):
                return int(value), None
            return value, None
        try:
            return json.loads(value), None
        except ValueError:
            return value, f"can't parse {value[:40]!r} as {' or '.join(types)}"

    # -- checking ---------------------------------------------------------------------------
    def check(self, method: str, params: dict[str, Any]) -> list[Violation]:
        """Check already-decoded parameters (JSON bodies, or after ``decode``)."""
        spec = self.methods.get(method)
        if spec is None:
            return [Violation(method, "unknown method", "method not found")]
        return self._check_fields(method, spec.get("fields", []), params)

    def _check_fields(
        self, path: str, fields: list[dict[str, Any]], obj: dict[str, Any]
    ) -> list[Violation]:
        out: list[Violation] = []
        by_name = {f["name"]: f for f in fields}
        for key in obj:
            if key not in by_name:
                out.append(Violation(f"{path}.{key}", "unknown field"))
        for f in fields:
            name = f["name"]
            where = f"{path}.{name}"
            if name not in obj or obj[name] is None:
                if f["required"] or self._conditionally_required(f, obj):
                    out.append(Violation(where, "required field missing", f"{name} is empty"))
                continue
            value = obj[name]
            type_problems = self._check_type(where, value, f["types"])
            out.extend(type_problems)
            if not type_problems:
                out.extend(self._check_description(where, f, value, obj))
        return out

    @staticmethod
    def _conditionally_required(f: dict[str, Any], obj: dict[str, Any]) -> bool:
        match = _REQUIRED_IF_RE.search(f["description"])
        if match is None:
            return False
        others = [g for g in match.groups() if g]
        return not any(obj.get(o) is not None for o in others)

    def _check_type(self, path: str, value: Any, types: list[str]) -> list[Violation]:
        """Accept if any listed type fits; else report the closest structural fit, if any."""
        shaped: list[list[Violation]] = []
        for t in types:
            problems = self._check_one(path, value, t)
            if not problems:
                return []
            top = problems[0]
            if not (len(problems) == 1 and top.path == path and top.problem.startswith("expected")):
                shaped.append(problems)
        if shaped:
            return min(shaped, key=len)
        return [Violation(path, f"expected {' or '.join(types)}, got {_describe(value)}")]

    def _check_one(self, path: str, value: Any, type_name: str) -> list[Violation]:
        if type_name.startswith("Array of "):
            if not isinstance(value, list):
                return [Violation(path, f"expected {type_name}, got {_describe(value)}")]
            inner = type_name.removeprefix("Array of ")
            out: list[Violation] = []
            for index, item in enumerate(value):
                out.extend(self._check_type(f"{path}[{index}]", item, [inner]))
            return out
        simple = {
            "Integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
            "Float": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
            "Boolean": lambda v: isinstance(v, bool),
            "String": lambda v: isinstance(v, str),
            "InputFile": lambda v: (
                isinstance(v, UploadedFile) or (isinstance(v, str) and v.startswith("attach://"))
            ),
        }
        if type_name in simple:
            ok = simple[type_name](value)
            return [] if ok else [Violation(path, f"expected {type_name}, got {_describe(value)}")]
        spec = self.types.get(type_name)
        if spec is None:
            return [Violation(path, f"unknown type {type_name} in spec")]
        if not isinstance(value, dict):
            return [Violation(path, f"expected {type_name}, got {_describe(value)}")]
        if spec.get("subtypes"):
            return self._check_union(path, value, type_name, spec["subtypes"])
        return self._check_fields(path, spec.get("fields", []), value)

    def _check_union(
        self, path: str, value: dict[str, Any], name: str, subtypes: list[str]
    ) -> list[Violation]:
        """Pick the subtype by its ``type``/``source``/``status`` discriminator, else best fit."""
        results: list[list[Violation]] = []
        for sub in subtypes:
            sub_spec = self.types.get(sub, {})
            discriminators = {
                f["name"]: m.group(1)
                for f in sub_spec.get("fields", [])
                if f["name"] in ("type", "source", "status")
                and (m := _MUST_BE_RE.search(f["description"]))
            }
            if discriminators and any(value.get(k) != v for k, v in discriminators.items()):
                continue
            problems = self._check_one(path, value, sub)
            if not problems:
                return []
            results.append(problems)
        if not results:
            return [Violation(path, f"matches no {name} subtype ({', '.join(subtypes)})")]
        return min(results, key=len)

    def _check_description(
        self, path: str, f: dict[str, Any], value: Any, parent: dict[str, Any]
    ) -> list[Violation]:
        description: str = f["description"]
        name: str = f["name"]
        out: list[Violation] = []
        if name == "parse_mode" or name.endswith("_parse_mode"):
            if value not in PARSE_MODES and value != "":
                out.append(
                    Violation(
                        path,
                        f"{value!r} is not one of {', '.join(PARSE_MODES)}",
                        f"unsupported parse_mode {value!r}",
                    )
                )
            return out
        enum = _ONE_OF_RE.search(description)
        if enum and isinstance(value, str):
            allowed = re.findall(r'"([^"]+)"', enum.group(1))
            if allowed and value not in allowed:
                out.append(Violation(path, f"{value!r} is not one of {', '.join(allowed)}"))
        if isinstance(value, int) and not isinstance(value, bool):
            vb = _VALUES_RE.search(description)
            if vb and not int(vb.group(1)) <= value <= int(vb.group(2)):
                out.append(Violation(path, f"{value} outside {vb.group(1)}-{vb.group(2)}"))
        if not isinstance(value, str):
            return out
        if name == "secret_token" and not re.fullmatch(r"[A-Za-z0-9_-]*", value):
            out.append(
                Violation(
                    path,
                    "only A-Z, a-z, 0-9, _ and - are allowed",
                    "secret token contains unallowed characters",
                )
            )
        limit = _LIMIT_RE.search(description)
        after_parsing = _AFTER_PARSING_RE.search(description) is not None
        counted = value
        if after_parsing:
            mode = parent.get(f"{name}_parse_mode") or parent.get(
                "quote_parse_mode" if name == "quote" else "parse_mode"
            )
            if mode == "HTML":
                try:
                    counted = parse_html(value).text
                except HtmlParseError as exc:
                    return [
                        Violation(path, f"can't parse HTML: {exc}", f"can't parse entities: {exc}")
                    ]
            if limit and limit.group(1) != "0" and not counted.strip():
                empty = "message text is empty" if name == "text" else f"{name} is empty"
                return [Violation(path, "empty after entity parsing", empty)]
        if limit is None:
            return out
        low, high, unit = int(limit.group(1)), int(limit.group(2)), limit.group(3)
        if unit == "bytes":
            size, what = len(counted.encode("utf-8")), "bytes"
        else:
            size, what = utf16_len(counted.strip() if after_parsing else counted), "characters"
        if not low <= size <= high:
            telegram = None
            if name == "callback_data":
                telegram = "BUTTON_DATA_INVALID"
            elif path.endswith(("sendMessage.text", "editMessageText.text")) and size > high:
                telegram = "message is too long"
            out.append(Violation(path, f"{size} {what}, outside {low}-{high}", telegram))
        return out


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "Float"
    if isinstance(value, str):
        return f"String {value[:30]!r}"
    if isinstance(value, list):
        return "Array"
    if isinstance(value, UploadedFile):
        return "InputFile"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
