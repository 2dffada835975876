"""Refresh the CBS reference values ("benchmark", docs/benchmark.md) from three StatLine tables
(`jeugdkpi cbs-benchmark --out F`): one long CSV, one row per table x measure x area x period.

- 85098NED "Indicatoren jeugdzorg in natura; gemeenten": the share of youths with jeugdhulp that have verblijf
  (NL and municipalities; the table has no jeugdzorgregio rows), per half-year and year.
- 85097NED "Jeugdhulptrajecten in natura; verwijzer, regio": ended trajectories in total and ended voortijdig
  (all hulpvormen), and the average duration of ended trajectories with verblijf (days -> months / 30.4375).
- 85100NED "Jongeren met jeugdzorg; persoonskenmerken": youths with jeugdhulp met verblijf (NL, municipalities
  and jeugdzorgregio's JZnn).

Uses `cbsodata.download_data` (raw keys: `GM0034`, `2025HJ01`). CBS numbers its column keys per table, so a
measure is found by its Title in DataProperties (case- and accent-insensitive substrings of the title and of its
topic groups), never by a guessed key; a title that is not there stops the refresh with the table named.
Every other dimension (Verwijzer, Geslacht, Leeftijd, ...) is kept at its total (the item whose title starts
with "Totaal"). CBS rounds counts to multiples of 5 and withholds small cells (TypedDataSet: null): a withheld
cell is written with an empty `waarde` and `onderdrukt=true`, never 0; counts carry `afgerond=5`. The period
status (voorlopig, nader voorlopig, definitief) comes from the `Perioden` resource. Needs network access; the
demo region ships a synthetic file (generate/inputs.py).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

DAYS_PER_MONTH = 30.4375
COLUMNS = ["bron_tabel", "maat", "gebied_type", "gebied_code", "gebied_naam", "periode", "waarde", "eenheid",
           "onderdrukt", "afgerond", "bron_periode", "bron_status", "opgehaald_op"]


class BenchmarkError(RuntimeError):
    pass


@dataclass(frozen=True)
class Measure:
    """One measure of a table: `maat` (our stable id) and how to find its column by title.

    `alternatives`: tried in order; each is (words in the topic's own title, words in the titles of its topic
    groups, words in neither). The first alternative with a matching topic wins (the first such topic)."""

    maat: str
    kind: str  # count | percentage | duration
    alternatives: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...]


TABLES: dict[str, tuple[bool, tuple[Measure, ...]]] = {  # table -> (has jeugdzorgregio rows, measures)
    "85098NED": (False, (
        Measure("pct_verblijf_van_jeugdhulp", "percentage", ((("jeugdhulp met verblijf",), (), ()),)),
    )),
    "85097NED": (False, (
        Measure("trajecten_beeindigd", "count", ((("totaal", "beeindigd"), (), ("verblijf",)),)),
        Measure("trajecten_voortijdig", "count", ((("voortijdig",), (), ("verblijf",)),)),
        Measure("duur_beeindigd_maanden", "duration", (
            (("gemiddelde duur",), ("met verblijf",), ()),  # the table splits by hulpvorm: with verblijf
            (("gemiddelde duur", "met verblijf"), (), ()),
            (("gemiddelde duur",), (), ("verblijf",)),  # no split: all ended trajectories
        )),
    )),
    "85100NED": (True, (
        Measure("jeugdigen_verblijf", "count", ((("jeugdhulp met verblijf",), (), ("%",)),)),
    )),
}
MEASURES = {m.maat: (table, m) for table, (_, ms) in TABLES.items() for m in ms}
COUNT_MEASURES = sorted(m for m, (_, spec) in MEASURES.items() if spec.kind == "count")
_PERIOD = re.compile(r"^(\d{4})(HJ0[12]|JJ00)$")


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _fold(text: str) -> str:
    """Lower case without accents ('Beëindigd' -> 'beeindigd'), for matching titles."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def find_column(properties: list[dict], table: str, measure: Measure) -> tuple[str, str]:
    """(key, unit) of the measure's topic in the table's DataProperties; BenchmarkError when none matches."""
    by_id = {p.get("ID"): p for p in properties if p.get("ID") is not None}

    def groups(p: dict) -> str:
        titles, parent, seen = [], p.get("ParentID"), set()
        while parent is not None and parent in by_id and parent not in seen:
            seen.add(parent)
            titles.append(_text(by_id[parent].get("Title")))
            parent = by_id[parent].get("ParentID")
        return _fold(" / ".join(titles))

    topics = [p for p in properties if p.get("Type") == "Topic"]
    for own, in_groups, excluded in measure.alternatives:
        for p in topics:
            title, path = _fold(_text(p.get("Title"))), groups(p)
            if all(w in title for w in own) and all(w in path for w in in_groups) \
                    and not any(w in title or w in path for w in excluded):
                return _text(p.get("Key")), _text(p.get("Unit"))
    wanted = " | ".join("title with " + " + ".join(repr(w) for w in own) for own, _, _ in measure.alternatives)
    raise BenchmarkError(f"table {table}: no column for {measure.maat} in DataProperties ({wanted}); "
                         "did CBS rename the measure?")


def _area(key: str) -> tuple[str, str] | None:
    if key == "NL01":
        return "nederland", "NL"
    if re.fullmatch(r"GM\d{4}", key):
        return "gemeente", key[2:]
    if re.fullmatch(r"JZ\d{2}", key):
        return "regio", key
    return None  # a province, landsdeel or other grouping


def periode_of(key: str) -> str | None:
    """CBS period key -> ours: 2025HJ01 -> 2025-H1, 2025HJ02 -> 2025-H2, 2025JJ00 -> 2025; else None."""
    m = _PERIOD.match(key)
    if not m:
        return None
    return m.group(1) if m.group(2) == "JJ00" else f"{m.group(1)}-H{m.group(2)[-1]}"


def _status(text: str) -> str:
    s = _fold(text)
    for status in ("nader voorlopig", "voorlopig", "definitief"):
        if status in s:
            return status
    return s


def _filters(table: str, municipalities: list[str], years: list[int], region_code: str | None) -> str:
    areas = ["startswith(RegioS,'NL01')", *(f"startswith(RegioS,'GM{m}')" for m in municipalities)]
    if TABLES[table][0]:
        areas.append(f"startswith(RegioS,'{region_code}')" if region_code else "substringof('JZ',RegioS)")
    perioden = " or ".join(f"startswith(Perioden,'{y}')" for y in years)
    return f"({' or '.join(areas)}) and ({perioden})"


def _value(measure: Measure, unit: str, raw, table: str) -> tuple[str, str]:
    """(waarde, eenheid) in our unit; waarde '' when CBS withheld the cell."""
    u = _fold(unit)
    if measure.kind == "duration":
        if u.startswith("dag"):
            return ("" if raw is None else f"{float(raw) / DAYS_PER_MONTH:.2f}"), "maanden"
        if u.startswith("maand"):
            return ("" if raw is None else f"{float(raw):.2f}"), "maanden"
        raise BenchmarkError(f"table {table}: {measure.maat} has unit {unit!r}, expected dagen or maanden")
    if measure.kind == "percentage":
        return ("" if raw is None else f"{float(raw):g}"), "%"
    if raw is not None and float(raw) != int(float(raw)):
        raise BenchmarkError(f"table {table}: {measure.maat} holds {raw!r}, not a whole count")
    return ("" if raw is None else str(int(float(raw)))), "aantal"


def fetch_table(table: str, municipalities: list[str], years: list[int], region_code: str | None = None,
                download: Callable[..., dict] | None = None, today: str | None = None) -> list[dict]:
    """The long rows of one table for NL, the municipalities (4 digits) and, for 85100NED, the jeugdzorgregio's."""
    if download is None:
        import cbsodata  # lazily: only this command needs it

        download = cbsodata.download_data
    _, measures = TABLES[table]
    data = download(table, filters=_filters(table, municipalities, years, region_code))
    properties = data.get("DataProperties", [])
    columns = [(m, *find_column(properties, table, m)) for m in measures]
    status = {_text(p.get("Key")): _status(_text(p.get("Status"))) for p in data.get("Perioden", [])}
    names = {_text(r.get("Key")): _text(r.get("Title")) for r in data.get("RegioS", [])}
    dims = [p.get("Key") for p in properties if p.get("Type") == "Dimension"
            and p.get("Key") not in ("RegioS", "Perioden") and p.get("Key") in data]
    totals = {}
    for dim in dims:  # keep every other dimension at its total
        keys = [_text(i.get("Key")) for i in data[dim] if _fold(_text(i.get("Title"))).startswith("totaal")]
        if not keys:
            raise BenchmarkError(f"table {table}: dimension {dim} has no item titled 'Totaal ...'")
        totals[dim] = keys[0]
    today = today or dt.date.today().isoformat()
    wanted = set(municipalities)
    rows = []
    for r in data.get("TypedDataSet", []):
        if any(_text(r.get(dim)) != key for dim, key in totals.items()):
            continue
        area, periode_key = _area(_text(r.get("RegioS"))), _text(r.get("Perioden"))
        periode = periode_of(periode_key)
        if area is None or periode is None or (area[0] == "gemeente" and wanted and area[1] not in wanted):
            continue
        if area[0] == "regio" and region_code and area[1] != region_code:
            continue
        for measure, key, unit in columns:
            if key not in r:
                raise BenchmarkError(f"table {table}: column {key} ({measure.maat}) is not in the data set")
            waarde, eenheid = _value(measure, unit, r[key], table)
            rows.append({"bron_tabel": table, "maat": measure.maat, "gebied_type": area[0], "gebied_code": area[1],
                         "gebied_naam": names.get(_text(r.get("RegioS")), ""), "periode": periode,
                         "waarde": waarde, "eenheid": eenheid, "onderdrukt": "true" if waarde == "" else "false",
                         "afgerond": "5" if measure.kind == "count" else "", "bron_periode": periode_key,
                         "bron_status": status.get(periode_key, ""), "opgehaald_op": today})
    return rows


_ORDER = {"nederland": 0, "regio": 1, "gemeente": 2}


def fetch_benchmark(municipalities: list[str], years: list[int], region_code: str | None = None,
                    download: Callable[..., dict] | None = None, today: str | None = None) -> list[dict]:
    """The rows of the benchmark file from the three tables (module docstring)."""
    rows = [r for table in TABLES for r in fetch_table(table, municipalities, years, region_code, download, today)]
    if not rows:
        raise BenchmarkError("CBS returned no rows for these municipalities and years")
    return sorted(rows, key=lambda r: (r["bron_tabel"], r["maat"], _ORDER[r["gebied_type"]], r["gebied_code"],
                                       r["periode"]))


def write_benchmark(out: Path, rows: list[dict], comment: str | None = None) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        if comment:
            fh.write(f"# {comment}\n")
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return out
