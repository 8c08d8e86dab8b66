"""Helpers for the notice-spider tests: recorded pages as Scrapy responses, spiders without a
running crawl, and a loopback mirror of the two OCDS APIs (pytest-httpserver)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qs

from scrapy import Request
from scrapy.http import TextResponse
from scrapy.utils.test import get_crawler

FILES = Path(__file__).resolve().parents[1] / "files" / "ocds"
FTS_PATH = "/api/1.0/ocdsReleasePackages"
CF_PATH = "/Published/Notices/OCDS/Search"


def recording(name: str) -> bytes:
    return (FILES / name).read_bytes()


def make_spider(spidercls, settings: dict | None = None, **kwargs):
    """A spider configured from ``settings`` (no database unless HJWATCH_DB is given)."""
    base = {
        "HJWATCH_SOURCES": {spidercls.name: {"base_url": "http://mirror.test"}},
        "HJWATCH_SINCE": "2025-03-03",
        "HJWATCH_UNTIL": "2025-03-06T00:00:00",
    }
    base.update(settings or {})
    crawler = get_crawler(spidercls, base)
    crawler.spider = spidercls.from_crawler(crawler, **kwargs)
    return crawler.spider


def file_response(spider, name: str | None, *, window: int = 0, page: int = 1, cursor: str | None = None,
                  body: bytes | None = None, status: int = 200, headers: dict | None = None, meta: dict | None = None):
    """The response the spider would get for window/page, with a recorded body."""
    request = spider.page_request(window, page, cursor)
    if meta:
        request = request.replace(meta={**request.meta, **meta})
    data = recording(name) if name else body
    return TextResponse(url=request.url, request=request, body=data, status=status,
                        headers=headers or {"Content-Type": "application/json"}, encoding="utf-8")


def split(results):
    """(RawDocument items, cursor dicts, requests) from a callback's output, in order."""
    from hjwatch.spiders.items import RawDocument

    items, cursors, requests, order = [], [], [], []
    for r in results:
        if isinstance(r, RawDocument):
            items.append(r)
            order.append("item")
        elif isinstance(r, dict) and "_cursor" in r:
            cursors.append(r["_cursor"])
            order.append("cursor")
        elif isinstance(r, Request):
            requests.append(r)
            order.append("request")
    return items, cursors, requests, order


# ---------------------------------------------------------------------------------------------
# Loopback mirror


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    headers: dict = field(default_factory=dict)
    content_type: str = "application/json"


class Mirror:
    """Routes (window start date, cursor) to a list of replies; the last reply repeats.

    ``hold`` makes one route block until released, to kill a crawl mid-way.
    """

    def __init__(self, httpserver, path: str, from_param: str):
        self.httpserver = httpserver
        self.path = path
        self.from_param = from_param
        self.routes: dict[tuple[str, str | None], list[Reply]] = {}
        self.requests: list[dict] = []
        self.hold_route: tuple[str, str | None] | None = None
        self.reached = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        httpserver.expect_request(path).respond_with_handler(self.handle)

    def add(self, day: str, cursor: str | None, *replies: Reply) -> None:
        self.routes[(day, cursor)] = list(replies)

    def page(self, day: str, cursor: str | None, name: str, content_type: str = "application/json") -> None:
        self.add(day, cursor, Reply(recording(name), content_type=content_type))

    def handle(self, request):
        from werkzeug.wrappers import Response

        query = {k: v[0] for k, v in parse_qs(request.query_string.decode()).items()}
        day = query.get(self.from_param, "")[:10]
        cursor = query.get("cursor")
        with self.lock:
            self.requests.append({**query, "_ua": request.headers.get("User-Agent", "")})
        key = (day, cursor)
        if key == self.hold_route:
            self.reached.set()
            self.release.wait(30)
        with self.lock:
            replies = self.routes.get(key)
            if not replies:
                return Response(b'{"releases": []}', status=200, content_type="application/json")
            reply = replies.pop(0) if len(replies) > 1 else replies[0]
        return Response(reply.body, status=reply.status, headers=reply.headers, content_type=reply.content_type)

    def days_requested(self) -> list[str]:
        return [r.get(self.from_param, "")[:10] for r in self.requests]


def write_config(tmp_path: Path, sources: dict[str, dict], *, since: str, until: str, extra_scrapy: str = "") -> Path:
    lines = []
    for name, table in sources.items():
        lines.append(f"[sources.{name}]")
        for k, v in table.items():
            lines.append(f"{k} = {json.dumps(v)}")
    lines += [
        "[crawl]", f'since = "{since}"', 'user_agent = "hjwatch-test/1 (+https://example.org/hjwatch)"',
        "[scrapy]",
        # A local mirror: no politeness delays, waits capped at about a second.
        "DOWNLOAD_DELAY = 0", "AUTOTHROTTLE_ENABLED = false", "HJWATCH_MAX_WAIT = 1",
        f'HJWATCH_UNTIL = "{until}"', 'LOG_LEVEL = "INFO"',
    ]
    if extra_scrapy:
        lines.append(extra_scrapy)
    path = tmp_path / "hjwatch.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def hjwatch(*args: str, cwd: Path, timeout: float = 60, popen: bool = False):
    """Run the real CLI in a subprocess (Scrapy's reactor cannot restart in-process)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop("HJWATCH_DB", None)
    env.pop("HJWATCH_CONFIG", None)
    cmd = [sys.executable, "-m", "hjwatch.cli", *args]
    if popen:
        # Files, not pipes: a child blocked on a full pipe would never reach the point to kill it at.
        out = open(cwd / "popen.stdout", "w")
        err = open(cwd / "popen.stderr", "w")
        return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err, text=True)
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


def stored(db_path: Path) -> dict:
    """What the database holds: documents by (source, key), notices by ocid, cursors."""
    import sqlite3

    con = sqlite3.connect(db_path)
    try:
        docs = con.execute("SELECT source, key, revision, title, url FROM documents ORDER BY id").fetchall()
        notices = con.execute("SELECT ocid, release_id FROM notices ORDER BY id").fetchall()
        cursors = dict(con.execute("SELECT source, value FROM cursors").fetchall())
    finally:
        con.close()
    return {"docs": docs, "notices": notices, "cursors": cursors}


def document(db_path: Path, key_like: str) -> dict:
    """One stored document through the db API (body, text and title), found by its key."""
    from hjwatch import db as hjdb

    database = hjdb.open_db(str(db_path))
    try:
        row = database.execute("SELECT id FROM documents WHERE key LIKE ?", [key_like]).fetchone()
        doc = hjdb.get_document(database, row[0])
    finally:
        database.close()
    body = doc["body"]
    doc["body"] = body if isinstance(body, bytes) else str(body).encode("utf-8")
    return doc


def runs(db_path: Path) -> list[dict]:
    """The run records (oldest first), JSON columns decoded."""
    import sqlite3

    con = sqlite3.connect(db_path)
    con.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in con.execute("SELECT command, status, per_source, errors FROM runs ORDER BY id")]
    finally:
        con.close()
    for row in rows:
        row["per_source"] = json.loads(row["per_source"] or "{}")
        row["errors"] = json.loads(row["errors"] or "[]")
    return rows
