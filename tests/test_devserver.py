"""`make dev` stops within seconds: the devserver wrapper ends the whole process group of `dagster dev`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

# A stand-in for dagster dev: a parent that takes 30 s to shut down after SIGINT (as dagster dev waits for its
# webserver and daemon) and a grandchild that ignores SIGINT altogether (as a code server waiting for its heartbeat
# timeout). Both write their pid so the test can check they are gone.
SLOW_TREE = """
import os, signal, subprocess, sys, time
out = sys.argv[1]
child = subprocess.Popen([sys.executable, "-c",
    "import os, signal, sys, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
    "open(sys.argv[1] + '/grandchild', 'w').write(str(os.getpid())); time.sleep(300)", out])
signal.signal(signal.SIGINT, lambda *a: time.sleep(30))
open(out + "/child", "w").write(str(os.getpid()))
time.sleep(300)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie waiting for its parent to read its status is gone for our purpose
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"


def test_a_stop_signal_ends_the_whole_tree_within_the_grace_period(tmp_path):
    wrapper = subprocess.Popen([sys.executable, "-m", "jeugdkpi.devserver", "--grace", "2", "--", sys.executable,
                                "-c", SLOW_TREE, str(tmp_path)])
    deadline = time.monotonic() + 20
    while not ((tmp_path / "child").exists() and (tmp_path / "grandchild").exists()):
        assert time.monotonic() < deadline, "the stand-in did not start"
        time.sleep(0.05)
    time.sleep(0.2)
    pids = [int((tmp_path / name).read_text()) for name in ("child", "grandchild")]
    started = time.monotonic()
    wrapper.send_signal(signal.SIGTERM)  # Ctrl-C (SIGINT) takes the same path
    code = wrapper.wait(timeout=15)
    took = time.monotonic() - started
    assert code == 128 + signal.SIGTERM
    assert took < 4, f"stopping took {took:.1f} s"  # grace 2 s, then SIGKILL for what is left
    for pid in pids:
        deadline = time.monotonic() + 2
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(pid), pid


def test_a_command_that_ends_by_itself_keeps_its_exit_code():
    from jeugdkpi.devserver import supervise

    assert supervise([sys.executable, "-c", "raise SystemExit(3)"]) == 3


def test_dagster_dev_does_not_print_its_supersession_warning_with_a_source_path():
    code = ("import warnings\n"
            "warnings.warn('Function `dev_command` is superseded and its usage is discouraged.', FutureWarning)\n"
            "warnings.warn('another warning', FutureWarning)\n")
    result = subprocess.run([sys.executable, "-m", "jeugdkpi.devserver", "--", sys.executable, "-c", code],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 0
    assert "dev_command" not in result.stderr and "another warning" in result.stderr  # only that one is silenced
