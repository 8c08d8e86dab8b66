"""A loopback server standing in for every source of a nightly run.

It serves the recordings in ``tests/files/nightly/`` as the real services do:

- Find a Tender ``/api/1.0/ocdsReleasePackages?updatedFrom=&updatedTo=&limit=&cursor=`` and
  Contracts Finder ``/Published/Notices/OCDS/Search?publishedFrom=&publishedTo=&...``: OCDS
  release packages of the releases whose ``date`` falls in the window, ``PAGE_SIZE`` a page,
  with ``links.next`` carrying a ``cursor`` until the last page;
- an RSS 2.0 feed and an Atom feed whose items link to article pages on the same server;
- ``robots.txt`` allowing everything.

Tests change it between runs: ``add_later()`` publishes the ``later`` releases and feed item,
``fail_prefix`` makes a source answer 500, ``hold(prefix)`` parks one request until the test
has done something (such as SIGKILL the crawler) and released it.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

FILES = Path(__file__).resolve().parents[1] / "files" / "nightly"
PLACEHOLDER = "http://mirror.invalid"
PAGE_SIZE = 2
API = {
    "/api/1.0/ocdsReleasePackages": ("fts", "updatedFrom", "updatedTo"),
    "/Published/Notices/OCDS/Search": ("contracts_finder", "publishedFrom", "publishedTo"),
}
FEEDS = {
    "/feeds/health-justice.rss": ("feed_rss2.xml", "application/rss+xml; charset=utf-8"),
    "/feeds/secure-environments.atom": ("feed_atom.xml", "application/atom+xml; charset=utf-8"),
}


def _load(name: str) -> dict:
    return json.loads((FILES / name).read_text(encoding="utf-8"))


class Mirror:
    """The mirror's state; ``start()`` serves it on 127.0.0.1 in a background thread."""

    def __init__(self):
        self.recorded = {"fts": _load("fts_releases.json"), "contracts_finder": _load("cf_releases.json")}
        self.releases = {name: list(rec["initial"]) for name, rec in self.recorded.items()}
        self.later_published = False
        self.fail_prefixes: set[str] = set()
        self.requests: list[str] = []
        self.user_agents: set[str] = set()
        self._hold_prefix: str | None = None
        self.held = threading.Event()      # set when the held request arrived
        self.release_hold = threading.Event()
        self._server: ThreadingHTTPServer | None = None

    # -- control ---------------------------------------------------------------------------
    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add_later(self) -> None:
        for name, rec in self.recorded.items():
            self.releases[name] += rec["later"]
        self.later_published = True

    def hold(self, prefix: str) -> None:
        self._hold_prefix = prefix
        self.held.clear()
        self.release_hold.clear()

    def unhold(self) -> None:
        self._hold_prefix = None
        self.release_hold.set()

    def start(self) -> "Mirror":
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                mirror._handle(self)

            def log_message(self, *args):  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self.unhold()
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    # -- serving ---------------------------------------------------------------------------
    def _handle(self, req: BaseHTTPRequestHandler) -> None:
        url = urlsplit(req.path)
        self.requests.append(req.path)
        self.user_agents.add(req.headers.get("User-Agent", ""))
        if self._hold_prefix and url.path.startswith(self._hold_prefix):
            self.held.set()
            self.release_hold.wait(30)
        if any(url.path.startswith(p) for p in self.fail_prefixes):
            return self._send(req, 500, b"<h1>Internal Server Error</h1>", "text/html")
        if url.path == "/robots.txt":
            return self._send(req, 200, b"User-agent: *\nAllow: /\n", "text/plain")
        if url.path in API:
            return self._package(req, url, *API[url.path])
        if url.path in FEEDS:
            name, ctype = FEEDS[url.path]
            text = (FILES / name).read_text(encoding="utf-8")
            if self.later_published:
                text = text.replace("<!--LATER-->", (FILES / "feed_rss2_later_item.xml").read_text(encoding="utf-8"))
            return self._send(req, 200, text.replace(PLACEHOLDER, self.base).encode(), ctype)
        if url.path.startswith("/news/") and url.path.endswith(".html"):
            page = FILES / f"article_{url.path[len('/news/'):-len('.html')]}.html"
            if page.is_file():
                text = page.read_text(encoding="utf-8").replace(PLACEHOLDER, self.base)
                return self._send(req, 200, text.encode(), "text/html; charset=utf-8")
        return self._send(req, 404, b"not found", "text/plain")

    def _package(self, req, url, source: str, from_param: str, to_param: str) -> None:
        q = {k: v[0] for k, v in parse_qs(url.query).items()}
        start, end = q.get(from_param, ""), q.get(to_param, "~")
        # Windows compare as ISO strings: "2026-11-18T00:00:00" <= "2026-11-18T09:05:00Z" < "2026-11-19..."
        matching = [r for r in self.releases[source] if start <= r["date"] < end]
        offset = int(q.get("cursor") or 0)
        page = matching[offset:offset + PAGE_SIZE]
        package = {
            "uri": f"{self.base}{req.path}",
            "version": "1.1",
            "publishedDate": "2026-11-20T06:00:00Z",
            "publisher": {"name": "Cabinet Office", "scheme": "GB-GOR", "uid": "D2"},
            "license": "http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
            "publicationPolicy": "https://www.gov.uk/government/publications/open-contracting",
            "releases": page,
        }
        if offset + PAGE_SIZE < len(matching):
            nxt = {**q, "cursor": str(offset + PAGE_SIZE)}
            package["links"] = {"next": f"{self.base}{url.path}?{urlencode(nxt)}"}
        self._send(req, 200, json.dumps(package).encode(), "application/json")

    @staticmethod
    def _send(req, status: int, body: bytes, ctype: str) -> None:
        try:
            req.send_response(status)
            req.send_header("Content-Type", ctype)
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):  # the crawler was killed mid-request
            pass
