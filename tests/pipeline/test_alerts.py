"""send_pending against a real SQLite file and a real SMTP server (aiosmtpd on loopback)."""

import datetime as dt
import doctest
import email
import email.policy
import logging
import os

import pytest

from hjwatch import InputError
from hjwatch.config import Config
from hjwatch.db import open_db, pending_alerts, store_document
from hjwatch.pipeline import alerts
from hjwatch.pipeline.alerts import send_pending

from tests.pipeline.smtp_server import SmtpServer, free_port, self_signed_cert

NOW = dt.datetime(2026, 11, 23, 2, 30, tzinfo=dt.timezone.utc)


def doc(key, title, *, kind="news", source="www.bbc.co.uk", relevant=True, **extraction):
    return {
        "source": source, "kind": kind, "key": key, "url": f"https://example.org/{key}", "title": title,
        "text": f"{title}. Healthcare at HMP Belmarsh.", "published": "2026-11-20",
        "extraction": {"relevant": relevant, **extraction}, "extractor_version": "test",
    }


@pytest.fixture
def db(tmp_path):
    return open_db(str(tmp_path / "hjwatch.db"))


@pytest.fixture
def stored(db):
    ids = {}
    for d in (
        doc("n1", "Healthcare Services for HMP Leeds", kind="notice", source="fts", prisons=["HMP Leeds"],
            events=["tender"], values_gbp=[48000000]),
        doc("a1", "PPG takes legal action against NHS England", litigation=True, events=["legal_challenge"],
            litigation_snippets=["PPG is taking legal action against NHS England"], companies=["Practice Plus Group"]),
        doc("x1", "Council parking pilot", kind="notice", source="contracts_finder", relevant=False),
    ):
        ids[d["key"]] = store_document(db, d).doc_id
    return ids


def config(tmp_path, **alerts_table):
    cfg = Config()
    cfg.db_path = str(tmp_path / "hjwatch.db")
    cfg.alerts.update({"to": ["research@example.org"], "from": "hjwatch@example.org",
                       "outbox": str(tmp_path / "outbox"), **alerts_table})
    return cfg


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


def smtp_config(tmp_path, server, **kw):
    settings = {"smtp_host": "127.0.0.1", "smtp_port": server.port, "smtp_security": "none", "smtp_timeout": 5, **kw}
    return config(tmp_path, **settings)


def test_doctests():
    assert doctest.testmod(alerts).failed == 0


# -- SMTP ----------------------------------------------------------------------------------


def test_one_email_per_recipient(db, stored, smtp, tmp_path):
    report = send_pending(db, smtp_config(tmp_path, smtp), now=NOW, env={})
    assert len(smtp.received) == 1
    assert smtp.received[0].rcpt_tos == ["research@example.org"]
    assert report.ok


def test_email_lists_only_relevant_records(db, stored, smtp, tmp_path):
    send_pending(db, smtp_config(tmp_path, smtp), now=NOW, env={})
    text = smtp.received[0].message.get_body(("plain",)).get_content()
    assert "Healthcare Services for HMP Leeds" in text
    assert "PPG takes legal action against NHS England" in text
    assert "Council parking pilot" not in text


def test_subject_has_counts(db, stored, smtp, tmp_path):
    send_pending(db, smtp_config(tmp_path, smtp), now=NOW, env={})
    assert smtp.received[0].message["Subject"] == "hjwatch: 1 new contract notice, 1 news item, 1 legal challenge"


def test_records_marked_after_send(db, stored, smtp, tmp_path):
    report = send_pending(db, smtp_config(tmp_path, smtp), now=NOW, env={})
    assert sorted(report.marked) == sorted([stored["n1"], stored["a1"]])
    assert pending_alerts(db) == []


def test_alert_row_records_message(db, stored, smtp, tmp_path):
    send_pending(db, smtp_config(tmp_path, smtp), now=NOW, env={})
    (row,) = db.query("SELECT recipients, subject, message_id FROM alerts")
    assert row["message_id"] == smtp.received[0].message["Message-ID"]
    assert "research@example.org" in row["recipients"]


def test_second_run_sends_nothing(db, stored, smtp, tmp_path):
    cfg = smtp_config(tmp_path, smtp)
    send_pending(db, cfg, now=NOW, env={})
    report = send_pending(db, cfg, now=NOW, env={})
    assert len(smtp.received) == 1
    assert report.sent == []
    assert report.summary() == "no new records to alert"


def test_nothing_pending_sends_nothing(db, smtp, tmp_path):
    report = send_pending(db, smtp_config(tmp_path, smtp), now=NOW, env={})
    assert smtp.received == []
    assert report.matched == 0


def test_new_record_appears_alone_in_next_digest(db, stored, smtp, tmp_path):
    cfg = smtp_config(tmp_path, smtp)
    send_pending(db, cfg, now=NOW, env={})
    store_document(db, doc("n2", "Healthcare at HMP Wealstun", kind="notice", source="fts", prisons=["HMP Wealstun"]))
    send_pending(db, cfg, now=NOW, env={})
    text = smtp.received[1].message.get_body(("plain",)).get_content()
    assert "Healthcare at HMP Wealstun" in text
    assert "HMP Leeds" not in text
    assert smtp.received[1].message["Subject"] == "hjwatch: 1 new contract notice"


def test_server_refusing_marks_nothing_and_next_run_sends(db, stored, smtp, tmp_path):
    cfg = smtp_config(tmp_path, smtp)
    smtp.refuse = True
    report = send_pending(db, cfg, now=NOW, env={})
    assert report.failures and "451" in report.failures[0]
    assert report.marked == []
    assert len(pending_alerts(db)) == 2
    smtp.refuse = False
    report = send_pending(db, cfg, now=NOW, env={})
    assert len(smtp.received) == 1
    assert "PPG takes legal action" in smtp.received[0].message.get_body(("plain",)).get_content()
    assert pending_alerts(db) == []


def test_server_down_marks_nothing(db, stored, tmp_path):
    cfg = config(tmp_path, smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none", smtp_timeout=2)
    report = send_pending(db, cfg, now=NOW, env={})
    assert not report.ok
    assert "127.0.0.1" in report.failures[0]
    assert len(pending_alerts(db)) == 2


def test_server_down_then_up_sends_everything_once(db, stored, tmp_path):
    port = free_port()
    cfg = config(tmp_path, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none", smtp_timeout=2)
    send_pending(db, cfg, now=NOW, env={})
    with SmtpServer(port=port) as server:
        send_pending(db, cfg, now=NOW, env={})
        send_pending(db, cfg, now=NOW, env={})
        assert len(server.received) == 1


def test_per_rule_recipients_get_their_own_digest(db, stored, smtp, tmp_path):
    cfg = smtp_config(tmp_path, smtp, rules=[
        {"name": "everything"},
        {"name": "legal", "litigation": True, "to": ["legal@example.org"]},
    ])
    report = send_pending(db, cfg, now=NOW, env={})
    by_rcpt = {r.rcpt_tos[0]: r.message for r in smtp.received}
    assert sorted(by_rcpt) == ["legal@example.org", "research@example.org"]
    legal_text = by_rcpt["legal@example.org"].get_body(("plain",)).get_content()
    assert "PPG takes legal action" in legal_text
    assert "HMP Leeds" not in legal_text
    assert len(report.marked) == 2


def test_keyword_rule_searches_the_stored_text(db, stored, smtp, tmp_path):
    # "Healthcare at HMP Belmarsh" is only in the documents' text, not in any title.
    cfg = smtp_config(tmp_path, smtp, rules=[{"name": "belmarsh", "keywords": ["hmp belmarsh"]}])
    report = send_pending(db, cfg, now=NOW, env={})
    assert report.matched == 2
    assert sorted(digest_lines(smtp)) == ["Healthcare Services for HMP Leeds", "PPG takes legal action against NHS England"]


def test_keyword_rule_without_match_sends_nothing(db, stored, smtp, tmp_path):
    cfg = smtp_config(tmp_path, smtp, rules=[{"name": "x", "keywords": ["wormwood scrubs"]}])
    send_pending(db, cfg, now=NOW, env={})
    assert smtp.received == []


def digest_lines(smtp):
    text = smtp.received[0].message.get_body(("plain",)).get_content()
    return [line[2:] for line in text.splitlines() if line.startswith("* ")]


def test_record_matching_no_rule_stays_pending(db, stored, smtp, tmp_path):
    cfg = smtp_config(tmp_path, smtp, rules=[{"name": "legal", "litigation": True}])
    send_pending(db, cfg, now=NOW, env={})
    assert [r["title"] for r in pending_alerts(db)] == ["Healthcare Services for HMP Leeds"]


def test_partial_failure_keeps_shared_record_pending(db, stored, tmp_path):
    # research@ is accepted, legal@ is refused by the server: the legal record went to both
    # recipients, so it stays pending (retried) rather than being lost for legal@.
    with SmtpServer() as server:
        async def handle_RCPT(server_, session, envelope, address, rcpt_options):
            if address.startswith("legal@"):
                return "550 5.1.1 no such user"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        server.handler.handle_RCPT = handle_RCPT
        cfg = smtp_config(tmp_path, server, rules=[
            {"name": "everything"}, {"name": "legal", "litigation": True, "to": ["legal@example.org"]}])
        report = send_pending(db, cfg, now=NOW, env={})
    assert any("legal@example.org" in f for f in report.failures)
    assert report.marked == [stored["n1"]]
    assert [r["id"] for r in pending_alerts(db)] == [stored["a1"]]


def test_smtp_auth_uses_env_credentials_and_never_logs_them(db, stored, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with SmtpServer(users={"hj": "s3cret-pa55"}) as server:
        cfg = smtp_config(tmp_path, server)
        report = send_pending(db, cfg, now=NOW, env={"HJWATCH_SMTP_USER": "hj", "HJWATCH_SMTP_PASSWORD": "s3cret-pa55"})
        assert report.ok
        assert server.auth_attempts == ["hj"]
        assert len(server.received) == 1
    assert "s3cret-pa55" not in caplog.text


def test_smtp_auth_failure_is_one_line_without_password(db, stored, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    with SmtpServer(users={"hj": "right"}) as server:
        report = send_pending(db, smtp_config(tmp_path, server), now=NOW,
                              env={"HJWATCH_SMTP_USER": "hj", "HJWATCH_SMTP_PASSWORD": "wrong-pa55"})
    assert "rejected the login" in report.failures[0]
    assert "wrong-pa55" not in caplog.text and "wrong-pa55" not in report.failures[0]
    assert len(pending_alerts(db)) == 2


def test_password_not_sent_in_clear_by_default(db, stored, tmp_path):
    with SmtpServer(users={"hj": "pw"}) as server:
        cfg = config(tmp_path, smtp_host="127.0.0.1", smtp_port=server.port, smtp_timeout=5)  # security auto
        report = send_pending(db, cfg, now=NOW, env={"HJWATCH_SMTP_USER": "hj", "HJWATCH_SMTP_PASSWORD": "pw"})
        assert "unencrypted" in report.failures[0]
        assert server.auth_attempts == []
        assert server.received == []


@pytest.fixture
def tls_context(tmp_path):
    import ssl

    pytest.importorskip("cryptography")  # installed with Scrapy (pyOpenSSL); only this test needs it
    cert, key = self_signed_cert(tmp_path)
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx, cert


def test_starttls_with_auth(db, stored, tmp_path, tls_context):
    ctx, cert = tls_context
    with SmtpServer(users={"hj": "pw"}, tls_context=ctx, require_starttls=True) as server:
        cfg = config(tmp_path, smtp_host="127.0.0.1", smtp_port=server.port, smtp_security="starttls",
                     smtp_cafile=str(cert), smtp_timeout=5)
        report = send_pending(db, cfg, now=NOW, env={"HJWATCH_SMTP_USER": "hj", "HJWATCH_SMTP_PASSWORD": "pw"})
        assert report.ok, report.failures
        assert server.auth_attempts == ["hj"]
        assert len(server.received) == 1


def test_starttls_with_untrusted_certificate_fails_cleanly(db, stored, tmp_path, tls_context):
    ctx, _ = tls_context
    with SmtpServer(tls_context=ctx, require_starttls=True) as server:
        cfg = config(tmp_path, smtp_host="127.0.0.1", smtp_port=server.port, smtp_security="starttls", smtp_timeout=5)
        report = send_pending(db, cfg, now=NOW, env={})
        assert "CERTIFICATE_VERIFY_FAILED" in report.failures[0]
        assert server.received == []
    assert len(pending_alerts(db)) == 2


def test_implicit_ssl_with_auth(db, stored, tmp_path, tls_context):
    ctx, cert = tls_context
    with SmtpServer(users={"hj": "pw"}, implicit_tls=ctx) as server:
        cfg = config(tmp_path, smtp_host="127.0.0.1", smtp_port=server.port, smtp_security="ssl",
                     smtp_cafile=str(cert), smtp_timeout=5)
        report = send_pending(db, cfg, now=NOW, env={"HJWATCH_SMTP_USER": "hj", "HJWATCH_SMTP_PASSWORD": "pw"})
        assert report.ok, report.failures
        assert server.auth_attempts == ["hj"]
        assert len(server.received) == 1


def test_starttls_required_but_not_offered(db, stored, smtp, tmp_path):
    cfg = smtp_config(tmp_path, smtp, smtp_security="starttls")
    report = send_pending(db, cfg, now=NOW, env={})
    assert "does not offer STARTTLS" in report.failures[0]


# -- outbox ----------------------------------------------------------------------------------


def test_outbox_created_and_one_eml_written(db, stored, tmp_path):
    cfg = config(tmp_path)
    report = send_pending(db, cfg, now=NOW, env={})
    files = sorted((tmp_path / "outbox").iterdir())
    assert [f.suffix for f in files] == [".eml"]
    assert report.sent[0].where == str(files[0])


def test_eml_is_rfc5322_with_required_headers(db, stored, tmp_path):
    send_pending(db, config(tmp_path), now=NOW, env={})
    (path,) = (tmp_path / "outbox").iterdir()
    msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    assert msg["From"] == "hjwatch@example.org"
    assert msg["To"] == "research@example.org"
    assert msg["Date"] == "Mon, 23 Nov 2026 02:30:00 +0000"
    assert msg["Subject"].startswith("hjwatch: 1 new contract notice")
    assert msg["Message-ID"]
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]


def test_no_temporary_files_left_in_outbox(db, stored, tmp_path):
    send_pending(db, config(tmp_path), now=NOW, env={})
    assert [p.name for p in (tmp_path / "outbox").iterdir() if p.name.startswith(".")] == []


def test_outbox_marks_records(db, stored, tmp_path):
    send_pending(db, config(tmp_path), now=NOW, env={})
    assert pending_alerts(db) == []


def test_outbox_without_recipients_addresses_the_sender(db, stored, tmp_path):
    cfg = config(tmp_path, to=[])
    send_pending(db, cfg, now=NOW, env={})
    (path,) = (tmp_path / "outbox").iterdir()
    assert email.message_from_bytes(path.read_bytes(), policy=email.policy.default)["To"] == "hjwatch@example.org"


def test_unwritable_outbox_marks_nothing(db, stored, tmp_path):
    blocker = tmp_path / "outbox"
    blocker.write_text("a file where the folder should be")
    report = send_pending(db, config(tmp_path), now=NOW, env={})
    assert "cannot write to outbox" in report.failures[0]
    assert len(pending_alerts(db)) == 2


def test_dry_run_sends_and_marks_nothing(db, stored, tmp_path):
    report = send_pending(db, config(tmp_path), now=NOW, dry_run=True, env={})
    assert not (tmp_path / "outbox").exists()
    assert len(report.previews) == 1
    assert len(pending_alerts(db)) == 2


def test_smtp_without_recipients_is_input_error(db, stored, smtp, tmp_path):
    with pytest.raises(InputError, match=r"\[alerts\] to is empty"):
        send_pending(db, smtp_config(tmp_path, smtp, to=[]), now=NOW, env={})


@pytest.mark.parametrize("bad, message", [
    ({"smtp_port": "25"}, "smtp_port"),
    ({"smtp_security": "tls"}, "smtp_security"),
    ({"from": "nobody"}, "[alerts] from"),
    ({"smtp_timeout": 0}, "smtp_timeout"),
])
def test_bad_alert_settings_are_input_errors(db, stored, tmp_path, bad, message):
    with pytest.raises(InputError) as err:
        send_pending(db, config(tmp_path, smtp_host="127.0.0.1", **bad), now=NOW, env={})
    assert message in str(err.value)


def test_server_hanging_up_after_accepting_still_counts_as_sent(db, stored, tmp_path):
    # The server says 250 to DATA, then drops the line before QUIT: the message was accepted,
    # so the records are marked (sending it again tomorrow would be the bug).
    import asyncio

    with SmtpServer() as server:
        accept = server.handler.handle_DATA

        async def accept_then_hang_up(server_, session, envelope):
            reply = await accept(server_, session, envelope)
            asyncio.get_running_loop().call_soon(server_.transport.close)
            return reply

        server.handler.handle_DATA = accept_then_hang_up
        report = send_pending(db, smtp_config(tmp_path, server), now=NOW, env={})
        assert len(server.received) == 1
    assert report.ok, report.failures
    assert pending_alerts(db) == []
