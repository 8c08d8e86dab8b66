"""A real SMTP server on loopback (aiosmtpd) that keeps every message it accepts.

Example::

    >>> import smtplib
    >>> with SmtpSink() as sink:
    ...     with smtplib.SMTP("127.0.0.1", sink.port) as c:
    ...         _ = c.sendmail("a@example.org", ["b@example.org"], "Subject: hi\\r\\n\\r\\nbody")
    ...     len(sink.messages)
    1
"""

from __future__ import annotations

import email
import email.policy
import socket
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Keep:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(msg)
        return "250 OK"


class SmtpSink:
    """Context manager: ``.port``, ``.messages`` (parsed). ``refuse_auth=True`` rejects every login."""

    def __init__(self, *, refuse_auth: bool = False):
        self.handler = _Keep()
        self.port = free_port()
        kwargs = {}
        if refuse_auth:
            kwargs = dict(authenticator=lambda *a: AuthResult(success=False), auth_require_tls=False)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port, **kwargs)

    @property
    def messages(self) -> list[email.message.EmailMessage]:
        with self.handler.lock:
            return list(self.handler.messages)

    def __enter__(self) -> "SmtpSink":
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


def bodies(msg: email.message.EmailMessage) -> tuple[str, str]:
    """The text and HTML parts of a digest ("" when absent)."""
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    return (text.get_content() if text else "", html.get_content() if html else "")
