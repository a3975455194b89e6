"""A fake X API v2 (aiohttp, real HTTP on 127.0.0.1) that checks every request against the spec.

It serves the four operations the mention monitor uses, from the OpenAPI 2.159 extract in
`x_api_spec.json` (generated from /work/shared/specs): path, method, query parameter names,
enums, patterns and ranges, the auth header kind each operation's `security` allows
(app-only `Bearer` vs OAuth 1.0a `OAuth`), and the POST /2/tweets body schema. Anything off
is appended to `violations`, which tests assert empty.

Mentions are served newest-first with `meta` and `includes.users`, honouring since_id,
until_id, start_time, max_results and pagination_token. Faults are queued per operation:
"429" (with x-rate-limit-reset = now + `reset_in`), "429-noreset", "503", "503-html",
"malformed" (200 with a truncated JSON body), "usage-capped"; `duplicate_across_pages`
repeats the last tweet of each page at the top of the next.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

SPEC = json.loads((Path(__file__).with_name("x_api_spec.json")).read_text())
OPS = SPEC["operations"]
_URL = re.compile(r"https?://\S+")


def _snowflake(moment: datetime) -> int:
    return (int(moment.timestamp() * 1000) - 1288834974657) << 22


def schema_errors(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """The subset of JSON Schema the X spec uses for these operations."""
    errors: list[str] = []
    kind = schema.get("type")
    types: dict[str, type | tuple[type, ...]] = {
        "object": dict,
        "array": list,
        "string": str,
        "integer": int,
        "boolean": bool,
        "number": (int, float),
    }
    if (kind and not isinstance(value, types[kind])) or (
        kind == "integer" and isinstance(value, bool)
    ):
        return [f"{where}: expected {kind}, got {type(value).__name__}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{where}: {value!r} not in enum")
    if isinstance(value, str):
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append(f"{where}: {value!r} does not match {schema['pattern']}")
        if len(value) < schema.get("minLength", 0):
            errors.append(f"{where}: shorter than {schema['minLength']}")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append(f"{where}: longer than {schema['maxLength']}")
        if schema.get("format") == "date-time":
            try:
                datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                errors.append(f"{where}: {value!r} is not a date-time")
    if isinstance(value, int) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{where}: {value} < {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{where}: {value} > {schema['maximum']}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{where}: fewer than {schema['minItems']} items")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            errors.append(f"{where}: more than {schema['maxItems']} items")
        if schema.get("uniqueItems") and len(set(map(str, value))) != len(value):
            errors.append(f"{where}: items not unique")
        for i, item in enumerate(value):
            errors += schema_errors(item, schema.get("items", {}), f"{where}[{i}]")
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", []):
            if name not in value:
                errors.append(f"{where}: missing {name}")
        for name, item in value.items():
            if name in props:
                errors += schema_errors(item, props[name], f"{where}.{name}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{where}: unexpected property {name}")
    return errors


def x_weighted_length(text: str) -> int:
    """X's count, simplified: URLs 23, everything else one per code point (CJK/emoji 2)."""
    rest = _URL.sub("", text)
    return 23 * len(_URL.findall(text)) + sum(1 if ord(c) <= 0x10FF else 2 for c in rest)


@dataclass
class FakeXApi:
    """State and handlers of the fake; start it with `async with FakeXApi() as x:`."""

    account_id: str = "1500000000000000001"
    account_username: str = "cdps_cymru"
    bearer_is_user_token: bool = False
    reset_in: float = 1.0
    duplicate_across_pages: bool = False
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    tweets: list[dict[str, Any]] = field(default_factory=list)
    faults: dict[str, list[str]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    created: list[dict[str, Any]] = field(default_factory=list)
    _next_id: int = field(default_factory=lambda: _snowflake(datetime.now(UTC)))
    _runner: web.AppRunner | None = None
    url: str = ""

    # ------------------------------------------------------------ server

    async def __aenter__(self) -> FakeXApi:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"
        self.users.setdefault(
            self.account_id,
            {"id": self.account_id, "username": self.account_username, "name": "CDPS"},
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------ test helpers

    def add_user(self, username: str, **fields: Any) -> str:
        uid = str(2_000_000 + len(self.users))
        self.users[uid] = {"id": uid, "username": username, "name": username.title(), **fields}
        return uid

    def mention(self, text: str, *, author: str, **fields: Any) -> str:
        """Add a mention of the account by user id `author`; returns its tweet id."""
        self._next_id += 1 << 22  # a millisecond later
        tid = str(self._next_id)
        tweet = {
            "id": tid,
            "text": text if "@" in text else f"@{self.account_username} {text}",
            "author_id": author,
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "conversation_id": tid,
            "lang": fields.pop("lang", "en"),
            "edit_history_tweet_ids": [tid],
            **fields,
        }
        self.tweets.append(tweet)
        return tid

    def fail(self, operation: str, *kinds: str) -> None:
        """Queue faults for `operation` (mentions, tweets, me, by_username)."""
        self.faults.setdefault(operation, []).extend(kinds)

    def calls(self, operation: str) -> list[dict[str, Any]]:
        return [r for r in self.requests if r["operation"] == operation]

    # ------------------------------------------------------------ plumbing

    def _rate_headers(self) -> dict[str, str]:
        return {
            "x-rate-limit-limit": "300",
            "x-rate-limit-remaining": str(max(0, 300 - len(self.requests))),
            "x-rate-limit-reset": str(int(time.time()) + 900),
        }

    def _problem(self, status: int, title: str, ptype: str = "about:blank") -> web.Response:
        body = {"title": title, "detail": title, "type": ptype, "status": status}
        assert not schema_errors(body, SPEC["problem"], "problem")
        headers = self._rate_headers()
        if status == 429:
            headers["x-rate-limit-remaining"] = "0"
            headers["x-rate-limit-reset"] = str(int(time.time() + self.reset_in))
        return web.json_response(
            body, status=status, headers=headers, content_type="application/problem+json"
        )

    def _route(self, request: web.Request) -> tuple[str, str, dict[str, str]] | None:
        path, method = request.path, request.method
        if method == "GET" and (m := re.fullmatch(r"/2/users/([^/]+)/mentions", path)):
            return "mentions", "GET /2/users/{id}/mentions", {"id": m.group(1)}
        if method == "GET" and path == "/2/users/me":
            return "me", "GET /2/users/me", {}
        if method == "GET" and (m := re.fullmatch(r"/2/users/by/username/([^/]+)", path)):
            return "by_username", "GET /2/users/by/username/{username}", {"username": m.group(1)}
        if method == "POST" and path == "/2/tweets":
            return "tweets", "POST /2/tweets", {}
        return None

    def _check_auth(self, request: web.Request, key: str) -> str | None:
        header = request.headers.get("Authorization", "")
        allowed = {next(iter(s)) for s in OPS[key]["security"]}
        if header.startswith("Bearer ") and len(header) > 7:
            kind = "OAuth2UserToken" if self.bearer_is_user_token else "BearerToken"
        elif header.startswith("OAuth ") and all(
            f"{p}=" in header for p in ("oauth_consumer_key", "oauth_token", "oauth_signature")
        ):
            kind = "UserToken"
        else:
            self.violations.append(f"{key}: no usable Authorization header")
            return None
        if kind not in allowed:
            self.violations.append(
                f"{key}: {kind} auth not allowed (spec allows {sorted(allowed)})"
            )
            return None
        return kind

    def _check_params(self, request: web.Request, key: str, path_params: dict[str, str]) -> None:
        spec = {p["name"]: p for p in OPS[key]["parameters"]}
        for name, value in path_params.items():
            self.violations += schema_errors(value, spec[name]["schema"], f"{key} path {name}")
        for name in request.query:
            if name not in spec or spec[name]["in"] != "query":
                self.violations.append(f"{key}: unknown query parameter {name}")
                continue
            if len(request.query.getall(name)) > 1:
                self.violations.append(f"{key}: {name} repeated")
            raw = request.query[name]
            schema = spec[name]["schema"]
            parsed: Any = raw
            if schema.get("type") == "array":
                parsed = raw.split(",")
            elif schema.get("type") == "integer":
                try:
                    parsed = int(raw)
                except ValueError:
                    self.violations.append(f"{key}: {name}={raw!r} is not an integer")
                    continue
            self.violations += schema_errors(parsed, schema, f"{key} query {name}")
        for name, p in spec.items():
            if p["in"] == "query" and p.get("required") and name not in request.query:
                self.violations.append(f"{key}: missing required {name}")

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        routed = self._route(request)
        if routed is None:
            self.violations.append(f"no such operation: {request.method} {request.path}")
            return self._problem(404, "Not Found")
        operation, key, path_params = routed
        self.requests.append(
            {
                "operation": operation,
                "query": dict(request.query),
                "auth": request.headers.get("Authorization", "").split(" ")[0],
            }
        )
        self._check_params(request, key, path_params)
        auth = self._check_auth(request, key)
        if auth is None:
            return self._problem(403 if request.headers.get("Authorization") else 401, "Forbidden")
        queued = self.faults.get(operation) or []
        if queued:
            fault = queued.pop(0)
            if fault == "429":
                return self._problem(429, "Too Many Requests")
            if fault == "429-noreset":
                response = self._problem(429, "Too Many Requests")
                del response.headers["x-rate-limit-reset"]
                return response
            if fault == "usage-capped":
                return self._problem(
                    429, "Usage cap exceeded", "https://api.twitter.com/2/problems/usage-capped"
                )
            if fault == "503":
                return self._problem(503, "Service Unavailable")
            if fault == "503-html":
                return web.Response(status=503, text="<html>busy</html>", content_type="text/html")
            if fault == "malformed":
                return web.Response(
                    status=200, text='{"data": [{"id": "1', content_type="application/json"
                )
        handler = getattr(self, f"_{operation}")
        answer: web.StreamResponse = await handler(request, path_params)
        return answer

    # ------------------------------------------------------------ operations

    def _user(self, uid: str, fields: list[str]) -> dict[str, Any]:
        user = self.users[uid]
        return {k: v for k, v in user.items() if k in ("id", "username", "name") or k in fields}

    async def _me(self, request: web.Request, _: dict[str, str]) -> web.Response:
        fields = request.query.get("user.fields", "").split(",")
        return web.json_response(
            {"data": self._user(self.account_id, fields)}, headers=self._rate_headers()
        )

    async def _by_username(self, request: web.Request, params: dict[str, str]) -> web.Response:
        fields = request.query.get("user.fields", "").split(",")
        for uid, user in self.users.items():
            if user["username"].lower() == params["username"].lower():
                return web.json_response(
                    {"data": self._user(uid, fields)}, headers=self._rate_headers()
                )
        return self._problem(404, "Not Found Error")

    async def _mentions(self, request: web.Request, params: dict[str, str]) -> web.Response:
        if params["id"] not in self.users:
            return self._problem(404, "Not Found Error")
        q = request.query
        rows = sorted(
            (t for t in self.tweets if f"@{self.users[params['id']]['username']}" in t["text"]),
            key=lambda t: int(t["id"]),
            reverse=True,
        )
        if "since_id" in q:
            rows = [t for t in rows if int(t["id"]) > int(q["since_id"])]
        elif "start_time" in q:
            start = datetime.fromisoformat(q["start_time"].replace("Z", "+00:00"))
            rows = [t for t in rows if int(t["id"]) > _snowflake(start)]
        if "until_id" in q:
            rows = [t for t in rows if int(t["id"]) < int(q["until_id"])]
        rows = rows[:800]
        size = int(q.get("max_results", "10"))
        offset = 0
        if "pagination_token" in q:
            token = q["pagination_token"]
            if not token.startswith("7140dibdnow9c7btw4") or not token[18:].isdigit():
                self.violations.append(f"mentions: unknown pagination_token {token!r}")
                return self._problem(400, "Invalid Request")
            offset = int(token[18:])
        page = rows[offset : offset + size]
        if self.duplicate_across_pages and offset > 0:
            page = [rows[offset - 1], *page[: size - 1]]
        if not page:
            return web.json_response({"meta": {"result_count": 0}}, headers=self._rate_headers())
        tweet_fields = set(q.get("tweet.fields", "").split(","))
        data = [
            {
                k: v
                for k, v in t.items()
                if k in ("id", "text", "edit_history_tweet_ids") or k in tweet_fields
            }
            for t in page
        ]
        meta: dict[str, Any] = {
            "result_count": len(page),
            "newest_id": page[0]["id"],
            "oldest_id": page[-1]["id"],
        }
        consumed = offset + (size if not (self.duplicate_across_pages and offset) else size - 1)
        if consumed < len(rows):
            meta["next_token"] = f"7140dibdnow9c7btw4{consumed}"
        body: dict[str, Any] = {"data": data, "meta": meta}
        if "author_id" in q.get("expansions", "").split(","):
            fields = q.get("user.fields", "").split(",")
            authors = dict.fromkeys(t["author_id"] for t in page if t["author_id"] in self.users)
            body["includes"] = {"users": [self._user(a, fields) for a in authors]}
        return web.json_response(body, headers=self._rate_headers())

    async def _tweets(self, request: web.Request, _: dict[str, str]) -> web.Response:
        try:
            body = await request.json()
        except ValueError:
            self.violations.append("tweets: body is not JSON")
            return self._problem(400, "Invalid Request")
        errors = schema_errors(body, OPS["POST /2/tweets"]["requestBody"], "tweets body")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            errors.append("tweets body: text missing or empty")
        elif x_weighted_length(text) > 280:
            errors.append(f"tweets body: text is {x_weighted_length(text)} > 280 characters")
        reply_to = (
            (body.get("reply") or {}).get("in_reply_to_tweet_id")
            if isinstance(body, dict)
            else None
        )
        target = next((t for t in self.tweets if t["id"] == reply_to), None)
        if reply_to is None or target is None:
            errors.append("tweets body: not a reply to a known tweet")
        elif f"@{self.account_username}" not in target["text"]:
            errors.append("tweets body: replying to a tweet that did not mention us")
        if errors:
            self.violations += errors
            return self._problem(400, "Invalid Request")
        self._next_id += 1 << 22
        tid = str(self._next_id)
        self.created.append({"id": tid, "text": text, "in_reply_to_tweet_id": reply_to})
        return web.json_response(
            {"data": {"id": tid, "text": text}}, status=201, headers=self._rate_headers()
        )


def now_plus(seconds: float) -> datetime:
    return datetime.now(UTC) + timedelta(seconds=seconds)
