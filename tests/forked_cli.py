"""Run the real ``hjwatch`` CLI in a forked child of the test process.

A crawl needs a fresh process (Twisted's reactor cannot restart), but a fresh interpreter pays
2-4 s importing Scrapy and spaCy and building the extractor before it fetches anything. A child
forked from the test process, after ``warm_up()``, starts with all of that done and runs the
same code: ``hjwatch.cli.main(argv)`` with a real reactor, real Scrapy, the real extractor and a
real SQLite file. Its stdout and stderr go to files and come back as strings.

``HJWATCH_TEST_FRESH=1`` (or a platform without ``fork``) runs every call in a fresh
interpreter instead (``python -m hjwatch.cli``), to check the two agree.

Example::

    done = run_cli(["--db", "x.db", "crawl", "fts"], cwd=tmp_path)
    assert done.returncode == 0, done.stderr
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


def fresh_wanted() -> bool:
    return os.environ.get("HJWATCH_TEST_FRESH") == "1" or not hasattr(os, "fork")


def warm_up() -> None:
    """Import what a crawl imports and build the extractor once, so children inherit it."""
    import hjwatch.cli  # noqa: F401
    import hjwatch.extractors
    import hjwatch.pipeline.crawl  # noqa: F401
    import hjwatch.pipeline.store  # noqa: F401
    import scrapy.crawler  # noqa: F401
    from scrapy.settings import Settings
    from scrapy.spiderloader import SpiderLoader

    settings = Settings()
    settings.setmodule("hjwatch.spiders.settings")
    SpiderLoader.from_settings(settings)  # imports every spider module
    hjwatch.extractors.get_nlp()


def child_env(env: dict | None) -> dict:
    """The environment a child gets: ``env``, else ours without HJWATCH_* settings."""
    if env is not None:
        return dict(env)
    return {k: v for k, v in os.environ.items() if not k.startswith("HJWATCH_") or k == "HJWATCH_TEST_FRESH"}


class Forked:
    """A forked CLI run, with the parts of ``subprocess.Popen`` the tests use."""

    def __init__(self, args: list[str], cwd: Path, env: dict | None, call=None):
        self.cwd = Path(cwd)
        self.out_path = self.cwd / f"cli.{time.monotonic_ns()}.stdout"
        self.err_path = self.out_path.with_suffix(".stderr")
        self.returncode: int | None = None
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            _child(list(args), self.cwd, child_env(env), self.out_path, self.err_path, call)

    def poll(self) -> int | None:
        if self.returncode is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.returncode = os.waitstatus_to_exitcode(status)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(["hjwatch"], timeout)
            time.sleep(0.02)
        return self.returncode

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def result(self) -> Done:
        return Done(self.returncode, self.out_path.read_text(errors="replace"),
                    self.err_path.read_text(errors="replace"))


def _child(args: list[str], cwd: Path, env: dict, out_path: Path, err_path: Path, call=None) -> None:
    code = 1
    try:
        out = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        err = os.open(err_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(out, 1)
        os.dup2(err, 2)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_DFL)
        # Start as a fresh interpreter would: no handlers from pytest, no reactor installed.
        root = logging.getLogger()
        for handler in list(root.handlers):
            root.removeHandler(handler)
        sys.modules.pop("twisted.internet.reactor", None)
        if call is None:
            from hjwatch.cli import main as call
        try:
            call(args)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: BLE001 - report anything on the child's stderr, then exit
        import traceback

        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _fresh_cmd(args: list[str]) -> list[str]:
    return [sys.executable, "-m", "hjwatch.cli", *args]


def start_cli(args: list[str], *, cwd: Path, env: dict | None = None):
    """Start the CLI (forked, or fresh with HJWATCH_TEST_FRESH=1); returns a Popen-like object."""
    if fresh_wanted():
        out = open(Path(cwd) / "popen.stdout", "w")
        err = open(Path(cwd) / "popen.stderr", "w")
        return subprocess.Popen(_fresh_cmd(args), cwd=cwd, env={**child_env(env), "PYTHONUNBUFFERED": "1"},
                                stdout=out, stderr=err, text=True)
    return Forked(args, Path(cwd), env)


def run_cli(args: list[str], *, cwd: Path, env: dict | None = None, timeout: float = 120) -> Done:
    """Run the CLI to the end and return its exit status, stdout and stderr."""
    if fresh_wanted():
        p = subprocess.run(_fresh_cmd(args), cwd=cwd, env={**child_env(env), "PYTHONUNBUFFERED": "1"},
                           capture_output=True, text=True, timeout=timeout)
        return Done(p.returncode, p.stdout, p.stderr)
    return _finish(Forked(args, Path(cwd), env), timeout)


def _finish(proc: "Forked", timeout: float) -> Done:
    """Wait for a forked run (killing it past ``timeout``) and collect its result."""
    try:
        proc.wait(timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    return proc.result()


def run_in_child(call, args: list[str], *, cwd: Path, timeout: float = 120) -> Done:
    """``call(args)`` in a forked child (a script's ``main``), stdout and stderr captured;
    exit status 0 unless it raised or called ``sys.exit`` with another code."""
    return _finish(Forked(args, Path(cwd), None, call=call), timeout)
