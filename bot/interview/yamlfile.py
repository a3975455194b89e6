"""Reading YAML with line numbers, so every complaint about a file can say `file:line: message`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

M = TypeVar("M", bound=BaseModel)
Loc = Sequence[str | int]


class QuestionnaireError(Exception):
    """A questionnaire or language file that cannot be used; `errors` are file:line."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class Document:
    """A parsed YAML file plus the means to turn a path inside it into a line number."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data

    def line(self, loc: Loc) -> int:
        """1-based line of the deepest node of `loc` that exists (its key, for mapping entries)."""
        node = self.data
        line = 0
        for part in loc:
            if isinstance(node, CommentedMap) and part in node:
                line = node.lc.key(part)[0]
                node = node[part]
            elif isinstance(node, CommentedSeq) and isinstance(part, int) and part < len(node):
                line = node.lc.item(part)[0]
                node = node[part]
            else:
                break
        return line + 1

    def error(self, loc: Loc, message: str) -> str:
        return f"{self.path}:{self.line(loc)}: {message}"


def read(path: Path) -> tuple[Document | None, list[str]]:
    """Parse a YAML file (duplicate keys are errors); never raises for a bad file."""
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        return None, [f"{path}:1: cannot read file: {exc.strerror or exc}"]
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        return None, [f"{path}:{line}: {problem}"]
    except Exception as exc:  # ruamel raises a few unmarked errors too
        return None, [f"{path}:1: invalid YAML: {exc}"]
    if not isinstance(data, CommentedMap):
        return None, [f"{path}:1: expected a mapping at the top of the file"]
    return Document(path, data), []


def validate(doc: Document, model: type[M]) -> tuple[M | None, list[str]]:
    """Validate a document against a pydantic model, mapping each error to its line."""
    try:
        return model.model_validate(plain(doc.data)), []
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            loc = [p for p in err["loc"] if isinstance(p, str | int)]
            where = ".".join(str(p) for p in loc) or "(top)"
            if err["type"] == "extra_forbidden":
                message = f"unknown field '{loc[-1]}'"
            elif err["type"] == "missing":
                message = f"missing field '{loc[-1]}'"
            else:
                message = f"{where}: {err['msg']}"
            errors.append(doc.error(loc, message))
        return None, errors


def plain(node: Any) -> Any:
    """ruamel's round-trip containers as plain dicts and lists (pydantic wants those)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def round_trip() -> YAML:
    """A YAML instance that rewrites files keeping comments, order and quoting."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml
