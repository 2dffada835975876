"""docs/inputs.md is the contract for every landing source: its examples must load as the page says.

Every fenced block marked `<!-- example: <source>/<file> -->` is written into a fresh landing folder and ingested
by that source's ingest (no dbt, no pipeline): the number of records loaded per raw table is asserted exactly and
nothing may be quarantined. Every block marked `<!-- rejected: <source>/<file> -->` must be rejected with the
reason code (and locator) the page names in the paragraph above it. The expected counts are hand-counted from the
examples, so an example edited in the doc must be counted again here. Peildatum 2026-06-30 (conftest).
"""

from __future__ import annotations

import re

import pytest

from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
from jeugdkpi.ingest.berichten.load import ingest_berichten
from jeugdkpi.ingest.cbs_benchmark.load import SPEC as BENCHMARK
from jeugdkpi.ingest.cbs_bevolking.load import SPEC as BEVOLKING
from jeugdkpi.ingest.cbs_spiegel.load import CATEGORIES, HULPVORMEN, INDICATORS
from jeugdkpi.ingest.cbs_spiegel.load import SPEC as SPIEGEL
from jeugdkpi.ingest.files import REASONS
from jeugdkpi.ingest.gemeente.load import SPEC as GEMEENTE
from jeugdkpi.ingest.kwaliteitsgesprekken.load import ONDERDELEN, SCORES
from jeugdkpi.ingest.kwaliteitsgesprekken.load import SPEC as KWALITEIT
from jeugdkpi.ingest.tabular import ingest_source
from jeugdkpi.settings import REPO_ROOT
from jeugdkpi.warehouse import connect

DOC = REPO_ROOT / "docs" / "inputs.md"
TEXT = DOC.read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- (example|rejected): (\S+) -->\n```[a-z]*\n(.*?)```\n", re.S)
BLOCKS = {(kind, path): body for kind, path, body in BLOCK.findall(TEXT)}
SPECS = {"cbs_spiegel": SPIEGEL, "cbs_bevolking": BEVOLKING, "cbs_benchmark": BENCHMARK, "aanbieders": AANBIEDERS,
         "gemeente": GEMEENTE, "kwaliteitsgesprekken": KWALITEIT}
SOURCES = ["berichten", *SPECS]

# records loaded per raw table, counted by hand from each example
EXAMPLES = {
    "berichten/jw305_75750001_0034_START-2025-0417.xml": {"jw305_start_product": 2},
    "cbs_spiegel/75750001_2025-H2_deelbaar_definitief.csv": {"cbs_spiegel": 11},
    "cbs_bevolking/bevolking_0034_2025.csv": {"cbs_bevolking": 4},
    "cbs_benchmark/statline_2025.csv": {"cbs_benchmark": 4},
    "aanbieders/kpi_75750001_2025-H2.csv": {"aanbieder_kpi": 4},  # PP01 left empty: not delivered
    "aanbieders/klachten_75750001_2025-H2.csv": {"aanbieder_klachten": 1},
    "gemeente/aanvragen_2025-12.csv": {"gemeente_aanvragen": 3},
    "gemeente/afwijzingen_2025-12.csv": {"gemeente_afwijzingen": 2},
    "gemeente/betalingen_2025-12.csv": {"gemeente_betalingen": 2},
    "kwaliteitsgesprekken/kwaliteitsgesprek_75750001_2025-11-04.csv": {"kwaliteitsgesprekken": 4},
}
# reason code, locator, records loaded, records quarantined
REJECTED = {
    "berichten/jw307_75750001_0034_STOP-2025-0101.xml":
        ("impossible_dates", "/Bericht/Client/StopProducten/StopProduct[1]", 0, 1),
    "cbs_spiegel/75750001_2025-H2_volledig_voorlopig.csv": ("teller_gt_noemer", "row 2, column aantal", 0, 3),
    "cbs_bevolking/bevolking_0034_juli.csv": ("invalid_value", "row 2, column peildatum", 0, 1),
    "cbs_benchmark/statline_nul.csv": ("invalid_value", "row 2, column waarde", 0, 1),
    "aanbieders/kpi_75750001_2025-H2_fout.csv": ("teller_gt_noemer", "row 2, column teller", 0, 2),
    "gemeente/aanvragen_fout.csv": ("impossible_dates", "row 3, column besluitdatum", 1, 1),
    "kwaliteitsgesprekken/kwaliteitsgesprek_fout.csv": ("invalid_value", "row 3, column score", 1, 1),
}


def land_and_ingest(settings, path: str):
    source = path.split("/", 1)[0]
    target = settings.landing / path
    target.parent.mkdir(parents=True, exist_ok=True)
    kind = "example" if ("example", path) in BLOCKS else "rejected"
    target.write_text(BLOCKS[(kind, path)], encoding="utf-8")
    with connect(settings.warehouse) as con:
        if source == "berichten":
            return ingest_berichten(con, settings, "run-doc")
        return ingest_source(con, settings, "run-doc", SPECS[source])


def query(settings, sql: str):
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_marked_block_is_counted_here_and_every_source_has_both():
    assert sorted(p for k, p in BLOCKS if k == "example") == sorted(EXAMPLES)
    assert sorted(p for k, p in BLOCKS if k == "rejected") == sorted(REJECTED)
    for source in SOURCES:
        assert any(p.startswith(source + "/") for p in EXAMPLES), source
        assert any(p.startswith(source + "/") for p in REJECTED), source


@pytest.mark.parametrize("path", sorted(EXAMPLES))
def test_example_loads_every_record(make_settings, path):
    s = make_settings()
    stats = land_and_ingest(s, path)
    expected = EXAMPLES[path]
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (
        sum(expected.values()), sum(expected.values()), 0)
    for table, n in expected.items():
        assert query(s, f"SELECT count(*) FROM raw.{table}") == [(n,)]
    assert query(s, "SELECT count(*) FROM audit.quarantine") == [(0,)]
    assert query(s, "SELECT status FROM audit.ingest_files") == [("loaded",)]


@pytest.mark.parametrize("path", sorted(REJECTED))
def test_rejected_example_has_the_reason_the_doc_names(make_settings, path):
    reason, locator, n_loaded, n_quarantined = REJECTED[path]
    # the paragraph right above the block names the reason and the locator
    before = TEXT[:TEXT.index(f"<!-- rejected: {path} -->")].rsplit("\n\n", 2)[-2]
    assert f"`{reason}`" in before and f"`{locator}`" in before.replace("\n", " "), before
    s = make_settings()
    stats = land_and_ingest(s, path)
    assert (stats.records_loaded, stats.records_quarantined) == (n_loaded, n_quarantined)
    got = query(s, "SELECT record_locator, reason_code FROM audit.quarantine")
    assert (locator, reason) in got, got


def test_suppressed_cells_and_not_delivered_kpis_load_as_the_doc_says(make_settings):
    """A few values the page explains, checked on the loaded rows."""
    s = make_settings()
    land_and_ingest(s, "cbs_spiegel/75750001_2025-H2_deelbaar_definitief.csv")
    assert query(s, "SELECT gemeentecode, hulpvorm, indicator, categorie, aantal, onderdrukt_symbool "
                    "FROM raw.cbs_spiegel WHERE onderdrukt ORDER BY gemeentecode") == [
        ("0034", "02", "uitval", "05", None, "."), ("0995", "11", "beeindigd", None, None, "x")]
    land_and_ingest(s, "aanbieders/kpi_75750001_2025-H2.csv")
    assert query(s, "SELECT kpi_id, teller, noemer FROM raw.aanbieder_kpi ORDER BY kpi_id") == [
        ("CT01", 7.6, 25), ("DB02", 6.0, 10), ("EG03", 14.0, 9), ("LR01", 18.0, 20)]
    land_and_ingest(s, "gemeente/aanvragen_2025-12.csv")
    assert query(s, "SELECT gemeentecode, CAST(aanvraagdatum AS VARCHAR), CAST(besluitdatum AS VARCHAR) "
                    "FROM raw.gemeente_aanvragen ORDER BY aanvraagdatum") == [
        ("0034", "2025-09-01", "2025-10-06"), ("0034", "2025-11-17", None), ("0995", "2025-12-01", "2026-01-12")]


def test_every_reason_code_is_explained_in_dutch():
    table = TEXT[TEXT.index("## 2. Quarantine reasons"):TEXT.index("## 3. ")]
    rows = dict(re.findall(r"^\| `([a-z_]+)` \| ([^|]+) \|", table, re.M))
    assert sorted(rows) == sorted(REASONS)
    assert all(len(meaning.strip()) > 5 for meaning in rows.values())


def test_code_lists_in_the_doc_are_the_codes_the_ingest_accepts():
    for code in [*INDICATORS, *HULPVORMEN, *ONDERDELEN, *SCORES, *CATEGORIES["uitval"],
                 *CATEGORIES["zonder_hulp_verder"], "volledig", "deelbaar", "voorlopig", "nader_voorlopig",
                 "definitief", "jeugdige", "ouder"]:
        assert f"`{code}`" in TEXT, code
    for source, spec in SPECS.items():
        section = TEXT[TEXT.index(f"`{source}/` —"):]
        section = section[:section.index("\n## ")]
        for _table, columns in spec.tables.items():
            for column, _ in columns:
                assert f"`{column}`" in section, (source, column)


def test_message_examples_are_valid_against_the_official_xsds(xsd_dir):
    from lxml import etree

    for (_kind, path), body in BLOCKS.items():
        if path.endswith(".xml"):
            code = re.search(r"<jw(\d{3}):Bericht", body).group(1)
            schema = etree.XMLSchema(etree.parse(str(xsd_dir / f"JW{code}.xsd")))
            assert schema.validate(etree.fromstring(body.encode())), (path, schema.error_log)
