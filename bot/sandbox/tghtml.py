"""Telegram's HTML parse mode: a parser as strict as the documented rules.

Telegram refuses a message whose HTML it cannot parse ("Bad Request: can't parse entities: ...").
A lenient fake would let such bugs through to production, so this module follows the rules on
core.telegram.org/bots/api#html-style: only the supported tags, properly nested and closed, and
every ``<``, ``>`` and ``&`` that is not part of a tag or entity escaped (only ``&lt; &gt; &amp;
&quot;`` and numeric entities exist). The result is the visible text plus a tree of formatting
nodes, which the checker uses for length limits, the emulator for ``Message.entities`` and the
simulator for safe rendering (the tree, never the raw HTML, reaches the browser).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]+));")
_TAG_NAME_RE = re.compile(r"[a-zA-Z][a-zA-Z0-9-]*")
_ATTR_RE = re.compile(
    r"\s*([a-zA-Z][a-zA-Z0-9_-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>\"']+)))?"
)

#: tag -> Telegram entity type. span and blockquote are resolved by their attributes.
_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "tg-emoji": "custom_emoji",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-time": "date_time",
}


class HtmlParseError(ValueError):
    """The text is not HTML that Telegram would accept; the message mirrors Telegram's wording."""


@dataclass
class Node:
    """A formatting element: its entity type, attributes that matter, and children (str | Node)."""

    kind: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[str | Node] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "attrs": dict(self.attrs),
            "children": [c if isinstance(c, str) else c.to_json() for c in self.children],
        }


@dataclass
class ParsedText:
    """Visible text, Telegram-style entities (UTF-16 offsets) and the node tree for rendering."""

    text: str
    entities: list[dict[str, object]]
    nodes: list[str | Node]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how Telegram counts characters and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


def _decode_entity(source: str, i: int) -> tuple[str, int]:
    match = _ENTITY_RE.match(source, i)
    if match is None:
        raise HtmlParseError(f'Unescaped "&" at byte offset {_byte_offset(source, i)}; use &amp;')
    dec, hexa, name = match.groups()
    if name is not None:
        if name not in _NAMED_ENTITIES:
            raise HtmlParseError(
                f'Unsupported HTML entity "&{name};" at byte offset {_byte_offset(source, i)}'
            )
        return _NAMED_ENTITIES[name], match.end()
    code = int(dec) if dec is not None else int(hexa, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        raise HtmlParseError(f"Invalid numeric entity at byte offset {_byte_offset(source, i)}")
    return chr(code), match.end()


def _node_for(tag: str, attrs: dict[str, str], parent: Node | None, at: int) -> Node:
    """Validate a start tag against Telegram's rules and build its node."""
    if (
        parent is not None
        and parent.kind in ("code", "pre")
        and not (parent.kind == "pre" and tag == "code")
    ):
        raise HtmlParseError(
            f'Entity "{tag}" can\'t be nested inside "{parent.kind}" (offset {at})'
        )
    if tag == "span":
        if attrs.get("class") != "tg-spoiler":
            raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {at}')
        return Node("spoiler")
    if tag == "a":
        href = attrs.get("href", "")
        if not href:
            raise HtmlParseError(f'Tag "a" must have attribute "href" at byte offset {at}')
        return Node("text_link", {"url": href})
    if tag == "tg-emoji":
        if not attrs.get("emoji-id", "").isdigit():
            raise HtmlParseError(
                f'Tag "tg-emoji" must have attribute "emoji-id" at byte offset {at}'
            )
        return Node("custom_emoji", {"custom_emoji_id": attrs["emoji-id"]})
    if tag == "tg-time":
        if not attrs.get("unix", "").isdigit():
            raise HtmlParseError(f'Tag "tg-time" must have attribute "unix" at byte offset {at}')
        return Node(
            "date_time", {"unix_time": attrs["unix"], "date_time_format": attrs.get("format", "")}
        )
    if tag == "blockquote":
        if parent is not None and _inside(parent, "blockquote"):
            raise HtmlParseError(f"Blockquotes can't be nested (byte offset {at})")
        return Node("expandable_blockquote" if "expandable" in attrs else "blockquote")
    if tag == "code" and parent is not None and parent.kind == "pre":
        lang = attrs.get("class", "")
        if lang.startswith("language-"):
            parent.attrs["language"] = lang.removeprefix("language-")
    return Node(_TAGS[tag])


def _inside(node: Node, kind: str) -> bool:
    return (
        node.kind in (kind, "expandable_blockquote") if kind == "blockquote" else node.kind == kind
    )


def parse_html(source: str) -> ParsedText:
    """Parse Telegram HTML; raise HtmlParseError with Telegram-like wording when it would fail."""
    root = Node("root")
    stack: list[tuple[str, Node]] = [("", root)]
    buf: list[str] = []

    def flush() -> None:
        if buf:
            stack[-1][1].children.append("".join(buf))
            buf.clear()

    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "&":
            decoded, i = _decode_entity(source, i)
            buf.append(decoded)
            continue
        if ch == ">":
            raise HtmlParseError(
                f'Unescaped ">" at byte offset {_byte_offset(source, i)}; use &gt;'
            )
        if ch != "<":
            buf.append(ch)
            i += 1
            continue
        at = _byte_offset(source, i)
        end = source.find(">", i)
        if end == -1:
            raise HtmlParseError(f"Unclosed start tag at byte offset {at}")
        inner = source[i + 1 : end]
        flush()
        if inner.startswith("/"):
            name = inner[1:].strip().lower()
            open_name, node = stack[-1]
            if len(stack) == 1:
                raise HtmlParseError(f'Unexpected end tag at byte offset {at}: "</{name}>"')
            if name != open_name:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {at}, expected "</{open_name}>", '
                    f'found "</{name}>"'
                )
            stack.pop()
            stack[-1][1].children.append(node)
        else:
            match = _TAG_NAME_RE.match(inner)
            name = match.group(0).lower() if match else ""
            if name not in _TAGS:
                raise HtmlParseError(f'Unsupported start tag "{name}" at byte offset {at}')
            attrs: dict[str, str] = {}
            rest = inner[len(name) :].rstrip().removesuffix("/")
            pos = 0
            while pos < len(rest.rstrip()):
                am = _ATTR_RE.match(rest, pos)
                if am is None or am.end() == pos:
                    raise HtmlParseError(f'Can\'t parse attributes of tag "{name}" at offset {at}')
                value = next((v for v in am.groups()[1:] if v is not None), "")
                attrs[am.group(1).lower()] = _unescape_attr(value)
                pos = am.end()
            stack.append(
                (name, _node_for(name, attrs, stack[-1][1] if len(stack) > 1 else None, at))
            )
        i = end + 1
    flush()
    if len(stack) > 1:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    return _finish(root.children)


def _unescape_attr(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        if value[i] == "&":
            decoded, i = _decode_entity(value, i)
            out.append(decoded)
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def plain(text: str) -> ParsedText:
    """Text without a parse mode: shown as is."""
    return ParsedText(text, [], [text] if text else [])


def _finish(nodes: list[str | Node]) -> ParsedText:
    """Flatten the tree into visible text and Telegram entities with UTF-16 offsets."""
    parts: list[str] = []
    entities: list[dict[str, object]] = []

    def walk(items: list[str | Node]) -> None:
        for item in items:
            if isinstance(item, str):
                parts.append(item)
                continue
            start = utf16_len("".join(parts))
            walk(item.children)
            length = utf16_len("".join(parts)) - start
            if length:
                entity: dict[str, object] = {"type": item.kind, "offset": start, "length": length}
                entity.update(item.attrs)
                entities.append(entity)

    walk(nodes)
    entities.sort(key=lambda e: (e["offset"], -int(str(e["length"]))))
    return ParsedText("".join(parts), entities, nodes)
