"""Reading user-supplied text files safely: size, binary and encoding checks."""

from __future__ import annotations

import sys
from pathlib import Path

# Larger inputs are refused: a document this big is not a notice or an article.
MAX_INPUT_BYTES = 50 * 1024 * 1024


class InputFileError(Exception):
    """A file that cannot be read as text; the message is one line naming the file."""


def decode_text(data: bytes, name: str = "input") -> tuple[str, list[str]]:
    """Decode bytes as text: UTF-8 (with or without BOM), else a legacy fallback with a warning.

    Raises :class:`InputFileError` for binary data (NUL bytes, or mostly control characters).
    """
    warnings: list[str] = []
    if b"\x00" in data[:8192]:
        raise InputFileError(f"{name}: looks binary (NUL bytes), not text or HTML")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        text = data.decode("cp1252", errors="replace")
        warnings.append(f"{name}: not valid UTF-8 (byte {exc.start}); read as Windows-1252")
    sample = text[:4096]
    if sample:
        control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\t\n\r\f")
        if control / len(sample) > 0.1:
            raise InputFileError(f"{name}: looks binary (control characters), not text or HTML")
    return text, warnings


def read_text_input(path: str) -> tuple[str, list[str]]:
    """Read a path (``-`` for stdin) as text. Returns the text and warnings to log."""
    if path == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        name = "<stdin>"
    else:
        p = Path(path)
        name = path
        if not p.exists():
            raise InputFileError(f"{path}: no such file")
        if p.is_dir():
            raise InputFileError(f"{path}: is a directory")
        try:
            if p.stat().st_size > MAX_INPUT_BYTES:
                raise InputFileError(f"{path}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB, skipped")
            data = p.read_bytes()
        except PermissionError:
            raise InputFileError(f"{path}: permission denied")
        except OSError as exc:
            raise InputFileError(f"{path}: cannot read ({exc.strerror or exc})")
    if len(data) > MAX_INPUT_BYTES:
        raise InputFileError(f"{name}: larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB, skipped")
    text, warnings = decode_text(data, name)
    if not text.strip():
        warnings.append(f"{name}: empty input")
    return text, warnings


def write_json_lines(rows, stream=None) -> None:
    """Write each row as one JSON object per line (UTF-8 as is), flushing as it goes so a
    reader in a pipe sees records while a long command is still running."""
    import json

    stream = stream or sys.stdout
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        stream.flush()
