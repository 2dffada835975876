"""Dagster assets of jeugdkpi, one module per layer: ingest, inputs, transform (dbt), quality, publish, reports."""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent.parent

# the whole half-yearly run (jeugdkpi run, the schedule, the sensor, the job in the UI); definitions.py defines it
PIPELINE_JOB = "jeugdkpi_pipeline"
# a run with this tag set to "true" builds and checks everything even when nothing is new (`jeugdkpi run --rebuild`)
REBUILD_TAG = "jeugdkpi/rebuild"


def code_version(*paths: str) -> str:
    """A code version for an asset: the SHA-256 (12 hex) of the Python sources it runs, given as paths relative
    to the jeugdkpi package (a folder counts with all its .py files). It changes exactly when that code changes,
    so the UI marks the asset's last materialisation as made by older code."""
    digest = hashlib.sha256()
    for rel in paths:
        path = PACKAGE_ROOT / rel
        for file in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(file.relative_to(PACKAGE_ROOT).as_posix().encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]
