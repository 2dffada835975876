"""`make dev`: run `dagster dev` so that Ctrl-C or SIGTERM stops everything within seconds (docs/operations.md).

`dagster dev` shuts its services down one after the other: it waits up to 60 s for the webserver, then up to 60 s
for the daemon, then stops the code server, whose gRPC child only exits by itself 45 s after its last heartbeat. Any
of them that is busy (a sensor or schedule evaluation, a run started from the UI, the dbt parse while the code
location loads, a loaded machine) holds the terminal for tens of seconds. This wrapper starts `dagster dev` in a
process group of its own, passes the first Ctrl-C or SIGTERM on as SIGINT (Dagster's orderly shutdown), and kills
whatever is left of the group after GRACE_SECONDS; a second Ctrl-C kills at once. A run killed this way is marked
failed by the next run's run lock (runlock.py) and its dbt dies with it (dbt_child.py).

    python -m jeugdkpi.devserver [--grace SECONDS] -- dagster dev -m jeugdkpi.definitions -p 3000
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

GRACE_SECONDS = 3.0
# `dagster dev` warns that `dg dev` supersedes it, with a source path (click/core.py:NN); `dg` is not installed here
QUIET = "ignore:Function `dev_command` is superseded"


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs. A zombie does not count: its parent is gone and a container's
    process 1 may take seconds to reap it."""
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if entry.name.isdigit():
                try:
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state, ppid, pgrp, ...
                    return True
        return False
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:  # a member we may not signal still exists
        return True


def _kill_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass


def supervise(cmd: list[str], grace: float = GRACE_SECONDS) -> int:
    """Run `cmd` in a new process group until it exits; a stop signal ends the whole group within `grace` seconds.
    Returns the command's exit code, or 128 + the signal number when it was stopped."""
    stop: dict[str, float | int] = {}
    group: dict[str, int] = {}

    def on_signal(signum, _frame):
        if "at" in stop:  # asked twice: no more waiting
            if group:
                _kill_group(group["pgid"], signal.SIGKILL)
            return
        stop.update(at=time.monotonic(), signum=signum)
        if group:
            _kill_group(group["pgid"], signal.SIGINT)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        env = dict(os.environ, PYTHONWARNINGS=",".join(filter(None, [os.environ.get("PYTHONWARNINGS"), QUIET])))
        child = subprocess.Popen(cmd, start_new_session=True, env=env)
        pgid = group["pgid"] = child.pid
        if "at" in stop:  # stopped while it was starting
            _kill_group(pgid, signal.SIGINT)
        code = None
        while True:
            if code is None:
                try:
                    code = child.wait(timeout=0.1)
                except subprocess.TimeoutExpired:
                    pass
            else:
                time.sleep(0.05)
            if "at" not in stop:
                if code is not None:
                    break
                continue
            # stopping: also after the child itself has gone, its services (code server, a run) may linger
            if code is not None and not _group_alive(pgid):
                break
            if time.monotonic() - stop["at"] > grace:
                _kill_group(pgid, signal.SIGKILL)
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    return 128 + int(stop["signum"]) if "at" in stop else code


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    grace = GRACE_SECONDS
    if args[:1] == ["--grace"]:
        grace, args = float(args[1]), args[2:]
    if args[:1] == ["--"]:
        args = args[1:]
    if not args:
        print("gebruik: python -m jeugdkpi.devserver [--grace SECONDEN] -- COMMANDO ...", file=sys.stderr)
        return 2
    return supervise(args, grace)


if __name__ == "__main__":
    raise SystemExit(main())
