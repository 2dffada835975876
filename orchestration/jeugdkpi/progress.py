"""Step progress of a pipeline run, for the terminal of `jeugdkpi run`.

Assets report their progress here (`step(...)` as a context manager, `advance`, `set_total`); who listens is
decided by the caller: `jeugdkpi run` installs a `TerminalProgress` around the in-process run, a run started
from the Dagster UI has no reporter and these calls cost nothing (the UI shows the run's own events).

On a terminal every step is one progress bar that redraws in place (`[#####-----]  1.234/2.500 bestanden`);
when the output is a file or a scheduler's log, each step writes one line when it ends, so logs stay short.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO


def nl(n: int) -> str:
    """A count in the Dutch way: 1.234.567."""
    return f"{n:,}".replace(",", ".")


class TerminalProgress:
    """Progress bars (tty) or one line per finished step (anything else), written to `stream`."""

    WIDTH = 24
    MIN_REDRAW_S = 0.1

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None):
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self._lock = threading.Lock()
        self._label = ""
        self._unit = ""
        self._done = 0
        self._total: int | None = None
        self._started = 0.0
        self._drawn = 0.0
        self.finished: list[tuple[str, int, int | None, str, float]] = []  # (label, done, total, unit, seconds)

    def start(self, label: str, total: int | None, unit: str) -> None:
        with self._lock:
            self._label, self._total, self._unit, self._done = label, total, unit, 0
            self._started = time.perf_counter()
            self._draw(force=True)

    def set_total(self, total: int) -> None:
        with self._lock:
            self._total = total
            self._draw()

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self._done += n
            self._draw()

    def update(self, done: int, total: int | None = None) -> None:
        with self._lock:
            self._done = done
            if total is not None:
                self._total = total
            self._draw()

    def finish(self, detail: str = "", failed: bool = False) -> None:
        with self._lock:
            seconds = time.perf_counter() - self._started
            self.finished.append((self._label, self._done, self._total, self._unit, seconds))
            mark = "✗" if failed else "✓"
            line = f"{mark} {self._label:<46}{self._counts():>26}  {seconds:6.1f} s"
            if detail:
                line += f"  {detail}"
            self.stream.write(("\r\033[K" if self.tty else "") + line + "\n")
            self.stream.flush()

    def notice(self, text: str) -> None:
        """One line for the operator above the bar (the bar is cleared first and redrawn below it)."""
        with self._lock:
            self.stream.write(("\r\033[K" if self.tty else "") + f"Let op: {text}\n")
            self.stream.flush()
            if self._label and self.tty:
                self._draw(force=True)

    def _counts(self) -> str:
        if self._total is None and not self._unit:
            return ""
        if self._total is None:
            return f"{nl(self._done)} {self._unit}".strip()
        return f"{nl(self._done)}/{nl(self._total)} {self._unit}".strip()

    def _draw(self, force: bool = False) -> None:
        if not self.tty:
            return
        now = time.perf_counter()
        if not force and now - self._drawn < self.MIN_REDRAW_S:
            return
        self._drawn = now
        if self._total:
            filled = min(self.WIDTH, int(self.WIDTH * self._done / self._total))
            bar = "[" + "#" * filled + "-" * (self.WIDTH - filled) + "]"
        else:
            dots = int(now * 4) % (self.WIDTH + 1)  # total unknown yet: a moving row of dots
            bar = "[" + "." * dots + " " * (self.WIDTH - dots) + "]"
        self.stream.write(f"\r\033[K  {self._label:<46}{bar} {self._counts()}")
        self.stream.flush()


_reporter: TerminalProgress | None = None


@contextlib.contextmanager
def reporting(reporter: TerminalProgress) -> Iterator[TerminalProgress]:
    """Send the progress of everything run inside this block to `reporter`."""
    global _reporter
    previous, _reporter = _reporter, reporter
    try:
        yield reporter
    finally:
        _reporter = previous


@dataclass
class StepOutcome:
    """What the step tells the operator when it ends: a short detail and whether it failed."""
    detail: str = ""
    failed: bool = False


@contextlib.contextmanager
def step(label: str, total: int | None = None, unit: str = "") -> Iterator[StepOutcome]:
    """One step of the run (a Dutch label as the operator reads it); the block may set the outcome's detail
    and failed flag. A block that raises is shown as failed."""
    outcome = StepOutcome()
    reporter = _reporter
    if reporter is None:
        yield outcome
        return
    reporter.start(label, total, unit)
    try:
        yield outcome
    except BaseException:
        reporter.finish(outcome.detail, failed=True)
        raise
    reporter.finish(outcome.detail, outcome.failed)


def notice(text: str) -> None:
    """Tell the operator something during a run: one Dutch line, never a source path or a Python warning class.
    Under `jeugdkpi run` it is written above the progress bar; without a reporter (a run from the Dagster UI, a
    test) it goes to standard error, which Dagster keeps in the step's log."""
    if _reporter is not None:
        _reporter.notice(text)
    else:
        print(f"jeugdkpi: let op: {text}", file=sys.stderr, flush=True)


def advance(n: int = 1) -> None:
    if _reporter is not None:
        _reporter.advance(n)


def update(done: int, total: int | None = None) -> None:
    if _reporter is not None:
        _reporter.update(done, total)


def set_total(total: int) -> None:
    if _reporter is not None:
        _reporter.set_total(total)
