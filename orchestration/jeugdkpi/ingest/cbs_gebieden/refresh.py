"""Refresh seeds/municipalities.csv from CBS StatLine "Gebieden in Nederland <jaar>" (`jeugdkpi cbs-gebieden`).

Uses `cbsodata.download_data` (keeps the region keys: `GM0034`). The table's columns are numbered per year
(`Code_1`, `Naam_2`, ... differ between the 2022 and 2024 tables), so they are found by their titles in the
table's DataProperties: the topics `Code` and `Naam` under the topic group whose title starts with "Jeugdregio"
(the jeugdzorgregio), and `Naam` under "Codes en namen van gemeenten" (the municipality's name).

The seed is merged, never replaced (docs/regions.md):
- the seed's `region_code` column gets the jeugdzorgregio's CBS code (the table's `Code` beside the region's
  `Naam`), so JEUGDKPI_REGIO can name a region by code as well as by name;
- a municipality in the table: name and region updated (a region whose name differs from the seed's only in
  case, spaces or hyphens keeps the seed's spelling, so JEUGDKPI_REGIO keeps working), valid_to emptied;
- a municipality new to the seed: added, valid_from = its merge date in seeds/municipality_mergers.csv, else
  2015-01-01 (the seed's "since the Jeugdwet");
- a municipality of the seed that is not in the table: kept, with valid_to = the day before the table's
  1 January (when it has none yet).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_TABLE = "85755NED"  # Gebieden in Nederland 2024 (2022: 85067NED); each year has its own table id
COLUMNS = ["municipality_code", "name", "region", "valid_from", "valid_to", "region_code"]
SINCE_JEUGDWET = "2015-01-01"


class GebiedenError(RuntimeError):
    pass


@dataclass(frozen=True)
class Gebieden:
    table: str
    year: int
    municipalities: dict[str, tuple[str, str]]  # code (4 digits) -> (name, jeugdzorgregio)
    region_codes: dict[str, str]  # jeugdzorgregio name (as CBS spells it) -> its CBS code, when the table has one


@dataclass
class MergeStats:
    updated: int = 0
    added: int = 0
    ended: int = 0
    unchanged: int = 0


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _topic_keys(properties: list[dict], group_prefix: str) -> dict[str, str]:
    """Title -> key of the topics under the first topic group whose title starts with `group_prefix`."""
    groups = [p for p in properties if p.get("Type") == "TopicGroup"
              and _text(p.get("Title")).lower().startswith(group_prefix.lower())]
    if not groups:
        return {}
    gid = groups[0].get("ID")
    return {_text(p.get("Title")): _text(p.get("Key")) for p in properties
            if p.get("ParentID") == gid and p.get("Type") == "Topic"}


def fetch_gebieden(table: str = DEFAULT_TABLE, download: Callable[..., dict] | None = None) -> Gebieden:
    """Every municipality of the table with its name and jeugdzorgregio."""
    if download is None:
        import cbsodata  # lazily: only this command needs it

        download = cbsodata.download_data
    data = download(table)
    properties = data.get("DataProperties", [])
    jeugd = _topic_keys(properties, "Jeugdregio") or _topic_keys(properties, "Jeugdzorgregio")
    if "Naam" not in jeugd:
        raise GebiedenError(f"table {table} has no jeugdregio columns (is it a 'Gebieden in Nederland' table?)")
    names = _topic_keys(properties, "Codes en namen van gemeenten").get("Naam")
    titles = {_text(r.get("Key")): _text(r.get("Title")) for r in data.get("RegioS", [])}
    title = _text((data.get("TableInfos") or [{}])[0].get("Title"))
    year = re.search(r"(20\d\d)", title)
    municipalities: dict[str, tuple[str, str]] = {}
    region_codes: dict[str, str] = {}
    for row in data.get("TypedDataSet", []):
        key = _text(row.get("RegioS"))
        if not re.fullmatch(r"GM\d{4}", key):
            continue  # a country or province total, if the table has one
        name = _text(row.get(names)) if names else ""
        region = _text(row.get(jeugd["Naam"]))
        if not region:
            raise GebiedenError(f"{key} has no jeugdregio in table {table}")
        municipalities[key[2:]] = (name or titles.get(key, key), region)
        if jeugd.get("Code") and _text(row.get(jeugd["Code"])):
            region_codes[region] = _text(row.get(jeugd["Code"]))
    if not municipalities:
        raise GebiedenError(f"table {table} has no municipalities (GM codes)")
    return Gebieden(table, int(year.group(1)) if year else dt.date.today().year, municipalities, region_codes)


def _norm(text: str) -> str:
    return re.sub(r"[\s\-_]+", "", text.lower())


def merge_seed(existing: list[dict[str, str]], gebieden: Gebieden,
               merge_dates: dict[str, str] | None = None) -> tuple[list[dict[str, str]], MergeStats]:
    """The seed rows after the refresh (module docstring), sorted by region and name, and what changed."""
    merge_dates = merge_dates or {}
    spelling = {_norm(r["region"]): r["region"] for r in existing if r.get("region")}
    ended_on = (dt.date(gebieden.year, 1, 1) - dt.timedelta(days=1)).isoformat()
    stats = MergeStats()
    rows: dict[str, dict[str, str]] = {}
    for old in existing:
        row = {c: _text(old.get(c)) for c in COLUMNS}
        code = row["municipality_code"]
        if code in gebieden.municipalities:
            name, region = gebieden.municipalities[code]
            new = {**row, "name": name, "region": spelling.get(_norm(region), region), "valid_to": "",
                   "region_code": gebieden.region_codes.get(region, row["region_code"])}
            if new != row:
                stats.updated += 1
            else:
                stats.unchanged += 1
            row = new
        elif not row["valid_to"]:
            row["valid_to"] = ended_on
            stats.ended += 1
        else:
            stats.unchanged += 1
        rows[code] = row
    for code, (name, region) in gebieden.municipalities.items():
        if code not in rows:
            rows[code] = {"municipality_code": code, "name": name, "region": spelling.get(_norm(region), region),
                          "valid_from": merge_dates.get(code, SINCE_JEUGDWET), "valid_to": "",
                          "region_code": gebieden.region_codes.get(region, "")}
            stats.added += 1
    ordered = sorted(rows.values(), key=lambda r: (r["region"].lower(), r["name"].lower(), r["municipality_code"]))
    return ordered, stats


def read_seed(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def write_seed(path: Path, rows: list[dict[str, str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def refresh_seed(seed: Path, table: str = DEFAULT_TABLE, download: Callable[..., dict] | None = None,
                 mergers: Path | None = None) -> tuple[Gebieden, MergeStats]:
    """Fetch the table and merge it into the seed file in place."""
    gebieden = fetch_gebieden(table, download)
    merge_dates = {}
    if mergers is not None and Path(mergers).exists():
        for r in read_seed(Path(mergers)):
            merge_dates.setdefault(r["new_code"].strip(), r["merge_date"].strip())
    rows, stats = merge_seed(read_seed(seed), gebieden, merge_dates)
    write_seed(seed, rows)
    return gebieden, stats


def command(args) -> int:
    """`jeugdkpi cbs-gebieden [--tabel ID] [--seed F]`: exit 0 refreshed, 1 CBS unreachable or not the expected
    table (the seed is then unchanged)."""
    import sys

    from jeugdkpi.regions import MERGERS_FILE
    from jeugdkpi.settings import SEEDS_DIR, resolve_path

    seed = resolve_path(args.seed) if args.seed else SEEDS_DIR / "municipalities.csv"
    try:
        gebieden, stats = refresh_seed(seed, args.tabel, mergers=seed.parent / MERGERS_FILE)
    except GebiedenError as exc:
        print(f"jeugdkpi: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # requests' ConnectionError is an OSError
        print(f"jeugdkpi: error: CBS StatLine is niet bereikbaar ({type(exc).__name__}); {seed} is niet "
              "gewijzigd", file=sys.stderr)
        return 1
    regions = len({region for _, region in gebieden.municipalities.values()})
    print(f"jeugdkpi cbs-gebieden: {seed} bijgewerkt uit {gebieden.table} ({gebieden.year}): "
          f"{len(gebieden.municipalities)} gemeenten in {regions} jeugdzorgregio's")
    print(f"  {stats.added} toegevoegd, {stats.updated} gewijzigd, {stats.unchanged} ongewijzigd, "
          f"{stats.ended} niet meer in de tabel (valid_to gezet)")
    return 0
