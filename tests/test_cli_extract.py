"""`hjwatch extract`: output shape and bad input (one-line errors, other inputs still processed)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.forked_cli import run_cli, warm_up

CONTRACT_KEYS = [
    "path", "relevant", "trusts", "prisons", "companies", "buyers", "values_gbp",
    "durations_months", "contract_start", "contract_end", "litigation", "litigation_snippets",
    "events", "mentions",
]


class Out:
    """stdout/stderr as bytes, whichever way the CLI was run."""

    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def hjwatch(*args, stdin=None):
    """Run the real CLI: a fresh interpreter when there is stdin to give, else a child forked
    from this (warmed-up) test process, which skips 2-3 s of imports per call."""
    if stdin is not None:
        done = subprocess.run([sys.executable, "-m", "hjwatch.cli", *args], input=stdin,
                              capture_output=True, timeout=300)
        return Out(done.returncode, done.stdout, done.stderr)
    warm_up()
    with tempfile.TemporaryDirectory() as scratch:  # the child's output files land here
        done = run_cli(list(args), cwd=Path(scratch), timeout=300)
    return Out(done.returncode, done.stdout.encode(), done.stderr.encode())


@pytest.fixture
def good(tmp_path):
    p = tmp_path / "good.txt"
    p.write_text("Oxleas NHS Foundation Trust will run healthcare at HMP Belmarsh.", encoding="utf-8")
    return p


def test_jsonl_output_has_the_contract_keys_in_order(good):
    out = hjwatch("extract", "--jsonl", str(good))
    assert out.returncode == 0, out.stderr
    lines = out.stdout.decode().splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert list(record) == CONTRACT_KEYS
    assert record["path"] == str(good)


def test_stdin_is_read_with_dash():
    out = hjwatch("extract", "--jsonl", "-", stdin=b"HMP Belmarsh healthcare contract")
    assert out.returncode == 0
    assert json.loads(out.stdout)["path"] == "-"


def test_html_input_offsets_refer_to_extracted_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>t</title></head><body><nav>Home | News</nav>"
        "<article><p>Healthcare at HMP Belmarsh is to be retendered by NHS England.</p></article>"
        "</body></html>",
        encoding="utf-8",
    )
    out = hjwatch("extract", "--jsonl", str(page))
    assert out.returncode == 0
    record = json.loads(out.stdout)
    assert "<" not in json.dumps(record["mentions"])


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.txt", "no such file"),
        (lambda d: d, "is a directory"),
        (lambda d: (d / "bin.dat").write_bytes(b"\x00\x01\x02PK\x03\x04" * 100) and d / "bin.dat", "binary"),
    ],
    ids=["missing", "directory", "binary"],
)
def test_unreadable_input_is_one_line_and_others_still_processed(tmp_path, good, make, message):
    bad = make(tmp_path)
    out = hjwatch("extract", "--jsonl", str(bad), str(good))
    assert out.returncode == 2
    err = out.stderr.decode()
    assert message in err
    assert "Traceback" not in err
    assert len(out.stdout.decode().splitlines()) == 1  # the good file still came out


def test_empty_file_gives_a_warning_and_an_empty_record(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    out = hjwatch("extract", "--jsonl", str(p))
    assert out.returncode == 0
    assert "empty" in out.stderr.decode()
    record = json.loads(out.stdout)
    assert record["relevant"] is False and record["prisons"] == []


def test_invalid_utf8_is_read_with_a_warning(tmp_path):
    p = tmp_path / "latin1.txt"
    p.write_bytes("Contract value \xa385m for HMP Belmarsh healthcare".encode("latin-1"))
    out = hjwatch("extract", "--jsonl", str(p))
    assert out.returncode == 0
    assert "not valid UTF-8" in out.stderr.decode()
    assert json.loads(out.stdout)["path"] == str(p)


def test_ten_megabyte_text_is_processed(tmp_path):
    p = tmp_path / "big.txt"
    para = "The trust provides healthcare at HMP Leeds under a contract worth £1.2m. " * 20 + "\n\n"
    with p.open("w", encoding="utf-8") as fh:
        while fh.tell() < 10 * 1024 * 1024:
            fh.write(para)
    out = hjwatch("extract", "--jsonl", str(p))
    assert out.returncode == 0, out.stderr.decode()[-500:]
    record = json.loads(out.stdout)
    assert record["path"] == str(p)
    assert "first 2,000,000" in out.stderr.decode()  # the user is told only a part was read
    assert record["prisons"] == ["HMP Leeds"]
