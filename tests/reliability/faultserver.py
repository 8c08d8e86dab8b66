"""A loopback HTTP server that serves a :class:`~tests.reliability.mirror.Mirror` and injects faults.

Every source kind hjwatch reads is served from one port: the Find a Tender and Contracts Finder
OCDS APIs, RSS/Atom feeds, article pages and watched index pages. A :class:`Rule` attaches one
fault to the responses that carry one document (the API page holding a release, an article, a
feed or a watched page), either for its first ``times`` requests (transient: the run should
retry and succeed) or until :meth:`FaultServer.clear` (persistent: the run loses it and a later
clean run must fill the gap). Every request is logged with the fault served, so a test knows
exactly which documents were at risk.

It is a plain ``ThreadingHTTPServer`` rather than a mock, because several faults live below HTTP:
a reset connection, a server that never answers, a body that drips in byte by byte.

Example::

    >>> from tests.reliability.mirror import Mirror
    >>> with FaultServer(Mirror.build(notices_per_source=3)) as srv:
    ...     _ = srv.add(Rule(fault="500", path=srv.mirror.feeds[0].path))
    ...     import urllib.request, urllib.error
    ...     try:
    ...         urllib.request.urlopen(srv.url(srv.mirror.feeds[0].path))
    ...     except urllib.error.HTTPError as e:
    ...         print(e.code)
    500
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from tests.reliability.mirror import API_PATHS, Mirror, dumps

# Every fault the server can inject. "transient" ones are meant to be retried within a run.
FAULTS = (
    "429_retry_after",     # 429 Too Many Requests, Retry-After: 1
    "429_no_retry_after",  # 429 with no Retry-After header
    "403_throttle",        # 403 as Contracts Finder uses it: "too many requests"
    "500", "502", "503",   # server errors (503 carries Retry-After: 1, as services do)
    "reset",               # the connection is reset (RST) after the request is read
    "timeout",             # the request is read and never answered
    "drip",                # headers at once, then the body one byte at a time, too slowly
    "truncated",           # the body cut short (JSON / XML / HTML), Content-Length consistent
    "invalid_utf8",        # bytes that are not UTF-8 in a body declared UTF-8
    "wrong_charset",       # a UTF-8 body declared ISO-8859-1 (Contracts Finder's own quirk)
    "binary",              # PNG bytes where HTML / JSON / XML was expected
    "huge",                # a 50 MB body (the real document padded with whitespace)
    "redirect_loop",       # 302 to itself, forever
    "html_error_200",      # an HTML "service unavailable" page with status 200
)
TRANSIENT = ("429_retry_after", "429_no_retry_after", "403_throttle")

HUGE_BYTES = 50 * 1024 * 1024
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x02\x00\x00\x00"
       + bytes(range(256)) * 8)
ERROR_PAGE = (
    b"<!DOCTYPE html><html><head><title>Service Unavailable</title></head><body>"
    b"<h1>Sorry, the service is unavailable</h1><p>Please try again later.</p></body></html>"
)


@dataclass
class Rule:
    """One fault on the responses for ``path`` (exact) or for the API page carrying ``key``."""

    fault: str
    path: str | None = None      # exact request path (feed, article, watched page)
    key: str | None = None       # an OCDS ocid: the API page that carries it
    times: int | None = None     # None: until cleared; N: only the first N matching requests
    hits: int = 0

    def __post_init__(self):
        if self.fault not in FAULTS:
            raise ValueError(f"unknown fault {self.fault!r}")


@dataclass
class Hit:
    """One request as the server saw it."""

    path: str
    query: dict
    fault: str | None
    keys: list[str] = field(default_factory=list)  # documents carried by the response (API pages)
    at: float = field(default_factory=time.monotonic)


class FaultServer:
    """Serve ``mirror`` on 127.0.0.1 with the rules added; use as a context manager."""

    def __init__(self, mirror: Mirror, *, timeout_sleep: float = 6.0, drip_interval: float = 0.3):
        self.mirror = mirror
        self.rules: list[Rule] = []
        self.hits: list[Hit] = []
        self.extra: dict[str, tuple[int, dict, bytes]] = {}  # path -> canned (status, headers, body)
        self.timeout_sleep = timeout_sleep
        self.drip_interval = drip_interval
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), _Handler)
        self._httpd.owner = self
        self._thread: threading.Thread | None = None

    # --- life cycle --------------------------------------------------------------------------

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> "FaultServer":
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes sleeping "timeout" and "drip" handlers
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- rules -------------------------------------------------------------------------------

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self.rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every fault: the next run sees a healthy server."""
        with self._lock:
            self.rules.clear()
        self._stop.set()  # release handlers still sleeping on a "timeout" or "drip" of the last run
        time.sleep(0.05)
        self._stop.clear()

    def faulted(self, fault: str) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.fault == fault]

    def _match(self, path: str, keys: list[str]) -> str | None:
        with self._lock:
            for rule in self.rules:
                hit = (rule.path is not None and rule.path == path) or (rule.key is not None and rule.key in keys)
                if not hit:
                    continue
                if rule.times is not None and rule.hits >= rule.times:
                    continue
                rule.hits += 1
                return rule.fault
        return None

    def _log(self, hit: Hit) -> None:
        with self._lock:
            self.hits.append(hit)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    owner: FaultServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # noqa: A002 - silence per-request stderr lines
        pass

    # --- dispatch ----------------------------------------------------------------------------

    def do_HEAD(self):  # noqa: N802
        self.do_GET()

    def do_GET(self):  # noqa: N802
        owner = self.server.owner
        split = urlsplit(self.path)
        path, query = split.path, dict(parse_qsl(split.query, keep_blank_values=True))
        try:
            status, ctype, body, keys = self._content(owner, path, query)
        except Exception as exc:  # a bug in the mirror must show up, not hang the crawl
            status, ctype, body, keys = 599, "text/plain", f"mirror error: {exc!r}".encode(), []
        fault = owner._match(path, keys) if status == 200 else None
        owner._log(Hit(path=path, query=query, fault=fault, keys=keys))
        if fault is None:
            return self._send(status, ctype, body)
        return self._fault(owner, fault, ctype, body)

    def _content(self, owner: FaultServer, path: str, query: dict) -> tuple[int, str, bytes, list[str]]:
        mirror, base = owner.mirror, owner.base
        if path in owner.extra:
            status, headers, body = owner.extra[path]
            return status, headers.get("Content-Type", "text/html; charset=utf-8"), body, []
        if path == "/robots.txt":
            return 200, "text/plain", b"User-agent: *\nAllow: /\n", []
        for source, api in API_PATHS.items():
            if path == api and source in mirror.releases:
                pkg, page = mirror.package(source, base, query)
                return 200, "application/json; charset=utf-8", dumps(pkg), [r["ocid"] for r in page]
        for feed in mirror.feeds:
            if path == feed.path:
                ctype = "application/atom+xml; charset=utf-8" if feed.flavour == "atom" else "application/rss+xml; charset=utf-8"
                return 200, ctype, feed.render(base).encode("utf-8"), [feed.path]
        for page in mirror.pages:
            if path == page.path:
                return 200, "text/html; charset=utf-8", page.render(base).encode("utf-8"), [page.path]
        for article in mirror.articles:
            if path == article.path:
                return 200, "text/html; charset=utf-8", article.html(base).encode("utf-8"), [article.path]
        return 404, "text/html; charset=utf-8", b"<html><body><h1>Not found</h1></body></html>", []

    # --- responses ---------------------------------------------------------------------------

    def _send(self, status: int, ctype: str, body: bytes, headers: dict | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _fault(self, owner: FaultServer, fault: str, ctype: str, body: bytes) -> None:
        kind = "json" if "json" in ctype else "xml" if "xml" in ctype else "html"
        if fault == "429_retry_after":
            return self._send(429, "text/plain", b"12 request limit in 2 minute exceeded", {"Retry-After": "1"})
        if fault == "429_no_retry_after":
            return self._send(429, "text/plain", b"Too Many Requests")
        if fault == "403_throttle":
            return self._send(403, "text/html", b"<html><body>Too many requests</body></html>")
        if fault in ("500", "502"):
            return self._send(int(fault), "text/html", f"<html><body>Error {fault}</body></html>".encode())
        if fault == "503":
            return self._send(503, "text/html", b"<html><body>Service Unavailable</body></html>", {"Retry-After": "1"})
        if fault == "reset":
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return None
        if fault == "timeout":
            owner._stop.wait(owner.timeout_sleep)
            self.close_connection = True
            return None
        if fault == "drip":
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                for i in range(len(body)):
                    if owner._stop.wait(owner.drip_interval):
                        break
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True
            return None
        if fault == "truncated":
            return self._send(200, ctype, body[: max(1, int(len(body) * 0.6))])
        if fault == "invalid_utf8":
            return self._send(200, ctype, _spoil_utf8(body, kind))
        if fault == "wrong_charset":
            declared = ctype.split(";")[0] + "; charset=ISO-8859-1"
            return self._send(200, declared, _with_non_ascii(body, kind))
        if fault == "binary":
            return self._send(200, ctype, PNG)
        if fault == "huge":
            return self._send_huge(ctype, body)
        if fault == "redirect_loop":
            self.send_response(302)
            self.send_header("Location", self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        if fault == "html_error_200":
            return self._send(200, "text/html; charset=utf-8", ERROR_PAGE)
        raise AssertionError(fault)

    def _send_huge(self, ctype: str, body: bytes) -> None:
        """Stream the real document padded with whitespace to 50 MB, never holding it in memory.

        The padding keeps the document valid (trailing whitespace is allowed in JSON, XML and
        HTML), so a client that accepts the size gets the true content and one that refuses it
        loses nothing it could have parsed.
        """
        pad = HUGE_BYTES - len(body)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(HUGE_BYTES))
        self.end_headers()
        chunk = b" " * (1 << 20)
        try:
            self.wfile.write(body)
            while pad > 0:
                n = min(pad, len(chunk))
                self.wfile.write(chunk[:n])
                pad -= n
        except OSError:  # the client gave up (DOWNLOAD_MAXSIZE): that is the point
            self.close_connection = True


def _spoil_utf8(body: bytes, kind: str) -> bytes:
    """Put bytes that are not UTF-8 into the first text value, keeping the document's structure."""
    bad = b"\xff\xfe caf\xe9 \xc3\x28 "
    if kind == "json":
        i = body.find(b'"title": "')
        if i >= 0:
            j = i + len(b'"title": "')
            return body[:j] + bad + body[j:]
    i = body.find(b"<title>")
    if i >= 0:
        j = i + len(b"<title>")
        return body[:j] + bad + body[j:]
    return bad + body


def _with_non_ascii(body: bytes, kind: str) -> bytes:
    """Make sure the body has UTF-8 multi-byte text (£, ’) that the wrong charset would garble."""
    extra = "Provider’s £1.2m contract".encode("utf-8")
    if b"\xc2\xa3" in body:
        return body
    if kind == "json":
        i = body.find(b'"title": "')
        if i >= 0:
            j = i + len(b'"title": "')
            return body[:j] + extra + b" " + body[j:]
    i = body.find(b"<p>")
    if i >= 0:
        return body[: i + 3] + extra + b". " + body[i + 3:]
    return body


def fetch_json(url: str) -> dict:
    """Small helper for tests of the server itself."""
    import urllib.request

    with urllib.request.urlopen(url, timeout=5) as resp:
        return json.loads(resp.read().decode("utf-8"))
