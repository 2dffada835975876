"""The Dutch BI layer of the publication (issue 16; docs/bi.md): the view kpi_overzicht, COMMENT ON every published
table, view and column, the same texts as Parquet field metadata, the `kolommen` table and woordenboek.md - read
the way Superset reads them: SQLAlchemy with duckdb-engine, read-only.

Scenario "Polderland 2026" (hand-made marts.kpi_values with the repository's seeds, published by the real
`build_publication`, small-cell minimum 10):
- VB07 2026 (target >= 60 %, absolute): region 20/40 = 50.0 %; Almere 12/25 = 48.0 %; Lelystad 6/11 and
  Dronten 2/4. Dronten (4 < 10) is suppressed by the primary rule; the parts add up to the region, so Lelystad
  (the next-smallest) goes too.
- VB01 (lower, -15 % against base year 2023, from 2026): 2023 region 60, Almere 36, Dronten 4 (suppressed;
  36 + 4 is not the region, no complement); 2026 region 51 = target 0.85 x 60 = 51.0 (met), Almere 30 against
  0.85 x 36 = 30.6 (met), Dronten 12 against 0.85 x 4 = 3.4 - a target that would give Dronten's suppressed 2023
  value away (3.4 / 0.85 = 4), so it is not published.
- EG01 2026 for Pleegzorg Polderland: 24/30 = 80.0 % against >= 70 %.
- KG01 2026-H1 for Stichting Horizonzorg: score 7.5 over 3 conversations (no small-cell rule).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path

import duckdb_engine  # noqa: F401 - the dev extra; what Superset uses for DuckDB
import pandas as pd
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
import yaml

from jeugdkpi.publish.build import OPTIONAL_TABLES, build_publication
from jeugdkpi.publish.dictionary import SUPPRESSED_NOTE, Describer
from jeugdkpi.publish.docs import label_working_layer
from jeugdkpi.settings import DBT_PROJECT_DIR, load_settings
from test_publish import make_warehouse

P_HORIZON, P_PLEEG = "75750001", "75750002"


def row(kpi, period, value, n, num=None, den=None, municipality=None, provider=None, unit="percentage",
        target=None, target_met=None, source="berichtenverkeer"):
    year = int(period[:4])
    start, end = {"": (dt.date(year, 1, 1), dt.date(year, 12, 31)), "-H1": (dt.date(year, 1, 1), dt.date(year, 6, 30)),
                  "-H2": (dt.date(year, 7, 1), dt.date(year, 12, 31))}[period[4:]]
    return {"kpi_id": kpi, "period": period, "period_start": start, "period_end": end,
            "municipality_code": municipality, "provider_agb": provider, "care_form": None, "numerator": num,
            "denominator": den, "value": value, "unit": unit, "n_youths": n, "target": target,
            "target_met": target_met, "is_provisional": period.startswith("2026"),
            "is_partial": period == "2026", "is_suppressed": False, "source": source}


def scenario() -> pd.DataFrame:
    return pd.DataFrame([
        row("VB07", "2026", 50.0, 40, 20, 40, target=60.0, target_met=False),
        row("VB07", "2026", 48.0, 25, 12, 25, "0034", target=60.0, target_met=False),
        row("VB07", "2026", 6 / 11 * 100, 11, 6, 11, "0995", target=60.0, target_met=False),
        row("VB07", "2026", 50.0, 4, 2, 4, "0303", target=60.0, target_met=False),
        row("VB01", "2023", 60.0, 60, unit="count"),
        row("VB01", "2023", 36.0, 36, municipality="0034", unit="count"),
        row("VB01", "2023", 4.0, 4, municipality="0303", unit="count"),
        row("VB01", "2026", 51.0, 51, unit="count", target=51.0, target_met=True),
        row("VB01", "2026", 30.0, 30, municipality="0034", unit="count", target=30.6, target_met=True),
        row("VB01", "2026", 12.0, 12, municipality="0303", unit="count", target=3.4, target_met=False),
        row("EG01", "2026", 80.0, 30, 24, 30, provider=P_PLEEG, target=70.0, target_met=True),
        row("KG01", "2026-H1", 7.5, 3, provider=P_HORIZON, unit="score",
            source="gemeente"),
    ])


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    root = tmp_path_factory.mktemp("bi")
    settings = load_settings({"JEUGDKPI_LANDING": str(root / "landing"), "JEUGDKPI_WAREHOUSE": str(root / "w.duckdb"),
                              "JEUGDKPI_PUBLISH": str(root / "published"), "JEUGDKPI_PEILDATUM": "2026-06-30",
                              "JEUGDKPI_MIN_CELL": "10"})
    make_warehouse(settings.warehouse, scenario(), real_seeds=True)
    pub = build_publication(settings, "run-bi", with_docs=False)
    return settings.publish, pub.snapshot


@pytest.fixture(scope="module")
def engine(publication):
    """What Superset does with the URI in docs/bi.md: duckdb-engine, read-only, through the stable entry point."""
    root, _ = publication
    eng = sa.create_engine(f"duckdb:///{root / 'kpi.duckdb'}?access_mode=read_only")
    yield eng
    eng.dispose()


def view(engine) -> pd.DataFrame:
    with engine.connect() as con:
        return pd.DataFrame(con.execute(sa.text("SELECT * FROM kpi_overzicht")).mappings().all())


def one(df: pd.DataFrame, kpi: str, period: str, gemeentecode=None, aanbieder_agb=None) -> dict:
    sel = df[(df.kpi == kpi) & (df.periode == period) & (df.gemeentecode.fillna("") == (gemeentecode or ""))
             & (df.aanbieder_agb.fillna("") == (aanbieder_agb or ""))]
    assert len(sel) == 1, (kpi, period, gemeentecode, aanbieder_agb)
    return {k: (None if not isinstance(v, str) and pd.isna(v) else v) for k, v in sel.iloc[0].to_dict().items()}


def test_view_reads_through_duckdb_engine_with_dutch_names_and_values(engine):
    df = view(engine)
    assert len(df) == 12  # one row per published kpi_values row, no join fans out
    assert list(df.columns) == [
        "kpi", "kpi_naam", "thema", "eenheid", "periode", "periodesoort", "periode_begin", "periode_einde", "niveau",
        "gemeentecode", "gemeente", "aanbieder_agb", "aanbieder", "zorgvorm", "waarde", "teller", "noemer",
        "aantal_jeugdigen", "doel", "doel_gehaald", "voorlopig", "lopende_periode", "onderdrukt"]
    almere = one(df, "VB07", "2026", "0034")
    assert {k: almere[k] for k in ("kpi_naam", "thema", "eenheid", "periodesoort", "niveau", "gemeente", "waarde",
                                   "teller", "noemer", "aantal_jeugdigen", "doel", "doel_gehaald", "onderdrukt")} == {
        "kpi_naam": "Percentage verblijfsperioden korter dan 9 maanden", "thema": "0-uithuisplaatsingen",
        "eenheid": "procent", "periodesoort": "jaar", "niveau": "gemeente", "gemeente": "Almere", "waarde": 48.0,
        "teller": 12.0, "noemer": 25.0, "aantal_jeugdigen": 25, "doel": 60.0, "doel_gehaald": False,
        "onderdrukt": False}
    assert almere["periode_begin"] == dt.date(2026, 1, 1) and almere["voorlopig"] and almere["lopende_periode"]
    region = one(df, "VB01", "2026")
    assert (region["niveau"], region["gemeente"], region["eenheid"], region["waarde"], region["doel"],
            region["doel_gehaald"]) == ("regio", None, "aantal", 51.0, 51.0, True)
    assert one(df, "VB01", "2026", "0034")["doel"] == pytest.approx(30.6)
    pleeg = one(df, "EG01", "2026", aanbieder_agb=P_PLEEG)
    assert (pleeg["niveau"], pleeg["aanbieder"], pleeg["waarde"], pleeg["doel_gehaald"]) == \
        ("aanbieder", "Pleegzorg Polderland (synthetisch)", 80.0, True)
    kg = one(df, "KG01", "2026-H1", aanbieder_agb=P_HORIZON)  # no small-cell rule: 3 conversations published
    assert (kg["periodesoort"], kg["eenheid"], kg["waarde"], kg["aantal_jeugdigen"], kg["onderdrukt"]) == \
        ("halfjaar", "score", 7.5, 3, False)


def test_suppressed_cells_are_null_in_the_view_and_nothing_gives_them_away(engine, publication):
    df = view(engine)
    suppressed = df[df.onderdrukt]
    assert sorted(zip(suppressed.kpi, suppressed.periode, suppressed.gemeente)) == [
        ("VB01", "2023", "Dronten"), ("VB07", "2026", "Dronten"), ("VB07", "2026", "Lelystad")]
    for col in ("waarde", "teller", "noemer", "aantal_jeugdigen", "doel_gehaald"):
        assert suppressed[col].isna().all(), col
    # Dronten 2026 itself is published (12 youths), but not its change target 0.85 x 4 = 3.4 (regression: it was)
    dronten = one(df, "VB01", "2026", "0303")
    assert (dronten["waarde"], dronten["onderdrukt"], dronten["doel"], dronten["doel_gehaald"]) == \
        (12.0, False, None, None)
    # the Parquet export of the view holds the same rows: no 4 youths, no 3.4 anywhere
    _, snapshot = publication
    from_parquet = pd.read_parquet(snapshot / "kpi_overzicht.parquet")
    assert len(from_parquet) == 12 and int(from_parquet.onderdrukt.sum()) == 3
    numbers = pd.concat([from_parquet[c] for c in ("waarde", "teller", "noemer", "aantal_jeugdigen", "doel")])
    assert not numbers.dropna().astype(float).round(6).isin([4.0, 3.4, 2.0, 6.0, 11.0, round(6 / 11 * 100, 6)]).any()


def test_connection_is_read_only(engine):
    with engine.connect() as con:
        with pytest.raises(sa.exc.DBAPIError, match="read-only"):
            con.execute(sa.text("DELETE FROM kpi_values"))


def comments(engine) -> dict[tuple[str, str], str | None]:
    with engine.connect() as con:
        return {(t, c): text for t, c, text in con.execute(sa.text(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE NOT internal"))}


def test_every_published_table_view_and_column_has_a_dutch_comment(engine):
    cols = comments(engine)
    tables = {t for t, _ in cols}
    assert tables == {"kpi_values", "kpi_catalogue", "municipalities", "providers", "periods", "publicatie",
                      "revisies", "kpi_outlook", "kolommen", "kpi_overzicht"}
    assert [k for k, text in cols.items() if not text] == []
    assert cols[("kpi_overzicht", "onderdrukt")].startswith("Waar (true) als de kleineaantallenregel de cel onderdrukt")
    assert cols[("kpi_overzicht", "doel_gehaald")].startswith("Waar (true) als de waarde het doel haalt")
    # one source: a mart column's comment is its description in the dbt project's YAML
    marts = yaml.safe_load((DBT_PROJECT_DIR / "models" / "marts" / "_marts.yml").read_text(encoding="utf-8"))
    kpi_values = next(m for m in marts["models"] if m["name"] == "kpi_values")
    described = {c["name"]: " ".join(c["description"].split()) for c in kpi_values["columns"] if c.get("description")}
    assert cols[("kpi_values", "kpi_id")] == described["kpi_id"]
    # a measure the rule empties says so, on top of its dbt description
    assert cols[("kpi_values", "value")] == f"{described['value'].rstrip('.')}. {SUPPRESSED_NOTE}"
    assert cols[("kpi_values", "is_suppressed")].startswith("Waar (true)")  # not the working warehouse's "always false"
    with engine.connect() as con:
        inspector = sa.inspect(con)
        assert "kpi_overzicht" in inspector.get_view_names()
        assert inspector.get_table_comment("kpi_overzicht")["text"].startswith("KPI-overzicht voor BI")
        assert inspector.get_table_comment("kpi_values")["text"].startswith("Alle KPI-waarden van de publicatie")
        # the data dictionary as a table, for tools that show no comments (Power BI over Parquet)
        kolommen = {(t, c): text
                    for t, c, text in con.execute(sa.text("SELECT tabel, kolom, omschrijving FROM kolommen"))}
    assert kolommen == cols


def test_delivery_status_columns_are_described_too():
    """delivery_status is published only when the warehouse has it (not in this scenario): its columns are
    described all the same."""
    describer = Describer({name: rel.split(".")[1] for name, (rel, _) in OPTIONAL_TABLES.items()})
    for name, (_, columns) in OPTIONAL_TABLES.items():
        assert describer.table(name)
        assert [c for c in columns if not describer.column(name, c)] == [], name


def test_parquet_field_metadata_carries_the_same_descriptions(engine, publication):
    cols = comments(engine)
    _, snapshot = publication
    files = sorted(snapshot.glob("*.parquet"))
    assert {p.stem for p in files} == {t for t, _ in cols}
    for path in files:
        schema = pq.read_schema(path)
        assert schema.metadata[b"description"], path.name
        assert schema.metadata[b"jeugdkpi_half_year"] == b"2026-H1"
        for field in schema:
            assert (field.metadata or {}).get(b"description", b"").decode() == cols[(path.stem, field.name)], \
                (path.name, field.name)


def test_data_dictionary_of_the_published_tables(publication, engine):
    root, snapshot = publication
    text = (root / "woordenboek.md").read_text(encoding="utf-8")  # stable entry point, through `current`
    assert text == (snapshot / "woordenboek.md").read_text(encoding="utf-8")
    assert text.index("## kpi_overzicht (view)") < text.index("## kpi_values (tabel)")
    assert "| doel_gehaald | BOOLEAN | Waar (true) als de waarde het doel haalt" in text
    n_columns = len(comments(engine))
    assert text.count("\n| ") - text.count("\n| kolom | type |") == n_columns


def test_dbt_docs_are_labelled_as_the_working_layer_and_point_to_the_dictionary(publication):
    """The published dbt docs describe the unsuppressed warehouse: the bar says so and links to woordenboek.md, which
    exists relative to docs/index.html in the publication. dbt inlines its scripts in <head>; a '<body' there must
    not receive the bar."""
    _, snapshot = publication
    page = ("<html><head><script>var t = '<body>';</script></head>\n<body class=\"app\"><div id=\"main\"></div>"
            "</body></html>")
    labelled = label_working_layer(page)
    assert labelled.startswith("<html><head><script>var t = '<body>';</script></head>\n<body class=\"app\"><div")
    assert labelled.endswith('<div id="main"></div></body></html>')
    bar = labelled[labelled.index('<body class="app">') + len('<body class="app">'):labelled.index('<div id="main">')]
    assert "werklaag" in bar and "kpi_overzicht" in bar
    href = re.search(r'href="([^"]+)"', bar).group(1)
    target = Path(os.path.normpath(snapshot / "docs" / href))  # docs/index.html -> the publication's dictionary
    assert target == snapshot / "woordenboek.md" and target.is_file()


SHOWN = ["kpi", "kpi_naam", "periode", "niveau", "gemeente", "aanbieder", "eenheid", "waarde", "teller", "noemer",
         "doel", "doel_gehaald", "onderdrukt"]


def render_view_page(engine) -> str:
    """The view as a BI tool shows it - rows, then each column's comment - for docs/img/bi-kpi-overzicht.png."""
    import html

    df = view(engine).sort_values(["kpi", "periode", "niveau", "gemeente"], na_position="first")
    notes = comments(engine)

    def cell(v) -> str:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return '<td class="null">NULL</td>'
        if isinstance(v, float):
            return f'<td class="num">{v:.1f}</td>'
        return f"<td>{html.escape(str(v))}</td>"

    rows = "".join("<tr>" + "".join(cell(r[c]) for c in SHOWN) + "</tr>" for r in df.to_dict(orient="records"))
    described = "".join(f"<tr><td><code>{c}</code></td><td>{html.escape(notes[('kpi_overzicht', c)])}</td></tr>"
                        for c in SHOWN)
    return ("<!DOCTYPE html><html lang='nl'><meta charset='utf-8'><title>kpi_overzicht</title><style>"
            "body{font:10px 'DejaVu Sans',Arial,sans-serif;margin:8px;color:#222}h1{font-size:13px;margin:2px 0 6px}"
            "table{border-collapse:collapse;width:100%;margin-bottom:10px}th,td{border:1px solid #ccc;padding:2px 3px;"
            "text-align:left;vertical-align:top}th{background:#eef3f8}td.num{text-align:right}"
            "td.null{color:#999;font-style:italic}</style>"
            "<h1>SELECT * FROM kpi_overzicht (duckdb-engine, read-only) - scenario Polderland, synthetisch</h1>"
            f"<table><tr>{''.join(f'<th>{c}</th>' for c in SHOWN)}</tr>{rows}</table>"
            f"<h1>Kolomcommentaar (COMMENT ON, ook Parquet-veldmetadata)</h1><table>{described}</table></html>")


if __name__ == "__main__":  # python tests/test_bi.py docs/img/bi-kpi-overzicht.png
    import sys
    import tempfile

    from chromium import open_page

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings({"JEUGDKPI_LANDING": f"{tmp}/landing", "JEUGDKPI_WAREHOUSE": f"{tmp}/w.duckdb",
                                  "JEUGDKPI_PUBLISH": f"{tmp}/published", "JEUGDKPI_PEILDATUM": "2026-06-30",
                                  "JEUGDKPI_MIN_CELL": "10"})
        make_warehouse(settings.warehouse, scenario(), real_seeds=True)
        build_publication(settings, "run-bi", with_docs=False)
        eng = sa.create_engine(f"duckdb:///{settings.publish / 'kpi.duckdb'}?access_mode=read_only")
        page = Path(tmp) / "kpi_overzicht.html"
        page.write_text(render_view_page(eng), encoding="utf-8")
        eng.dispose()
        print(open_page(page, Path(sys.argv[1])))
