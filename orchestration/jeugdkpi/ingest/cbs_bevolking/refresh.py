"""Refresh the population extract from CBS StatLine 03759ned (`jeugdkpi cbs-bevolking --out F`).

Uses `cbsodata.download_data` (not `get_data`, which replaces the region and age codes by their titles):
region codes are kept (`GM0034` -> `0034`) and ages are resolved from the titles of the `Leeftijd` dimension
(`"17 jaar"` -> 17), not from guessed keys. Needs network access; the demo region ships a synthetic file.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

TABLE = "03759ned"
MEASURE = "BevolkingOp1Januari_1"
COLUMNS = ["gemeentecode", "gm_code", "peildatum", "leeftijd", "geslacht", "aantal", "bron_tabel", "bron_periode",
           "bron_status", "opgehaald_op"]
_AGE = re.compile(r"^(\d+) jaar$")


class PopulationError(RuntimeError):
    pass


def fetch_population(municipalities: list[str], years: list[int],
                     download: Callable[..., dict] | None = None) -> list[dict]:
    """Rows of the population file (ages 0-22, sex total) for the municipalities and years (1 January)."""
    if download is None:
        import cbsodata  # lazily: only this command needs it

        download = cbsodata.download_data
    regio = " or ".join(f"RegioS eq 'GM{m}'" for m in municipalities)
    perioden = " or ".join(f"Perioden eq '{y}JJ00'" for y in years)
    filters = f"Geslacht eq 'T001038' and BurgerlijkeStaat eq 'T001019' and ({regio}) and ({perioden})"
    data = download(TABLE, filters=filters, select=["Geslacht", "Leeftijd", "RegioS", "Perioden", MEASURE])
    ages: dict[str, int] = {}
    for item in data["Leeftijd"]:
        m = _AGE.match(str(item["Title"]).strip())
        if m:
            ages[str(item["Key"]).strip()] = int(m.group(1))
    status = {str(p["Key"]).strip(): str(p.get("Status", "")).strip().lower() for p in data.get("Perioden", [])}
    today = dt.date.today().isoformat()
    rows = []
    for r in data["TypedDataSet"]:
        age = ages.get(str(r["Leeftijd"]).strip())
        if age is None or age > 22:
            continue  # an age class (totaal, "0 tot 5 jaar", ...) or older than the youth-care ages
        regio_key, periode = str(r["RegioS"]).strip(), str(r["Perioden"]).strip()
        if not regio_key.startswith("GM") or not re.fullmatch(r"\d{4}JJ00", periode):
            raise PopulationError(f"unexpected region or period key {regio_key!r} / {periode!r}")
        if r[MEASURE] is None:
            raise PopulationError(f"no population for {regio_key} {periode} age {age}")
        rows.append({"gemeentecode": regio_key[2:], "gm_code": regio_key, "peildatum": f"{periode[:4]}-01-01",
                     "leeftijd": age, "geslacht": "T", "aantal": int(r[MEASURE]), "bron_tabel": TABLE,
                     "bron_periode": periode, "bron_status": status.get(periode, ""), "opgehaald_op": today})
    found = {(r["gemeentecode"], r["peildatum"]) for r in rows}
    for m in municipalities:
        for y in years:
            n = sum(1 for r in rows if r["gemeentecode"] == m and r["peildatum"] == f"{y}-01-01")
            if (m, f"{y}-01-01") in found and n != 23:
                raise PopulationError(f"GM{m} {y}: {n} single ages 0-22 instead of 23 (unknown age titles?)")
    return sorted(rows, key=lambda r: (r["gemeentecode"], r["peildatum"], r["leeftijd"]))


def write_population(out: Path, rows: list[dict]) -> Path:
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS)
        w.writeheader()
        w.writerows(rows)
    return out
