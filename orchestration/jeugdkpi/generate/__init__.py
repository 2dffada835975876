"""Deterministic synthetic demo region: iJw 3.2 messages for `jeugdkpi generate` (docs/demo-region.md).

    from jeugdkpi.generate import generate_region
    summary = generate_region(Path("data/landing"), seed=42, youths=3000, years=(2022, 2026))

writes `<out>/berichten/<year>/<JWnnn>/<yyyy-mm>/<JWnnn>_<sender>_<Identificatie>.xml` (one Bericht per file)
and, with `with_errors=True`, four deliberately bad files under `<out>/berichten/fouten/`. Same arguments =>
byte-identical files. Everything is synthetic: BSNs from the test range, names "Testpersoon-...", street
"Voorbeeldstraat".
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jeugdkpi.generate.calendar import WorkCalendar, load_holidays
from jeugdkpi.generate.catalog import load_catalog
from jeugdkpi.generate.errors import ERROR_FILES, write_error_files
from jeugdkpi.generate.inputs import write_inputs
from jeugdkpi.generate.region import Simulation

__all__ = ["GenerateSummary", "generate_region", "personal_strings", "default_until", "ERROR_FILES",
           "MESSAGE_TYPES"]

MESSAGE_TYPES = ("JW301", "JW302", "JW305", "JW306", "JW307", "JW308", "JW315", "JW316", "JW317", "JW318",
                 "JW319", "JW320", "JW323", "JW325")


@dataclass(frozen=True)
class GenerateSummary:
    out: Path
    seed: int
    years: tuple[int, int]
    until: date
    municipalities: tuple[str, ...]
    n_youths: int  # youths that occur in at least one message
    files: dict[str, int]  # message type -> number of files (the error files are not included)
    records: dict[str, int]  # message type -> number of records (ingest's unit, see render.py)
    error_files: int  # files under berichten/fouten/
    inputs: dict[str, int] = field(default_factory=dict)  # files per other landing folder (generate/inputs.py)

    @property
    def total_files(self) -> int:
        return sum(self.files.values())

    @property
    def total_records(self) -> int:
        return sum(self.records.values())

    # aliases (older callers)
    @property
    def files_per_type(self) -> dict[str, int]:
        return self.files

    @property
    def records_per_type(self) -> dict[str, int]:
        return self.records


def default_until(years: tuple[int, int]) -> date:
    """2026-09-30 when the last year is 2026 or later (a stable demo peildatum), else 31 December of it."""
    return date(years[1], 9, 30) if years[1] >= 2026 else date(years[1], 12, 31)


def generate_region(
    out: Path,
    *,
    seed: int = 42,
    youths: int = 3000,
    years: tuple[int, int] = (2022, 2026),
    municipalities: list[str] | None = None,
    until: date | None = None,
    with_errors: bool = True,
    overwrite: bool = False,
) -> GenerateSummary:
    """Write the synthetic region's iJw messages under `out/berichten/` and return what was written.

    Raises FileExistsError when `out/berichten` already holds files (unless overwrite=True, which removes
    that folder first) and ValueError for unusable arguments.
    """
    from jeugdkpi.settings import SEEDS_DIR

    out = Path(out)
    y0, y1 = int(years[0]), int(years[1])
    if y0 > y1:
        raise ValueError(f"years must be (first, last), got {years!r}")
    if y0 < 2021:
        raise ValueError("iJw 3.2 declarations start in 2021 (CS100): the first year must be 2021 or later")
    if youths < 1:
        raise ValueError("youths must be at least 1")
    start = date(y0, 1, 1)
    until = until or default_until((y0, y1))
    if until < date(y0, 2, 1) or until > date(y1, 12, 31):
        raise ValueError(f"until must lie between {y0}-02-01 and {y1}-12-31, got {until}")

    berichten = out / "berichten"
    if berichten.exists() and any(berichten.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{berichten} is not empty; choose an empty folder or pass overwrite=True")
        shutil.rmtree(berichten)
    berichten.mkdir(parents=True, exist_ok=True)

    catalog = load_catalog(SEEDS_DIR, municipalities)
    # plans may run years past the last year (a chain of stays); they are never sent, but dated on working days
    cal = WorkCalendar(load_holidays(SEEDS_DIR), date(y0 - 3, 1, 1), date(y1 + 10, 12, 31))
    sim = Simulation(berichten, seed, catalog, cal, start, until)
    sim.run(youths)
    n_err = write_error_files(berichten, catalog, cal, start, until) if with_errors else 0
    inputs = write_inputs(out, seed, catalog, (y0, y1), until, SEEDS_DIR, sim, with_errors)
    return GenerateSummary(
        out=out,
        seed=seed,
        years=(y0, y1),
        until=until,
        municipalities=tuple(m.code for m in catalog.municipalities),
        n_youths=len(sim.out.youths_seen),
        files={t: sim.out.writer.files[t] for t in MESSAGE_TYPES if sim.out.writer.files[t]},
        records={t: sim.out.writer.records[t] for t in MESSAGE_TYPES if sim.out.writer.records[t]},
        error_files=n_err,
        inputs=inputs,
    )


_PERSONAL = re.compile(
    r"<ijw:(Achternaam|Voornamen|Straatnaam|Postcode|Telefoonnummer|Emailadres)>([^<]+)</ijw:\1>"
)
_WITH_PERSONS = ("JW301", "JW302", "JW305", "JW306", "JW307", "JW308", "JW315", "JW316")


def personal_strings(out: Path) -> set[str]:
    """The names, streets, postcodes and phone numbers in the generated messages under `out/berichten`.

    A privacy test can scan the warehouse for these strings: none of them may be stored. (Plaatsnaam is left
    out on purpose: it is a municipality name, which the warehouse legitimately holds.)
    """
    from xml.sax.saxutils import unescape

    found: set[str] = set()
    for path in sorted(Path(out, "berichten").rglob("*.xml")):
        if path.parent.name != "fouten" and not path.name.startswith(_WITH_PERSONS):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found.update(unescape(m.group(2)) for m in _PERSONAL.finditer(text))
    return found
