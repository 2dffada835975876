"""Fingerprints: what a warehouse state or a publication was made from (docs/publication.md).

- `build_fingerprint(regio, uitval_codes)`: the selected region (JEUGDKPI_REGIO), OI01's uitval codes, the seeds
  and the dbt project (models, macros, tests, dbt_project.yml). A dbt build records it; publication refuses a
  warehouse built for another region or other uitval codes, or from other seeds or other SQL than are there now.
- `code_version()`: the build fingerprint plus the Python package and the expectation suites.
- `inputs_fingerprint(con)`: the landed inputs by content (SHA-256, source, status; never file names).
- `publication_fingerprint(...)`: inputs, seeds, code, region, uitval codes, peildatum and the small-cell minimum.
  Equal to the half-year's latest publication means nothing new to publish ("ongewijzigd"), and a run of the
  whole pipeline then skips dbt, the checks after it and the publication (docs/performance.md).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path

from jeugdkpi.settings import DBT_PROJECT_DIR, EXPECTATIONS_DIR, REPO_ROOT, SEEDS_DIR

PACKAGE_DIR = Path(__file__).resolve().parent


def _files_digest(files: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(set(files)):
        if path.is_file() and not path.is_symlink():
            digest.update(path.relative_to(REPO_ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _dbt_sources() -> list[Path]:
    return [DBT_PROJECT_DIR / "dbt_project.yml",
            *(p for sub in ("models", "macros", "tests") for p in (DBT_PROJECT_DIR / sub).rglob("*"))]


def seeds_fingerprint() -> str:
    return _files_digest(SEEDS_DIR.glob("*.csv"))


def build_fingerprint(regio: str, uitval_codes: Iterable[str] = ("03",)) -> str:
    """Region, OI01's uitval codes (the dbt vars besides the peildatum, which the ledger holds apart), seeds and
    dbt project: what `dbt build` turns raw data into the marts with."""
    payload = f"{regio}\0{','.join(sorted(uitval_codes))}\0{seeds_fingerprint()} {_files_digest(_dbt_sources())}"
    return hashlib.sha256(payload.encode()).hexdigest()


def code_version() -> str:
    """Everything in the repository that shapes a publication besides the inputs and the settings."""
    parts = [_files_digest(_dbt_sources()), _files_digest(PACKAGE_DIR.rglob("*.py")),
             _files_digest(EXPECTATIONS_DIR.glob("*.json"))]
    return hashlib.sha256(" ".join(parts).encode()).hexdigest()[:16]


def inputs_fingerprint(con) -> str:
    """The landed inputs by content: (source, SHA-256, status) of every file the warehouse knows, except
    re-landed copies (`duplicate`), so renaming or copying a file changes nothing."""
    rows = con.execute("SELECT DISTINCT source, sha256, status FROM audit.ingest_files WHERE status <> 'duplicate' "
                       "ORDER BY ALL").fetchall()
    return hashlib.sha256("\n".join(" ".join(r) for r in rows).encode()).hexdigest()


def publication_fingerprint(*, inputs: str, seeds: str, code: str, regio: str, peildatum: dt.date,
                            min_cell: int, uitval_codes: Iterable[str] = ("03",)) -> str:
    payload = {"inputs": inputs, "seeds": seeds, "code": code, "regio": regio, "peildatum": peildatum.isoformat(),
               "min_cell": min_cell}
    if tuple(uitval_codes) != ("03",):  # the default keeps the fingerprints of earlier publications
        payload["uitval_codes"] = ",".join(sorted(uitval_codes))
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
