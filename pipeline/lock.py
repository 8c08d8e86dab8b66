"""The run lock: one nightly (or alerts) run per database at a time.

An exclusive ``fcntl.flock`` on ``<database>.lock`` beside the database. The kernel drops a
flock when its holder exits for any reason (including SIGKILL or a power cut), so a lock left
by a killed run is never "held": the next run simply takes it. The file also records who holds
it (pid, host, command, start time), which is what the "already running" message shows and how
a takeover of a killed run's lock is noticed and logged.

Example::

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "x.db.lock")
    >>> with RunLock(path, command="doctest") as lock:
    ...     lock.held
    True
"""

from __future__ import annotations

import datetime as dt
import errno
import fcntl
import json
import logging
import os
import socket
from pathlib import Path

from hjwatch import HjwatchError

log = logging.getLogger(__name__)


class LockedError(HjwatchError):
    """Another run holds the lock."""


def lock_path_for(db_path: str | os.PathLike) -> Path:
    """The lock file beside a database: ``hjwatch.db`` → ``hjwatch.db.lock``.

    >>> str(lock_path_for("/data/hjwatch.db"))
    '/data/hjwatch.db.lock'
    """
    p = Path(db_path)
    return p.with_name(p.name + ".lock")


def pid_alive(pid: int) -> bool:
    """True if a process with this pid exists (on this host).

    >>> pid_alive(os.getpid())
    True
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


class RunLock:
    """Context manager holding the lock for the duration of a run.

    Raises :class:`LockedError` at once (no waiting: a cron run that finds another still going
    should give way, not queue up) with the holder's pid and start time.
    ``stale_holder`` is set when the previous holder died without releasing (its record was
    left behind): the lock is taken over and a warning logged.
    """

    def __init__(self, path: str | os.PathLike, *, command: str = "nightly"):
        self.path = Path(path)
        self.command = command
        self.held = False
        self.stale_holder: dict | None = None
        self._fd: int | None = None

    def acquire(self) -> "RunLock":
        # The folder is not created: a mistyped --db must not grow a new database tree.
        if not self.path.parent.is_dir():
            raise HjwatchError(f"the database folder {self.path.parent} does not exist")
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise HjwatchError(f"cannot create the run lock {self.path}: {exc.strerror or exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            holder = _read_holder(fd)
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                who = (f"pid {holder.get('pid')} on {holder.get('host')}, `{holder.get('command')}` "
                       f"since {holder.get('started')}") if holder else "another process"
                raise LockedError(f"another hjwatch run holds {self.path} ({who}); try again when it ends") from None
            raise HjwatchError(f"cannot lock {self.path}: {exc.strerror or exc}") from None
        previous = _read_holder(fd)
        if previous:
            # A record left behind means its writer never released: it was killed.
            self.stale_holder = previous
            alive = previous.get("host") == socket.gethostname() and pid_alive(int(previous.get("pid") or 0))
            log.warning("taking over the run lock left by pid %s (`%s`, started %s%s)",
                        previous.get("pid"), previous.get("command"), previous.get("started"),
                        "; that pid is now another process" if alive else "; it is no longer running")
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "started": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(record).encode(), 0)
        os.fsync(fd)
        self._fd = fd
        self.held = True
        return self

    def annotate(self, **fields) -> None:
        """Add facts to the holder record (e.g. the run id), for whoever finds it after a kill."""
        if self._fd is None:
            return
        record = {**(_read_holder(self._fd) or {}), **fields}
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, json.dumps(record).encode(), 0)
        os.fsync(self._fd)

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            # Empty the record first: an empty file after release means "ended cleanly".
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None
            self.held = False

    def __enter__(self) -> "RunLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def _read_holder(fd: int) -> dict | None:
    try:
        data = os.pread(fd, 4096, 0)
    except OSError:
        return None
    if not data.strip():
        return None
    try:
        holder = json.loads(data)
    except ValueError:
        return {"pid": "?", "command": "?", "started": "?", "host": "?"}
    return holder if isinstance(holder, dict) else None
