"""One run per warehouse (docs/operations.md, "One run at a time").

A run holds an exclusive `flock` on `<warehouse>.lock` and on `<publish>/.lock` for its whole duration,
whichever way it started (the CLI, a run launched from the UI, the schedule, the sensor, a partial selection).
The lock file holds JSON naming the holder (pid, host, run id, start time) so a second run can say who is
busy. The kernel drops a `flock` when its holder dies, even by `kill -9`: a lock file that still names a
process whose lock is free is stale and is taken over with a warning. The file is emptied, never removed,
on release (removing a lock file races with a process that has just opened it).

`hold(paths, run_id)` is re-entrant within one process for the same run id, so the CLI can take the lock
before it starts the run and `run_pipeline` takes it again without conflict. `run_lock(instance, run_id,
paths)` is `hold` for a Dagster run: it also marks a dead holder's run failed in the instance.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)


class RunLockedError(RuntimeError):
    """Another run holds the lock: `run <run id> (pid <N>) gestart om HH:MM is nog bezig`."""

    def __init__(self, holder: dict, path: Path):
        self.holder = holder
        self.path = path
        super().__init__(f"run {holder.get('run_id', '?')} (pid {holder.get('pid', '?')}) gestart om "
                         f"{_hhmm(holder.get('started_at'))} is nog bezig")


@dataclass
class _Held:
    fd: int
    run_id: str
    holder: dict
    previous: dict | None   # the stale holder this process took the lock over from
    depth: int = 1


_HELD: dict[str, _Held] = {}   # lock file (resolved path) -> what this process holds
_GUARD = threading.Lock()


def lock_paths(warehouse: Path, publish: Path) -> list[Path]:
    """The lock files of a run: beside the warehouse, and in the publication folder (shared by warehouses)."""
    return [warehouse.with_name(warehouse.name + ".lock"), publish / ".lock"]


@contextlib.contextmanager
def hold(paths: list[Path], run_id: str) -> Iterator[list[dict]]:
    """Hold the run lock on every path (in the given order) for run `run_id`; yields the holders of stale
    locks that were taken over, also by an outer `hold` of the same run (dicts with run_id, pid, host,
    started_at). Raises RunLockedError at once, holding nothing, when another run holds one of them."""
    acquired: list[str] = []
    stale: list[dict] = []
    try:
        for path in paths:
            key, previous = _acquire(Path(path), run_id)
            acquired.append(key)
            if previous is not None:
                stale.append(previous)
        yield stale
    finally:
        for key in reversed(acquired):
            _release(key)


@contextlib.contextmanager
def run_lock(instance, run_id: str, paths: list[Path]) -> Iterator[list[str]]:
    """Hold the run lock files `paths` (jeugdkpi.runlock.lock_paths) for `run_id`. A run whose process died
    while it held one (kill -9, a crash) is marked failed in the instance and its pool slots are freed, even
    when this run goes no further. Yields a warning per stale lock taken over."""
    with hold(paths, run_id) as stale:
        for previous in stale:
            dead = instance.get_run_by_id(previous["run_id"]) if previous.get("run_id") else None
            if dead is None:
                continue  # recorded in another Dagster instance, or none
            if not dead.is_finished:
                instance.report_run_failed(dead, message=(
                    f"Run afgebroken: proces {previous.get('pid')} op {previous.get('host')} bestaat niet meer; "
                    f"de vergrendeling is overgenomen door run {run_id}."))
            if instance.event_log_storage.supports_global_concurrency_limits:
                # the pool slots (pool `duckdb`) a killed run held are otherwise never given back
                instance.event_log_storage.free_concurrency_slots_for_run(dead.run_id)
        yield [takeover_message(previous) for previous in stale]


def holder(path: Path) -> dict | None:
    """Who holds the lock file now (None when it is free or absent)."""
    path = Path(path).resolve()
    with _GUARD:
        if str(path) in _HELD:
            return dict(_HELD[str(path)].holder)
    try:
        fd = os.open(path, os.O_RDWR)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(fd, wait=True)
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


def _acquire(path: Path, run_id: str) -> tuple[str, dict | None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    key = str(path.resolve())
    with _GUARD:
        held = _HELD.get(key)
        if held is not None:
            if held.run_id != run_id:
                raise RunLockedError(held.holder, path)
            held.depth += 1
            return key, held.previous
        fd = os.open(key, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise RunLockedError(_read_holder(fd, wait=True) or {}, path) from None
            previous = _read_holder(fd)
            me = {"run_id": run_id, "pid": os.getpid(), "host": socket.gethostname(),
                  "started_at": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
            os.ftruncate(fd, 0)
            os.pwrite(fd, (json.dumps(me) + "\n").encode(), 0)
            os.fsync(fd)
        except BaseException:
            os.close(fd)   # closing drops the flock, if it was taken
            raise
        _HELD[key] = _Held(fd, run_id, me, previous)
    if previous is not None:
        log.warning("%s (%s)", takeover_message(previous), path)
    return key, previous


def takeover_message(previous: dict) -> str:
    return (f"verouderde vergrendeling van run {previous.get('run_id', '?')} (pid {previous.get('pid', '?')}) "
            "overgenomen")


def _release(key: str) -> None:
    with _GUARD:
        held = _HELD[key]
        held.depth -= 1
        if held.depth:
            return
        del _HELD[key]
        try:
            os.ftruncate(held.fd, 0)  # an empty file: nobody holds it
        finally:
            os.close(held.fd)         # drops the flock


def _read_holder(fd: int, wait: bool = False) -> dict | None:
    """The JSON in the lock file; with `wait`, give a holder that has just locked a moment to write it."""
    deadline = time.monotonic() + (1.0 if wait else 0.0)
    while True:
        raw = os.pread(fd, 4096, 0)
        if raw.strip():
            try:
                found = json.loads(raw)
                return found if isinstance(found, dict) else {}
            except ValueError:
                if not wait:
                    return {}  # garbage from an interrupted writer: stale all the same
        elif not wait:
            return None
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.05)


def _hhmm(started_at: str | None) -> str:
    try:
        return dt.datetime.fromisoformat(started_at).strftime("%H:%M")
    except (TypeError, ValueError):
        return "??:??"
