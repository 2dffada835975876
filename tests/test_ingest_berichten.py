"""iJw message ingest: values parsed from the project's own example messages (tests/fixtures/ijw/), quarantine
per corruption class, idempotency, reconciliation, hardening and privacy."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile

import duckdb
import pytest
from lxml import etree

from jeugdkpi.ingest.berichten.load import ingest_berichten
from jeugdkpi.pseudonym import Pseudonymiser
from jeugdkpi.settings import load_settings

BSN = "999970045"  # the fixtures' youth: test range, passes the 11-proof


def run(settings, run_id="run-1"):
    with duckdb.connect(str(settings.warehouse)) as con:
        return ingest_berichten(con, settings, run_id)


def query(settings, sql, params=None):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def land(settings, name: str, content: str | bytes) -> None:
    path = settings.landing / "berichten" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def example(examples, name: str) -> str:
    return (examples / name).read_text(encoding="utf-8")


def swap(text: str, old: str, new: str, count: int = -1) -> str:
    """str.replace that fails when `old` is absent, so a changed fixture cannot turn a test into a no-op."""
    assert old in text, f"{old!r} not in the example"
    return text.replace(old, new, count)


@pytest.fixture
def loaded(make_settings, examples):
    settings = make_settings()
    for f in examples.glob("*.xml"):
        shutil.copy(f, settings.landing / "berichten" / f.name)
    stats = run(settings)
    return settings, stats


def youth(settings):
    return Pseudonymiser(settings.pseudonym_key.encode()).youth_key(BSN)


# ---- each message type, values asserted ------------------------------------------------------------

def test_jw301_assignments(loaded):
    settings, _ = loaded
    rows = query(settings, """
        SELECT toewijzingnummer, product_categorie, product_code, toewijzingsdatum, toewijzingstijd, ingangsdatum,
               einddatum, reden_wijziging, omvang_volume, omvang_eenheid, omvang_frequentie, gemeente_code,
               provider_agb, message_id, dagtekening, youth_key, birth_year, born_jan_1, geslacht
        FROM raw.jw301_toegewezen_product ORDER BY toewijzingnummer""")
    y = youth(settings)
    assert rows == [
        (251230, "45", "45A02", dt.date(2026, 4, 6), dt.time(14, 15), dt.date(2026, 2, 1), dt.date(2026, 4, 19),
         "01", 12, "04", "4", "0995", "24681357", "TW2604060003", dt.date(2026, 4, 6), y, 2013, False, "2"),
        (261105, "43", "43B01", dt.date(2026, 4, 6), dt.time(14, 15), dt.date(2026, 4, 13), dt.date(2026, 10, 12),
         None, 5, "14", "2", "0995", "24681357", "TW2604060003", dt.date(2026, 4, 6), y, 2013, False, "2"),
    ]


def test_jw305_start(loaded):
    settings, _ = loaded
    assert query(settings, """
        SELECT toewijzingnummer, product_categorie, product_code, toewijzing_ingangsdatum, begindatum,
               status_aanlevering, gemeente_code, provider_agb, record_locator
        FROM raw.jw305_start_product""") == [
        (261105, "43", "43B01", dt.date(2026, 4, 13), dt.date(2026, 4, 14), "1", "0995", "24681357",
         "/Bericht/Client/StartProducten/StartProduct[1]")]


def test_jw307_stop(loaded):
    settings, _ = loaded
    assert query(settings, """
        SELECT toewijzingnummer, product_code, begindatum, reden_beeindiging, einddatum, status_aanlevering,
               dagtekening FROM raw.jw307_stop_product""") == [
        (251230, "45A02", dt.date(2026, 2, 3), "35", dt.date(2026, 4, 17), "1", dt.date(2026, 4, 21))]


def test_jw323_prestaties(loaded):
    settings, _ = loaded
    rows = query(settings, """
        SELECT referentienummer, vorig_referentienummer, toewijzingnummer, product_categorie, begindatum, einddatum,
               geleverd_volume, eenheid, product_tarief, ingediend_bedrag, debet_credit, declaratienummer,
               declaratie_begindatum, declaratie_einddatum, totaal_ingediend_bedrag
        FROM raw.jw323_prestatie ORDER BY referentienummer""")
    assert [r[:11] for r in rows] == [
        ("P26040001", None, 261105, "43", dt.date(2026, 4, 14), dt.date(2026, 4, 30), 17, "14", 21500, 365500,
         "D"),
        ("P26040002", None, 251230, "45", dt.date(2026, 4, 1), dt.date(2026, 4, 17), 9, "04", 8800, 79200, "D"),
        ("P26040003", "P26030011", 251230, "45", dt.date(2026, 3, 1), dt.date(2026, 3, 31), 12, "04", 8800, 105600,
         "C"),
        ("P26040004", None, 251230, "45", dt.date(2026, 3, 1), dt.date(2026, 3, 31), 11, "04", 9200, 101200, "D"),
    ]
    # 365500 + 79200 - 105600 + 101200 = 440300 (debet)
    assert {r[11:] for r in rows} == {("D202605017", dt.date(2026, 4, 1), dt.date(2026, 4, 30), 440300)}


def test_jw325_answer_and_rejection(loaded):
    settings, _ = loaded
    assert query(settings, """
        SELECT declaratie_message_id, declaratie_message_dagtekening, header_retourcodes, declaratienummer,
               totaal_ingediend_bedrag, totaal_toegekend_bedrag, antwoord_retourcodes
        FROM raw.jw325_declaratie_antwoord""") == [
        ("V2026050401", dt.date(2026, 5, 4), "0200", "D202605017", 440300, 339100, "0200")]
    assert query(settings, """
        SELECT referentienummer, declaratienummer, retourcodes, client_retourcodes, ingediend_bedrag, gemeente_code,
               provider_agb FROM raw.jw325_prestatie""") == [
        ("P26040004", "D202605017", "0611", "0200", 101200, "0995", "24681357")]


def test_message_lineage(loaded):
    settings, stats = loaded
    rows = query(settings, "SELECT file_path, message_type, berichtcode, n_records FROM raw.berichten ORDER BY 1")
    assert rows == [("jw301.xml", "JW301", "436", 2), ("jw305.xml", "JW305", "438", 1),
                    ("jw307.xml", "JW307", "440", 1), ("jw323.xml", "JW323", "490", 4),
                    ("jw325.xml", "JW325", "491", 2)]
    shas = query(settings, "SELECT DISTINCT file_sha256 FROM raw.jw323_prestatie")
    assert shas == query(settings, "SELECT sha256 FROM audit.ingest_files WHERE file_path = 'jw323.xml'")


def test_own_examples_are_valid_ijw_32_messages(examples, xsd_dir):
    names = sorted(f.name for f in examples.glob("*.xml"))
    assert names == ["jw301.xml", "jw305.xml", "jw307.xml", "jw323.xml", "jw325.xml"]
    for name in names:
        schema = etree.XMLSchema(etree.parse(str(xsd_dir / f"{name[:5].upper()}.xsd")))
        assert schema.validate(etree.parse(str(examples / name))), (name, str(schema.error_log.last_error))


def test_xsd_dir_reaches_only_the_tests_that_ask_for_it(xsd_dir):
    """conftest takes JEUGDKPI_XSD_DIR out of the environment: settings read from the environment (pipeline
    runs, the CLI) do not validate against the XSDs in the other tests."""
    assert "JEUGDKPI_XSD_DIR" not in os.environ
    assert load_settings({**os.environ, "JEUGDKPI_PEILDATUM": "2026-06-30"}).xsd_dir is None


def test_xsd_validation_when_configured(make_settings, examples, xsd_dir):
    settings = make_settings(JEUGDKPI_XSD_DIR=str(xsd_dir))
    for f in examples.glob("*.xml"):
        shutil.copy(f, settings.landing / "berichten" / f.name)
    # The same 305 with Geslacht before Geboortedatum: structurally fine for the parser, invalid for the XSD.
    geslacht = "<jw305:Geslacht>2</jw305:Geslacht>"
    bad = swap(example(examples, "jw305.xml"), geslacht, "")
    bad = swap(bad, "<jw305:Geboortedatum>", geslacht + "<jw305:Geboortedatum>", 1)
    bad = swap(bad, "S2026041501", "S2026041599")
    land(settings, "xsd_bad.xml", bad)
    stats = run(settings)
    assert stats.records_loaded == 10
    assert query(settings, "SELECT file_path, reason_code FROM audit.quarantine") == [("xsd_bad.xml", "xsd_invalid")]


# ---- corruption classes ------------------------------------------------------------------------------

CORRUPTIONS = {
    "malformed.xml": ("malformed_xml", lambda ex: ex("jw305.xml")[:-40]),
    "xxe.xml": ("dtd_forbidden", lambda ex: swap(swap(
        ex("jw305.xml"), '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
        "<jw305:Geslacht>2</jw305:Geslacht>", "<jw305:Geslacht>&x;</jw305:Geslacht>")),
    "laughs.xml": ("dtd_forbidden", lambda ex: (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">'
                  for i in range(1, 10))
        + ']>\n<lolz>&lol9;</lolz>')),
    "release31.xml": ("unsupported_release", lambda ex: swap(ex("jw305.xml"), "/ijw/3_2/jw305/", "/ijw/3_1/jw305/")),
    "unknown.xml": ("unknown_message", lambda ex: "<?xml version='1.0'?><Factuur><Nummer>1</Nummer></Factuur>"),
    "badcode.xml": ("structure_invalid", lambda ex: swap(ex("jw305.xml"), "<jw305:BerichtCode>438<",
                                                           "<jw305:BerichtCode>999<")),
    "missing.xml": ("structure_invalid", lambda ex: swap(
        ex("jw305.xml"), "<jw305:Begindatum>2026-04-14</jw305:Begindatum>", "")),
    "bsn.xml": ("bsn_invalid", lambda ex: swap(ex("jw305.xml"), BSN, "123456781")),
    "enddate.xml": ("impossible_dates", lambda ex: swap(  # ends before its Begindatum 2026-02-03
        ex("jw307.xml"), "<jw307:Einddatum>2026-04-17</jw307:Einddatum>",
        "<jw307:Einddatum>2026-01-31</jw307:Einddatum>")),
    "baddate.xml": ("invalid_date", lambda ex: swap(
        ex("jw305.xml"), "<jw305:Begindatum>2026-04-14<", "<jw305:Begindatum>2026-02-30<")),
    "future.xml": ("after_peildatum", lambda ex: swap(
        ex("jw305.xml"), "<ijw:Dagtekening>2026-04-15<", "<ijw:Dagtekening>2026-07-02<")),
    "status2.xml": ("structure_invalid", lambda ex: swap(
        ex("jw305.xml"), "<jw305:StatusAanlevering>1<", "<jw305:StatusAanlevering>2<")),
}


@pytest.mark.parametrize("name", sorted(CORRUPTIONS))
def test_corruption_is_quarantined_with_reason(make_settings, examples, name):
    settings = make_settings()
    reason, build = CORRUPTIONS[name]
    land(settings, name, build(lambda n: example(examples, n)))
    stats = run(settings)
    assert stats.records_loaded == 0
    assert stats.records_in == stats.records_quarantined == 1
    q = query(settings, "SELECT file_path, reason_code, message FROM audit.quarantine")
    assert [(p, r) for p, r, _ in q] == [(name, reason)]
    assert q[0][2]  # a message a data engineer can read
    assert BSN not in q[0][2] and "123456781" not in q[0][2]
    assert query(settings, "SELECT status FROM audit.ingest_files") == [("quarantined",)]


def test_entity_file_is_never_expanded(make_settings, examples):
    settings = make_settings()
    land(settings, "laughs.xml", CORRUPTIONS["laughs.xml"][1](lambda n: example(examples, n)))
    stats = run(settings)
    assert stats.quarantine_by_reason == {"dtd_forbidden": 1}
    assert query(settings, "SELECT count(*) FROM raw.berichten") == [(0,)]


def test_oversized_file_is_quarantined(make_settings, examples):
    settings = make_settings(JEUGDKPI_MAX_FILE_MB="0.001")  # ~1 KB
    land(settings, "big.xml", example(examples, "jw323.xml"))
    stats = run(settings)
    assert stats.quarantine_by_reason == {"file_too_large": 1}


def test_one_bad_client_in_a_declaration_quarantines_only_its_prestaties(make_settings, examples):
    settings = make_settings()
    text = example(examples, "jw323.xml")
    second = swap(text.split("<jw323:Client>")[1].split("</jw323:Client>")[0], BSN, "111111111")
    second = swap(second, "P2604", "Q2604")  # its own reference numbers
    text = swap(text, "</jw323:Client>", "</jw323:Client><jw323:Client>" + second + "</jw323:Client>", 1)
    land(settings, "two_clients.xml", text)
    stats = run(settings)
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (8, 4, 4)
    q = query(settings, "SELECT record_locator, reason_code FROM audit.quarantine ORDER BY 1")
    assert q == [(f"/Bericht/Declaratie/Clienten/Client[2]/Prestaties/Prestatie[{i}]", "bsn_invalid")
                 for i in range(1, 5)]
    assert query(settings, "SELECT status, n_records, n_loaded, n_quarantined FROM audit.ingest_files") == [
        ("loaded", 8, 4, 4)]


def test_field_in_the_wrong_namespace_reads_as_absent(make_settings, examples):
    # Categorie belongs to the basisschema; in the message's own namespace it is not the field.
    settings = make_settings()
    text = swap(example(examples, "jw301.xml"), "<ijw:Categorie>43</ijw:Categorie>",
                "<jw301:Categorie>43</jw301:Categorie>")
    land(settings, "ns.xml", text)
    stats = run(settings)
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (2, 1, 1)
    q = query(settings, "SELECT record_locator, reason_code, message FROM audit.quarantine")
    assert q == [("/Bericht/Client/ToegewezenProducten/ToegewezenProduct[1]", "structure_invalid",
                  "JW301: required element Product/Categorie is missing")]


def test_number_too_large_for_bigint_is_quarantined_and_the_run_commits(make_settings, examples):
    settings = make_settings()
    land(settings, "big_number.xml", swap(
        example(examples, "jw301.xml"), "<jw301:ToewijzingNummer>261105<",
        "<jw301:ToewijzingNummer>12345678901234567890<"))
    land(settings, "fine.xml", example(examples, "jw305.xml"))
    stats = run(settings)
    assert stats.quarantine_by_reason == {"structure_invalid": 1}
    assert query(settings, "SELECT count(*) FROM raw.jw301_toegewezen_product") == [(1,)]
    assert query(settings, "SELECT count(*) FROM raw.jw305_start_product") == [
        (stats.rows_by_table["jw305_start_product"],)]
    assert "more than 18 digits" in query(settings, "SELECT message FROM audit.quarantine")[0][0]


def test_parser_reads_only_the_allow_listed_fields(examples):
    """Names, relations and contact details are skipped unread: no key and no value of them in the dicts
    the parser works on."""
    from lxml import etree

    from jeugdkpi.ingest.berichten import parser

    root = etree.fromstring(example(examples, "jw301.xml").encode(), parser._PARSER)
    names = parser._Names("{http://www.istandaarden.nl/ijw/3_2/jw301/schema}")
    client = next(el for el in root if el.tag.endswith("}Client"))
    fields = parser._leaves(client, names)
    assert {k for k in fields if not k.endswith("/")} == {
        "Bsn", "Geboortedatum", "Geboortedatum/Datum", "Geslacht", "ToegewezenProducten"}
    assert not any(isinstance(v, str) and v in ("Lieke", "Oefenberg", "0687650432") for v in fields.values())


# ---- idempotency and reconciliation ---------------------------------------------------------------------

def snapshot(settings):
    tables = [r[0] for r in query(settings, "SELECT table_schema || '.' || table_name FROM information_schema.tables "
                                            "WHERE table_schema IN ('raw', 'audit') AND table_name <> 'ingest_runs'")]
    return {t: sorted(map(repr, query(settings, f"SELECT * FROM {t}"))) for t in sorted(tables)}


def test_second_run_changes_no_table(loaded):
    settings, first = loaded
    before = snapshot(settings)
    second = run(settings, "run-2")
    assert (second.files_new, second.records_in) == (0, 0)
    assert snapshot(settings) == before


def test_same_content_under_new_name_is_a_duplicate(loaded):
    settings, _ = loaded
    before = snapshot(settings)
    (settings.landing / "berichten" / "copy").mkdir()
    shutil.copy(settings.landing / "berichten" / "jw305.xml", settings.landing / "berichten" / "copy" / "again.xml")
    stats = run(settings, "run-2")
    assert (stats.files_new, stats.files_duplicate, stats.records_in) == (1, 1, 0)
    after = snapshot(settings)
    assert {t: v for t, v in after.items() if t != "audit.ingest_files"} == \
           {t: v for t, v in before.items() if t != "audit.ingest_files"}
    assert query(settings, "SELECT status, n_records FROM audit.ingest_files WHERE file_path = 'copy/again.xml'") == [
        ("duplicate", 0)]


def test_message_after_peildatum_loads_in_a_later_run(make_settings, examples):
    settings = make_settings(peildatum="2026-04-14")
    shutil.copy(examples / "jw305.xml", settings.landing / "berichten" / "jw305.xml")  # dated 2026-04-15
    assert run(settings).quarantine_by_reason == {"after_peildatum": 1}
    before = snapshot(settings)
    assert run(settings, "run-2").records_in == 0
    assert snapshot(settings) == before  # still too late: nothing changes
    later = settings.with_overrides(peildatum="2026-06-30")
    stats = run(later, "run-3")
    assert (stats.records_loaded, stats.records_quarantined) == (1, 0)
    assert query(later, "SELECT count(*) FROM audit.quarantine") == [(0,)]
    assert query(later, "SELECT status FROM audit.ingest_files") == [("loaded",)]


def test_records_in_equals_loaded_plus_quarantined(make_settings, examples):
    settings = make_settings()
    for f in examples.glob("*.xml"):
        shutil.copy(f, settings.landing / "berichten" / f.name)
    for name, (_, build) in CORRUPTIONS.items():
        land(settings, "bad/" + name, build(lambda n: example(examples, n)))
    stats = run(settings)
    assert stats.records_in == stats.records_loaded + stats.records_quarantined
    assert (stats.records_loaded, stats.records_quarantined) == (10, len(CORRUPTIONS))
    loaded_rows = sum(query(settings, f"SELECT count(*) FROM raw.{t}")[0][0] for t in
                      ["jw301_toegewezen_product", "jw305_start_product", "jw307_stop_product", "jw323_prestatie",
                       "jw325_declaratie_antwoord", "jw325_prestatie"])
    assert loaded_rows == stats.records_loaded
    assert query(settings, "SELECT count(*) FROM audit.quarantine")[0][0] == stats.records_quarantined
    assert query(settings, "SELECT sum(n_records), sum(n_loaded) + sum(n_quarantined) FROM audit.ingest_files") == [
        (stats.records_in, stats.records_in)]
    assert query(settings, "SELECT records_in, records_loaded, records_quarantined FROM audit.ingest_runs") == [
        (stats.records_in, stats.records_loaded, stats.records_quarantined)]


def test_zip_archives_are_read(make_settings, examples):
    settings = make_settings(JEUGDKPI_WORKERS="2")
    with zipfile.ZipFile(settings.landing / "berichten" / "batch.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for f in sorted(examples.glob("*.xml")):
            zf.write(f, f"maart/{f.name}")
    (settings.landing / "berichten" / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    stats = run(settings)
    assert stats.records_loaded == 10
    assert stats.quarantine_by_reason == {"bad_archive": 1}
    paths = [r[0] for r in query(settings,
                                 "SELECT file_path FROM audit.ingest_files WHERE status = 'loaded' ORDER BY 1")]
    assert paths[0] == "batch.zip!maart/jw301.xml" and len(paths) == 5


def test_parallel_and_serial_ingest_agree(make_settings, examples, tmp_path):
    results = []
    for workers in ("1", "2"):
        settings = make_settings(JEUGDKPI_WAREHOUSE=str(tmp_path / f"w{workers}.duckdb"), JEUGDKPI_WORKERS=workers)
        for i in range(150):  # enough files for the pool to start
            text = swap(example(examples, "jw305.xml"), "S2026041501", f"S{i:010d}")
            land(settings, f"many/{i:04d}.xml", text)
        run(settings)
        results.append(query(settings, "SELECT message_id, record_locator, youth_key FROM raw.jw305_start_product "
                                       "ORDER BY message_id"))
    assert results[0] == results[1] and len(results[0]) == 150


# ---- privacy --------------------------------------------------------------------------------------------

PERSONAL = [BSN, "Oefenberg", "Proefpolderlaan", "8232ZX", "0687650432", "Lieke"]  # as in tests/fixtures/ijw


def all_text_values(settings):
    cols = query(settings, "SELECT table_schema, table_name, column_name FROM information_schema.columns "
                           "WHERE data_type = 'VARCHAR'")
    for schema, table, column in cols:
        for (value,) in query(settings, f'SELECT DISTINCT "{column}" FROM "{schema}"."{table}" '
                                        f'WHERE "{column}" IS NOT NULL'):
            yield f"{schema}.{table}.{column}", value


def test_no_personal_data_in_the_warehouse(make_settings, examples):
    settings = make_settings()
    for f in examples.glob("*.xml"):
        shutil.copy(f, settings.landing / "berichten" / f.name)
    land(settings, "bsn.xml", CORRUPTIONS["bsn.xml"][1](lambda n: example(examples, n)))
    run(settings)
    values = list(all_text_values(settings))
    assert len(values) > 50
    leaks = [(where, v) for where, v in values for p in PERSONAL + ["123456781"] if p in v]
    assert leaks == []
