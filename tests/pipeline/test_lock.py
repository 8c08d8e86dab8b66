"""The run lock: exclusive, released on exit, taken over after a SIGKILL."""

import doctest
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from hjwatch import HjwatchError
from hjwatch.pipeline import lock
from hjwatch.pipeline.lock import LockedError, RunLock, lock_path_for

HOLDER = """
import sys, time
from hjwatch.pipeline.lock import RunLock
l = RunLock(sys.argv[1], command="holder").acquire()
l.annotate(run_id=41)
print("locked", flush=True)
time.sleep(60)
"""


@pytest.fixture
def holder(tmp_path):
    """A separate process that takes the lock and sleeps; killed at the end."""
    path = tmp_path / "hjwatch.db.lock"
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    yield proc, path
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def test_doctests():
    assert doctest.testmod(lock).failed == 0


def test_lock_path_beside_database(tmp_path):
    assert lock_path_for(tmp_path / "x.db") == tmp_path / "x.db.lock"


def test_acquire_and_release(tmp_path):
    path = tmp_path / "a.lock"
    with RunLock(path) as held:
        assert held.held
    assert not held.held
    assert path.read_text() == ""


def test_reacquire_after_clean_release_is_not_a_takeover(tmp_path):
    path = tmp_path / "a.lock"
    with RunLock(path):
        pass
    with RunLock(path) as second:
        assert second.stale_holder is None


def test_second_lock_in_same_process_refused(tmp_path):
    path = tmp_path / "a.lock"
    with RunLock(path):
        with pytest.raises(LockedError):
            RunLock(path).acquire()


def test_holder_record_names_pid_and_command(tmp_path):
    path = tmp_path / "a.lock"
    with RunLock(path, command="nightly"):
        record = json.loads(path.read_text())
    assert record["pid"] == os.getpid()
    assert record["command"] == "nightly"


def test_running_holder_blocks_with_its_pid(holder):
    proc, path = holder
    with pytest.raises(LockedError) as err:
        RunLock(path).acquire()
    assert f"pid {proc.pid}" in str(err.value)
    assert "`holder`" in str(err.value)


def test_killed_holder_lock_taken_over(holder):
    proc, path = holder
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with RunLock(path) as taken:
        assert taken.held
        assert taken.stale_holder["pid"] == proc.pid
        assert taken.stale_holder["run_id"] == 41


def test_missing_database_folder_is_one_line_error(tmp_path):
    with pytest.raises(HjwatchError) as err:
        RunLock(tmp_path / "no" / "such" / "x.db.lock").acquire()
    assert str(err.value) == f"the database folder {tmp_path / 'no' / 'such'} does not exist"
    assert not (tmp_path / "no").exists()


def test_unwritable_lock_file_is_one_line_error(tmp_path):
    (tmp_path / "x.db.lock").mkdir()  # a folder where the lock file should be
    with pytest.raises(HjwatchError) as err:
        RunLock(tmp_path / "x.db.lock").acquire()
    assert "cannot create the run lock" in str(err.value)
