"""Delivering a digest: SMTP (plain, STARTTLS or SSL, optional auth) or an ``.eml`` in the outbox.

Both return only once the message is safe: the SMTP server accepted it for the recipient, or
the ``.eml`` file was written, fsync'd and renamed into place. Anything short of that raises
:class:`DeliveryError` with a one-line reason, so the caller marks nothing as sent.

The SMTP user and password come from ``HJWATCH_SMTP_USER`` / ``HJWATCH_SMTP_PASSWORD`` only,
and never appear in a log line or an error message.

``[alerts]`` keys read here::

    smtp_host = "mail.example.org"   # absent: write .eml files to `outbox`
    smtp_port = 587
    smtp_security = "auto"           # auto | starttls | ssl | none
    smtp_timeout = 30                # seconds
    smtp_cafile = "/etc/ssl/private-ca.pem"   # optional: trust a private CA
    outbox = "outbox"

``auto`` means SSL on port 465, otherwise STARTTLS when the server offers it. A password is
never sent over an unencrypted connection unless ``smtp_security = "none"`` says so.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import uuid
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import parseaddr
from pathlib import Path
from typing import Any, Mapping

from hjwatch import HjwatchError, InputError

log = logging.getLogger(__name__)

SECURITY_MODES = ("auto", "starttls", "ssl", "none")


class DeliveryError(HjwatchError):
    """The digest could not be delivered; nothing was marked as sent."""


def check_settings(alerts: Mapping[str, Any]) -> None:
    """Raise :class:`InputError` for a malformed ``[alerts]`` delivery setting.

    >>> check_settings({"smtp_host": "mail", "smtp_port": "x"})
    Traceback (most recent call last):
    ...
    hjwatch.InputError: [alerts] smtp_port must be a port number, not 'x'
    """
    port = alerts.get("smtp_port", 25)
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        raise InputError(f"[alerts] smtp_port must be a port number, not {port!r}")
    security = alerts.get("smtp_security", "auto")
    if security not in SECURITY_MODES:
        raise InputError(f"[alerts] smtp_security must be one of {', '.join(SECURITY_MODES)}, not {security!r}")
    host = alerts.get("smtp_host")
    if host is not None and (not isinstance(host, str) or not host.strip()):
        raise InputError("[alerts] smtp_host must be a host name (leave it out to write .eml files)")
    outbox = alerts.get("outbox", "outbox")
    if not isinstance(outbox, str) or not outbox.strip():
        raise InputError("[alerts] outbox must be a folder path")
    sender = alerts.get("from", "hjwatch@localhost")
    if not isinstance(sender, str) or "@" not in parseaddr(sender)[1]:
        raise InputError(f"[alerts] from must be an email address, not {sender!r}")
    timeout = alerts.get("smtp_timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise InputError("[alerts] smtp_timeout must be a positive number of seconds")


def send_smtp(msg: EmailMessage, recipient: str, alerts: Mapping[str, Any],
              credentials: tuple[str | None, str | None]) -> None:
    """Send ``msg`` to ``recipient``; return only if the server accepted it."""
    host = alerts["smtp_host"]
    port = int(alerts.get("smtp_port") or 25)
    security = alerts.get("smtp_security", "auto")
    timeout = float(alerts.get("smtp_timeout", 30))
    user, password = credentials
    where = f"SMTP {host}:{port}"
    try:
        context = ssl.create_default_context(cafile=alerts.get("smtp_cafile") or None)
        use_ssl = security == "ssl" or (security == "auto" and port == 465)
        client: smtplib.SMTP
        if use_ssl:
            client = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(host, port, timeout=timeout)
        try:
            client.ehlo()
            encrypted = use_ssl
            if not use_ssl and security in ("starttls", "auto"):
                if client.has_extn("starttls"):
                    client.starttls(context=context)
                    client.ehlo()
                    encrypted = True
                elif security == "starttls":
                    raise DeliveryError(f"{where} does not offer STARTTLS (smtp_security = \"starttls\")")
            if user:
                if not encrypted and security != "none":
                    raise DeliveryError(
                        f"{where}: not sending the SMTP password over an unencrypted connection "
                        "(use STARTTLS/SSL, or set smtp_security = \"none\" to allow it)"
                    )
                client.login(user, password or "")
            refused = client.send_message(msg, from_addr=parseaddr(msg["From"])[1], to_addrs=[recipient])
            if refused:  # only possible with several recipients; kept for safety
                raise DeliveryError(f"{where} refused {', '.join(refused)}")
        except BaseException:
            client.close()
            raise
        # The server has accepted the message: a failure to say goodbye must not turn that into
        # a failed send (which would send the digest again tomorrow).
        try:
            client.quit()
        except (smtplib.SMTPException, OSError):
            client.close()
    except DeliveryError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        # The server's reply, never the credentials we sent.
        raise DeliveryError(f"{where} rejected the login for HJWATCH_SMTP_USER ({exc.smtp_code})") from None
    except smtplib.SMTPResponseException as exc:
        reply = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DeliveryError(f"{where} replied {exc.smtp_code}: {' '.join(reply.split())}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"{where} refused the recipient {', '.join(exc.recipients)}") from None
    except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise DeliveryError(f"{where}: {reason}") from None


def write_eml(msg: EmailMessage, outbox: str | os.PathLike, *, stamp: str) -> Path:
    """Write ``msg`` as one ``.eml`` file directly in ``outbox`` (created if missing).

    The file appears under its final name only when complete: written to a hidden temporary
    name in the same folder, fsync'd, renamed, and the folder fsync'd, so a crash leaves either
    no file or a whole one.
    """
    folder = Path(outbox)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"hjwatch-{stamp}-{uuid.uuid4().hex[:8]}.eml"
        final = folder / name
        tmp = folder / f".{name}.tmp"
        data = msg.as_bytes(policy=SMTP_POLICY)  # CRLF line ends, as RFC 5322 files have
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
        except OSError:
            tmp.unlink(missing_ok=True)  # a disk-full half file must not linger
            raise
        _fsync_dir(folder)
        return final
    except OSError as exc:
        raise DeliveryError(f"cannot write to outbox {folder}: {exc.strerror or exc}") from None


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a directory; the rename still stands
        pass
    finally:
        os.close(fd)
