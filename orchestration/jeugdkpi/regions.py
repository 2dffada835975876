"""The region a run covers (setting JEUGDKPI_REGIO) and municipal mergers (docs/regions.md).

- `resolve_region(value)`: the jeugdzorgregio of seeds/municipalities.csv named by the setting (its name; case,
  spaces, hyphens and a leading "regio" do not matter, so CBS's "Noordoost Brabant" is the seed's
  "Noordoost-Brabant"; or its CBS code from the seed's `region_code` column), or a ConfigError that lists the
  known regions.
- `successors()`: every municipality code of seeds/municipality_mergers.csv mapped to its *current* successor
  (chains followed: A -> B -> C gives A -> C).
- `region_codes(region)`: the current municipalities of the region. dbt receives them, and the successor map,
  as vars (`regio_gemeenten`, `gemeente_opvolgers`; macros/regions.sql), so the filter lives in one macro.
- `outside_region_messages(con, ...)`: the loaded iJw messages of municipalities outside the region (the run
  summary names their number: kept in the warehouse, left out of the KPIs).
"""

from __future__ import annotations

import re
from pathlib import Path

from jeugdkpi import seeds
from jeugdkpi.settings import SEEDS_DIR, ConfigError

DEMO_REGION = "Flevoland"
MERGERS_FILE = "municipality_mergers.csv"


def _rows(seeds_dir: Path, name: str) -> list[dict[str, str]]:
    return seeds.rows(name, seeds_dir, missing_ok=True)


def _key(text: str) -> str:
    """Name comparison: case, spaces, hyphens and a leading "regio" do not matter ("noordoost brabant")."""
    text = re.sub(r"^\s*(jeugd(zorg)?)?regio\s+", "", text.strip().lower())
    return re.sub(r"[\s\-_]+", "", text)


def known_regions(seeds_dir: Path = SEEDS_DIR) -> list[str]:
    return sorted({r["region"] for r in _rows(seeds_dir, "municipalities.csv") if r.get("region")})


def resolve_region(value: str | None, seeds_dir: Path = SEEDS_DIR) -> str:
    """The region's name as the seed spells it; empty -> the demo region. By name, or by the CBS code of the
    seed's `region_code` column (filled by `jeugdkpi cbs-gebieden`; case does not matter)."""
    rows = _rows(seeds_dir, "municipalities.csv")
    wanted = (value or "").strip() or DEMO_REGION
    for row in rows:
        if _key(row.get("region", "")) == _key(wanted):
            return row["region"]
    for row in rows:
        if (row.get("region_code") or "").strip() and row["region_code"].strip().upper() == wanted.upper():
            return row["region"]
    raise ConfigError(f"JEUGDKPI_REGIO {wanted!r} is not a region of seeds/municipalities.csv; known regions: "
                      f"{', '.join(known_regions(seeds_dir))} (refresh the seed with `jeugdkpi cbs-gebieden`)")


def successors(seeds_dir: Path = SEEDS_DIR) -> dict[str, str]:
    """old code -> current code, following chains of mergers; a cycle is a ConfigError."""
    direct = {r["old_code"].strip().zfill(4): r["new_code"].strip().zfill(4)
              for r in _rows(seeds_dir, MERGERS_FILE) if r.get("old_code") and r.get("new_code")}
    result = {}
    for old in direct:
        seen, code = {old}, direct[old]
        while code in direct:
            if code in seen:
                raise ConfigError(f"seeds/{MERGERS_FILE}: the mergers of {old} form a cycle")
            seen.add(code)
            code = direct[code]
        result[old] = code
    return result


def region_codes(region: str, seeds_dir: Path = SEEDS_DIR) -> list[str]:
    """The region's current municipalities (codes a merger took over are not current)."""
    merged = successors(seeds_dir)
    return sorted({r["municipality_code"] for r in _rows(seeds_dir, "municipalities.csv")
                   if r["region"] == region and r["municipality_code"] not in merged})


def dbt_vars(region: str, seeds_dir: Path = SEEDS_DIR) -> dict[str, str]:
    """The environment dbt reads its region vars from (dbt_project.yml; macros/regions.sql)."""
    return {"JEUGDKPI_REGIO": region,
            "JEUGDKPI_REGIO_GEMEENTEN": ",".join(f"GM{c}" for c in region_codes(region, seeds_dir)),
            "JEUGDKPI_GEMEENTE_OPVOLGERS": ",".join(f"GM{o}:GM{n}" for o, n in sorted(successors(seeds_dir).items()))}


def outside_region_messages(con, region: str, seeds_dir: Path = SEEDS_DIR) -> int:
    """Loaded iJw messages (raw.berichten) whose municipality, after mergers, is not one of the region's."""
    codes = set(region_codes(region, seeds_dir))
    merged = successors(seeds_dir)
    rows = con.execute("SELECT gemeente_code, count(*) FROM raw.berichten WHERE gemeente_code IS NOT NULL "
                       "GROUP BY gemeente_code").fetchall()
    return sum(n for code, n in rows if merged.get(code, code) not in codes)
