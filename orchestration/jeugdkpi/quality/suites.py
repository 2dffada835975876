"""Expectation suites: GX Core 1.x suites stored as JSON in `expectations/`, one per checked table.

A suite file is a plain GX `ExpectationSuite` (name, expectations with type/kwargs/meta) plus two project
conventions, documented in docs/quality-gate.md:

- `meta.severity` of every expectation is `critical` (fails the gate) or `warning` (published, listed in the
  manifest); `meta.name` names it for auditors. A suite checks one table, the suite's `meta.table` (the table of
  the asset it is attached to): an expectation or custom check on another table is a SuiteError.
- `meta.custom_checks` of the suite lists the checks GX has no built-in for (catalogue completeness, volume
  against the last publication); they are Python functions in `quality/custom.py` and are reported in the same
  `audit.validation_results` list.

Keys, nulls, accepted values, relationships and invariants of the dbt models are dbt data tests, not suite
expectations: each check has one owner (docs/quality-gate.md, "Who checks what").

Value sets that come from the region's reference tables (`seeds/*.csv`) are GX suite parameters
(`{"$PARAMETER": "seed_municipality_codes"}`), filled in at validation time from the CSV files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from jeugdkpi import seeds
from jeugdkpi.settings import EXPECTATIONS_DIR, SEEDS_DIR

SEVERITIES = ("critical", "warning")
# iJw 3.2 message types of docs/inputs.md (berichtcode of the header is checked by the parser)
MESSAGE_TYPES = ["JW301", "JW302", "JW305", "JW306", "JW307", "JW308", "JW315", "JW316", "JW317", "JW318",
                 "JW319", "JW320", "JW323", "JW325"]


class SuiteError(ValueError):
    """A suite file that does not follow the conventions above."""


@dataclass(frozen=True)
class ExpectationSpec:
    type: str
    kwargs: dict
    name: str
    severity: str
    table: str
    description: str = ""

    def gx_config(self) -> dict:
        return {"type": self.type, "kwargs": self.kwargs,
                "meta": {"name": self.name, "severity": self.severity}}


@dataclass(frozen=True)
class CustomCheckSpec:
    check: str
    name: str
    severity: str
    table: str
    description: str = ""
    params: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Suite:
    name: str
    family: str
    asset: tuple[str, ...]
    table: str
    description: str
    expectations: tuple[ExpectationSpec, ...]
    custom_checks: tuple[CustomCheckSpec, ...]
    path: Path

    def tables(self) -> list[str]:
        seen: dict[str, None] = {}
        for e in self.expectations:
            seen.setdefault(e.table)
        return list(seen)


def _severity(meta: dict, where: str) -> str:
    sev = meta.get("severity")
    if sev not in SEVERITIES:
        raise SuiteError(f"{where}: meta.severity must be one of {SEVERITIES}, got {sev!r}")
    return sev


def _same_table(meta: dict, table: str, where: str) -> None:
    if meta.get("table", table) != table:
        raise SuiteError(f"{where}: checks {meta['table']}, but a suite checks one table ({table}); "
                         "write a suite per table")


def load_suite(path: Path) -> Suite:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    meta = data.get("meta", {})
    name = data["name"]
    if name != Path(path).stem:
        raise SuiteError(f"{path}: suite name {name!r} must equal the file name")
    table = meta.get("table")
    if not table:
        raise SuiteError(f"{path}: no meta.table (the one table the suite checks)")
    expectations = []
    for i, e in enumerate(data.get("expectations", [])):
        em = e.get("meta", {})
        where = f"{path.name} expectation {i} ({e.get('type')})"
        _same_table(em, table, where)
        expectations.append(ExpectationSpec(type=e["type"], kwargs=e.get("kwargs", {}),
                                            name=em.get("name") or f"{e['type']}_{i}", severity=_severity(em, where),
                                            table=table, description=em.get("description", "")))
    names = {e.name for e in expectations}
    customs = []
    for i, c in enumerate(meta.get("custom_checks", [])):
        where = f"{path.name} custom check {i} ({c.get('check')})"
        _same_table(c, table, where)
        spec = CustomCheckSpec(check=c["check"], name=c.get("name") or c["check"], severity=_severity(c, where),
                               table=table, description=c.get("description", ""), params=c.get("params", {}))
        customs.append(spec)
        names.add(spec.name)
    if len(names) != len(expectations) + len(customs):
        raise SuiteError(f"{path}: expectation names must be unique within a suite")
    return Suite(name=name, family=meta.get("family", name.split("_")[0]), asset=tuple(meta["asset"]),
                 table=table, description=meta.get("description", ""), expectations=tuple(expectations),
                 custom_checks=tuple(customs), path=Path(path))


def load_suites(folder: Path = EXPECTATIONS_DIR) -> list[Suite]:
    return [load_suite(p) for p in sorted(Path(folder).glob("*.json"))]


def suite_parameters(seeds_dir: Path = SEEDS_DIR) -> dict[str, list]:
    """The `$PARAMETER` values of the suites: code sets of the region's reference tables and of iJw."""
    from jeugdkpi.regions import successors

    return {
        # with the codes of merged municipalities: their messages count for the successor (docs/regions.md)
        "seed_municipality_codes": sorted({*seeds.column("municipalities.csv", "municipality_code", seeds_dir),
                                           *successors(seeds_dir)}),
        "seed_provider_agbs": seeds.column("providers.csv", "provider_agb", seeds_dir),
        "seed_product_categories": seeds.column("products.csv", "product_category", seeds_dir),
        "message_types": MESSAGE_TYPES,
    }
