"""`jeugdkpi-dbt`: dbt as a child that dies with the process that started it.

dagster-dbt starts dbt as a subprocess. When the run's process ends without cleaning up (kill -9, OOM killer),
a plain dbt child keeps running and writing the warehouse. This wrapper asks the Linux kernel to send it SIGKILL
when its parent ends (prctl PR_SET_PDEATHSIG), then replaces itself with the real dbt of the same environment
(the setting survives exec). The parent that started it is named in JEUGDKPI_DBT_PARENT_PID (set by
assets/transform.py), so that a parent that died before the setting took effect is noticed as well.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

PARENT_PID_ENV = "JEUGDKPI_DBT_PARENT_PID"
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """SIGKILL this process when its parent ends (Linux; elsewhere nothing changes)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    expected = os.environ.pop(PARENT_PID_ENV, None)
    # the parent may have ended before the setting took effect: then this process was re-parented already
    # (not a test of ppid 1: in a container the run itself may be process 1)
    if expected and expected.isdigit() and os.getppid() != int(expected):
        os._exit(128 + signal.SIGKILL)


def real_dbt() -> str:
    return str(Path(sys.executable).parent / "dbt")


def dbt_executable() -> str:
    """What the pipeline starts dbt with: this wrapper when it is installed (pip install -e .), else plain dbt -
    both of this interpreter's environment, also when the venv is not activated. The caller sets PARENT_PID_ENV."""
    wrapper = Path(sys.executable).parent / "jeugdkpi-dbt"
    return str(wrapper) if wrapper.exists() else real_dbt()


def main() -> None:
    die_with_parent()
    dbt = real_dbt()
    os.execv(dbt, [dbt, *sys.argv[1:]])


if __name__ == "__main__":
    main()
