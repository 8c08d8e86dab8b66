"""The CLI frame: help, config errors and one-line failures."""

import subprocess
import sys


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "hjwatch.cli", *args], capture_output=True, text=True, **kw)


def test_help_lists_every_contract_command():
    out = run("--help")
    assert out.returncode == 0
    for name in ["extract", "crawl", "nightly", "search", "alerts", "export", "review", "reextract"]:
        assert name in out.stdout


def test_malformed_config_is_one_line_error(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[sources\nfts = 1")
    out = run("--config", str(cfg), "--db", str(tmp_path / "x.db"), "export")
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1
    assert "not valid TOML" in out.stderr
    assert "Traceback" not in out.stderr
