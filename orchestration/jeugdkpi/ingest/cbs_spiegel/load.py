"""CBS spiegelrapportage intake: one row per cell; one file = one provider, period, version and status.

A file is a delivery and is rejected whole on any error (the provider's earlier report then stays in force).
Suppression symbols (`.`, `x`, `*`, `-`, empty) in a shareable (`deelbaar`) report are stored as NULL with
`onderdrukt = true`, never as 0; in a full (`volledig`) report they are `not_a_number`.
A later report for the same provider and period replaces the earlier one entirely (stg_cbs__spiegel).
"""

from __future__ import annotations

from jeugdkpi.ingest import tabular
from jeugdkpi.ingest.tabular import Context, Parsed, SourceSpec, Table

SOURCE = "cbs_spiegel"
REQUIRED = ["aanbieder_agb", "periode", "versie", "cbs_status", "indicator", "aantal"]
OPTIONAL = ["gemeentecode", "hulpvorm", "informant", "categorie"]
INDICATORS = ["uitval", "tevredenheid", "zonder_hulp_verder", "geen_nieuwe_start", "beeindigd"]
CATEGORIES = {
    "uitval": [f"{i:02d}" for i in range(1, 6)],  # reden beeindiging 01-05
    "tevredenheid": [str(i) for i in range(1, 11)],  # rapportcijfer 1-10
    "zonder_hulp_verder": [f"{i:02d}" for i in range(1, 5)],  # codes 01-04
}
HULPVORMEN = ["01", "02", "03", "04", "11", "12", "13", "14"]

TABLES = {
    "cbs_spiegel": [
        ("aanbieder_agb", "VARCHAR NOT NULL"),
        ("periode", "VARCHAR NOT NULL"),
        ("versie", "VARCHAR NOT NULL"),
        ("cbs_status", "VARCHAR NOT NULL"),
        ("gemeentecode", "VARCHAR"),
        ("hulpvorm", "VARCHAR"),
        ("indicator", "VARCHAR NOT NULL"),
        ("informant", "VARCHAR"),
        ("categorie", "VARCHAR"),
        ("aantal", "BIGINT"),  # NULL = suppressed
        ("onderdrukt", "BOOLEAN NOT NULL"),
        ("onderdrukt_symbool", "VARCHAR"),
    ],
}


def _table(tables: dict[str, Table]) -> Table:
    for t in tables.values():
        if "indicator" in t.header:
            return t
    return next(iter(tables.values()))


def parse(tables: dict[str, Table], ctx: Context) -> Parsed:
    table = _table(tables)
    out, read = tabular.start_parse(table, REQUIRED, OPTIONAL, empty="the report holds no cells")
    if not read:
        return out
    e = out.errors
    heads: set[tuple] = set()
    keys = tabular.KeyCheck(e, "cell")
    cells: list[dict] = []
    for loc, c in table.rows:
        agb = tabular.parse_agb(c["aanbieder_agb"], e, loc, ctx)
        periode = tabular.parse_periode(c["periode"], e, loc, ctx)
        versie = tabular.parse_code(c["versie"], ["volledig", "deelbaar"], e, loc, what="versie")
        status = tabular.parse_code(c["cbs_status"], ["voorlopig", "nader_voorlopig", "definitief"], e, loc,
                            what="cbs_status")
        indicator = tabular.parse_code(c["indicator"], INDICATORS, e, loc, what="indicator")
        gemeente = tabular.parse_gemeente(c["gemeentecode"], e, loc, ctx, allow_empty=True) \
            if "gemeentecode" in c else None
        hulpvorm = tabular.parse_code(c["hulpvorm"], HULPVORMEN, e, loc, what="hulpvorm", allow_empty=True, pad=2) \
            if "hulpvorm" in c else None
        informant = tabular.parse_code(c["informant"], ["jeugdige", "ouder"], e, loc, what="informant",
                                       allow_empty=True) \
            if "informant" in c else None
        categorie = None
        cat_cell = c.get("categorie")
        if indicator in CATEGORIES and cat_cell is not None:
            categorie = tabular.parse_code(cat_cell, CATEGORIES[indicator], e, loc, what=f"categorie of {indicator}",
                                   pad=2 if indicator != "tevredenheid" else 0)
        elif indicator in CATEGORIES:
            e.add(table.header_locator, "wrong_columns", f"indicator {indicator} needs the column categorie", loc)
        elif cat_cell is not None and cat_cell.text:
            e.add(cat_cell.locator, "invalid_value", f"indicator {indicator} has no categorie", loc)
        symbol = c["aantal"].text
        suppressed = symbol in tabular.SUPPRESSION_SYMBOLS
        aantal = None
        if suppressed and versie == "volledig":
            e.add(c["aantal"].locator, "not_a_number",
                  "a full (volledig) report cannot hold suppressed cells; only a deelbaar report can", loc)
        elif not suppressed:
            aantal = tabular.parse_int(c["aantal"], e, loc)
        heads.add((agb, periode, versie, status))
        key = (gemeente, hulpvorm, indicator, informant, categorie)
        keys.check(key, c["aantal"].locator, loc)
        cells.append(dict(record_locator=c["aantal"].locator, aanbieder_agb=agb, periode=periode, versie=versie,
                          cbs_status=status, gemeentecode=gemeente, hulpvorm=hulpvorm, indicator=indicator,
                          informant=informant, categorie=categorie, aantal=aantal, onderdrukt=suppressed,
                          onderdrukt_symbool=symbol if suppressed else None))
    if len(heads) > 1:
        e.add(table.header_locator, "mixed_delivery",
              "the rows do not all have the same aanbieder_agb, periode, versie and cbs_status")
    _check_totals(cells, e)
    agb, periode = cells[0]["aanbieder_agb"], cells[0]["periode"]
    out.deliveries.append({"kind": SOURCE, "aanbieder_agb": agb, "periode": periode})
    out.records["cbs_spiegel"] = cells
    return out


def _check_totals(cells: list[dict], e) -> None:
    """Parts never exceed the ended trajectories (`beeindigd`) of the same gemeente and hulpvorm."""
    ended: dict[tuple, tuple[int, str]] = {}
    for c in cells:
        if c["indicator"] == "beeindigd" and c["aantal"] is not None:
            ended[(c["gemeentecode"], c["hulpvorm"])] = (c["aantal"], c["record_locator"])
    sums: dict[tuple, int] = {}
    for c in cells:
        if c["indicator"] in (None, "beeindigd") or c["aantal"] is None:
            continue
        part = (c["gemeentecode"], c["hulpvorm"], c["indicator"],
                c["informant"] if c["indicator"] in ("tevredenheid", "zonder_hulp_verder") else None)
        sums[part] = sums.get(part, 0) + c["aantal"]
    for (gem, hv, indicator, informant), total in sorted(sums.items(), key=str):
        if (gem, hv) in ended and total > ended[(gem, hv)][0]:
            e.add(ended[(gem, hv)][1], "teller_gt_noemer",
                  f"{indicator}{' (' + informant + ')' if informant else ''} counts {total}, more than the "
                  f"{ended[(gem, hv)][0]} ended trajectories (beeindigd)", ended[(gem, hv)][1])


SPEC = SourceSpec(SOURCE, TABLES, parse, reject_whole=True, patterns=(".csv", ".xlsx"))

