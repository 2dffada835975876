"""Ingest of the tabular sources (landing/cbs_spiegel, cbs_bevolking, aanbieders, gemeente, kwaliteitsgesprekken).

Per source: a valid file, each class of bad file (wrong columns, non-numeric, teller > noemer, unknown kpi_id or
AGB, period in the future, duplicate delivery), the replacement bookkeeping and suppressed cells. No dbt here:
these tests look at raw.*, raw.leveringen_* and the audit tables (peildatum 2026-06-30 unless noted); how
staging resolves a replacement is asserted end to end in test_e2e_inputs.py.
"""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from jeugdkpi.ingest.aanbieders.load import SPEC as AANBIEDERS
from jeugdkpi.ingest.cbs_bevolking.load import SPEC as BEVOLKING
from jeugdkpi.ingest.cbs_spiegel.load import SPEC as SPIEGEL
from jeugdkpi.ingest.gemeente.load import SPEC as GEMEENTE
from jeugdkpi.ingest.gemeente.load import pseudonymise_request_id
from jeugdkpi.ingest.kwaliteitsgesprekken.load import SPEC as KWALITEIT
from jeugdkpi.ingest.tabular import ingest_source
from jeugdkpi.template import write_template
from jeugdkpi.warehouse import connect

P1, P2, UNKNOWN = "75750001", "75750002", "12345678"

SPIEGEL_HEAD = "aanbieder_agb,periode,versie,cbs_status,gemeentecode,hulpvorm,indicator,informant,categorie,aantal\n"


def spiegel(agb=P1, periode="2025-H2", versie="volledig", rows=None) -> str:
    rows = rows or [("", "beeindigd", "", "", "40"), ("", "uitval", "", "01", "30"), ("", "uitval", "", "03", "6"),
                    ("", "uitval", "", "05", "4"), ("", "tevredenheid", "jeugdige", "8", "12"),
                    ("", "tevredenheid", "jeugdige", "3", "3"), ("", "geen_nieuwe_start", "", "", "33")]
    return SPIEGEL_HEAD + "".join(f"{agb},{periode},{versie},definitief,{g},,{i},{inf},{c},{n}\n"
                                  for g, i, inf, c, n in rows)


def land(settings, source: str, name: str, content: str | bytes) -> None:
    path = settings.landing / source / name
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)


def run(settings, spec):
    with connect(settings.warehouse) as con:
        stats = ingest_source(con, settings, "run-" + spec.source, spec)
    return stats


def query(settings, sql: str, params=None):
    with connect(settings.warehouse, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def quarantine(settings, source):
    return query(settings, "SELECT file_path, record_locator, reason_code FROM audit.quarantine WHERE source = ? "
                           "ORDER BY file_path, record_locator", [source])


def files(settings, source):
    return query(settings, "SELECT file_path, status, n_records, n_loaded, n_quarantined FROM audit.ingest_files "
                           "WHERE source = ? ORDER BY file_path", [source])


# --------------------------------------------------------------------------------------------------- CBS

def test_cbs_valid_report_loads_every_cell(make_settings):
    s = make_settings()
    land(s, "cbs_spiegel", "p1_2025H2.csv", spiegel())
    stats = run(s, SPIEGEL)
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (7, 7, 0)
    assert files(s, "cbs_spiegel") == [("p1_2025H2.csv", "loaded", 7, 7, 0)]
    assert query(s, "SELECT indicator, categorie, aantal FROM raw.cbs_spiegel WHERE indicator = 'uitval' "
                    "ORDER BY categorie") == [("uitval", "01", 30), ("uitval", "03", 6), ("uitval", "05", 4)]
    assert query(s, "SELECT kind, aanbieder_agb, periode, status FROM raw.leveringen_cbs_spiegel") == [
        ("cbs_spiegel", P1, "2025-H2", "loaded")]


def test_cbs_shareable_report_keeps_suppressed_cells_null(make_settings):
    s = make_settings()
    rows = [("0034", "beeindigd", "", "", "25"), ("0034", "uitval", "", "03", "."), ("0995", "beeindigd", "", "", "x"),
            ("0995", "uitval", "", "03", "")]
    land(s, "cbs_spiegel", "deelbaar.csv", spiegel(versie="deelbaar", rows=rows))
    run(s, SPIEGEL)
    got = query(s, "SELECT gemeentecode, indicator, aantal, onderdrukt, onderdrukt_symbool FROM raw.cbs_spiegel "
                   "ORDER BY gemeentecode, indicator")
    assert got == [("0034", "beeindigd", 25, False, None), ("0034", "uitval", None, True, "."),
                   ("0995", "beeindigd", None, True, "x"), ("0995", "uitval", None, True, "")]


@pytest.mark.parametrize("content, reason, locator", [
    # wrong columns: 'aantal' renamed
    (SPIEGEL_HEAD.replace("aantal", "waarde") + f"{P1},2025-H2,volledig,definitief,,,beeindigd,,,4\n",
     "wrong_columns", "row 1 (header)"),
    # non-numeric (and a suppression symbol in a full report is not allowed either)
    (spiegel(rows=[("", "beeindigd", "", "", "veertig"), ("", "uitval", "", "03", ".")]),
     "not_a_number", "row 2, column aantal|row 3, column aantal"),
    # teller > noemer: 30 + 6 + 9 uitval reasons = 45 > 40 ended trajectories
    (spiegel(rows=[("", "beeindigd", "", "", "40"), ("", "uitval", "", "01", "30"), ("", "uitval", "", "03", "6"),
                   ("", "uitval", "", "04", "9")]), "teller_gt_noemer", "row 2, column aantal"),
    (spiegel(agb=UNKNOWN), "unknown_agb", "row 2, column aanbieder_agb"),
    (spiegel(rows=[("", "tevredenheid", "jeugdige", "11", "3")]), "invalid_value", "row 2, column categorie"),
    (spiegel(rows=[("", "beeindigd", "", "", "4"), ("", "beeindigd", "", "", "5")]), "duplicate_key",
     "row 3, column aantal"),
])
def test_cbs_bad_reports_are_rejected_whole_with_cell_locators(make_settings, content, reason, locator):
    s = make_settings()
    land(s, "cbs_spiegel", "bad.csv", content)
    stats = run(s, SPIEGEL)
    assert stats.records_loaded == 0 and stats.records_in == stats.records_quarantined
    got = [(loc, r) for _, loc, r in quarantine(s, "cbs_spiegel")]
    assert {(loc, reason) for loc in locator.split("|")} <= set(got), got
    assert query(s, "SELECT count(*) FROM raw.cbs_spiegel") == [(0,)]
    assert query(s, "SELECT status, first_error FROM raw.leveringen_cbs_spiegel")[0][0] == "quarantined"


def test_cbs_period_in_future_waits_for_the_peildatum(make_settings):
    s = make_settings(peildatum="2026-06-30")
    land(s, "cbs_spiegel", "future.csv", spiegel(periode="2026-H2"))
    run(s, SPIEGEL)
    assert files(s, "cbs_spiegel") == [("future.csv", "quarantined", 7, 0, 7)]
    assert {r for _, _, r in quarantine(s, "cbs_spiegel")} == {"period_in_future"}
    run(s, SPIEGEL)  # same peildatum: nothing changes
    assert len(quarantine(s, "cbs_spiegel")) == 7
    later = s.with_overrides(peildatum="2027-01-15")
    stats = run(later, SPIEGEL)
    assert stats.records_loaded == 7
    assert files(s, "cbs_spiegel") == [("future.csv", "loaded", 7, 7, 0)] and quarantine(s, "cbs_spiegel") == []


def test_cbs_duplicate_delivery_and_rerun_change_nothing(make_settings):
    s = make_settings()
    land(s, "cbs_spiegel", "a.csv", spiegel())
    run(s, SPIEGEL)
    land(s, "cbs_spiegel", "kopie/a_again.csv", spiegel())  # same content, other name
    stats = run(s, SPIEGEL)
    assert (stats.files_new, stats.files_duplicate, stats.records_in) == (1, 1, 0)
    stats = run(s, SPIEGEL)
    assert (stats.files_new, stats.records_in) == (0, 0)
    assert query(s, "SELECT count(*) FROM raw.cbs_spiegel") == [(7,)]
    assert [f[1] for f in files(s, "cbs_spiegel")] == ["loaded", "duplicate"]


def test_cbs_correction_keeps_both_versions_in_raw(make_settings):
    s = make_settings()
    land(s, "cbs_spiegel", "1_voorlopig.csv", spiegel())
    run(s, SPIEGEL)
    land(s, "cbs_spiegel", "2_correctie.csv", spiegel(rows=[("", "beeindigd", "", "", "41")]))
    run(s, SPIEGEL)
    # raw keeps every version; the delivery log orders them (staging takes the latest: test_e2e_inputs)
    got = query(s, "SELECT file_path, status FROM raw.leveringen_cbs_spiegel ORDER BY loaded_at")
    assert got == [("1_voorlopig.csv", "loaded"), ("2_correctie.csv", "loaded")]
    assert query(s, "SELECT count(*) FROM raw.cbs_spiegel") == [(8,)]


# -------------------------------------------------------------------------------------------- population

POP_HEAD = "gemeentecode,peildatum,leeftijd,geslacht,aantal,bron_tabel,bron_periode\n"


def test_population_valid_and_bad_files(make_settings):
    s = make_settings()
    land(s, "cbs_bevolking", "ok.csv", "# SYNTHETISCH\n" + POP_HEAD + "0034,2025-01-01,0,T,1000,synthetisch,2025JJ00\n"
         "34,2025-01-01,1,T,1001,synthetisch,2025JJ00\n")
    land(s, "cbs_bevolking", "letters.csv", POP_HEAD + "0995,2025-01-01,0,T,veel,03759ned,2025JJ00\n")
    land(s, "cbs_bevolking", "future.csv", POP_HEAD + "0995,2027-01-01,0,T,10,03759ned,2027JJ00\n")
    land(s, "cbs_bevolking", "gemeente.csv", POP_HEAD + "9999,2025-01-01,0,T,10,03759ned,2025JJ00\n")
    land(s, "cbs_bevolking", "columns.csv", "gemeente,jaar,aantal\n0034,2025,4\n")
    land(s, "cbs_bevolking", "dubbel.csv", POP_HEAD + "0303,2025-01-01,5,T,10,x,y\n0303,2025-01-01,5,T,11,x,y\n")
    stats = run(s, BEVOLKING)
    assert stats.records_in == stats.records_loaded + stats.records_quarantined == 8
    # the comment line counts, so a locator matches what an editor shows
    assert query(s, "SELECT gemeentecode, leeftijd, aantal, record_locator FROM raw.cbs_bevolking ORDER BY 2") == [
        ("0034", 0, 1000, "row 3"), ("0034", 1, 1001, "row 4")]
    assert quarantine(s, "cbs_bevolking") == [
        ("columns.csv", "row 1 (header)", "wrong_columns"),
        ("dubbel.csv", "row 3, column aantal", "duplicate_key"),
        ("future.csv", "row 2, column peildatum", "period_in_future"),
        ("gemeente.csv", "row 2, column gemeentecode", "unknown_gemeente"),
        ("letters.csv", "row 2, column aantal", "not_a_number"),
    ]


# ------------------------------------------------------------------------------------- provider template

def filled_template(path, agb=P1, periode="2025-H2", figures=None, klachten=(5, 4, 3, 1, 120)):
    write_template(path, agb, periode)
    wb = load_workbook(path)
    ws = wb["KPI"]
    rows = {ws.cell(r, 1).value: r for r in range(2, ws.max_row + 1)}
    for kpi, (teller, noemer) in (figures or {"DB02": (6, 10)}).items():
        ws.cell(rows[kpi], 4, teller)
        ws.cell(rows[kpi], 5, noemer)
    for c, v in enumerate(klachten, 1):
        wb["Klachten"].cell(2, c, v)
    wb.save(path)
    return rows


def test_template_workbook_loads(make_settings, tmp_path):
    s = make_settings()
    rows = filled_template(tmp_path / "t.xlsx", figures={"DB02": (6, 10), "CT01": (7.5, 20), "EG03": (14, 9)})
    land(s, "aanbieders", "t.xlsx", (tmp_path / "t.xlsx").read_bytes())
    stats = run(s, AANBIEDERS)
    assert (stats.records_in, stats.records_loaded) == (4, 4)  # 3 KPI rows + 1 Klachten row
    assert query(s, "SELECT kpi_id, teller, noemer, record_locator FROM raw.aanbieder_kpi ORDER BY kpi_id") == [
        ("CT01", 7.5, 20, f"KPI!{rows['CT01']}"), ("DB02", 6.0, 10, f"KPI!{rows['DB02']}"),
        ("EG03", 14.0, 9, f"KPI!{rows['EG03']}")]  # EG03 is a mean: teller may exceed noemer
    assert query(s, "SELECT aantal, aantal_clienten FROM raw.aanbieder_klachten") == [(5, 120)]
    assert query(s, "SELECT kind, aanbieder_agb, periode FROM raw.leveringen_aanbieders ORDER BY kind") == [
        ("aanbieder_klachten", P1, "2025-H2"), ("aanbieder_kpi", P1, "2025-H2")]


def test_bad_workbook_is_rejected_whole_with_a_list_of_cells(make_settings, tmp_path):
    s = make_settings()
    # teller > noemer, text in a noemer, a complaint part above its total
    rows = filled_template(tmp_path / "bad.xlsx", figures={"DB02": (12, 10), "LR01": (3, "veel"), "DB01": (1, 2)},
                           klachten=(2, 3, 1, 0, 50))
    wb = load_workbook(tmp_path / "bad.xlsx")
    wb["KPI"].cell(wb["KPI"].max_row + 1, 1, "XX99")  # an unknown KPI, filled in
    wb["KPI"].cell(wb["KPI"].max_row, 4, 1)
    wb["KPI"].cell(wb["KPI"].max_row, 5, 1)
    wb.save(tmp_path / "bad.xlsx")
    land(s, "aanbieders", "bad.xlsx", (tmp_path / "bad.xlsx").read_bytes())
    stats = run(s, AANBIEDERS)
    last = wb["KPI"].max_row
    assert stats.records_loaded == 0 and stats.records_quarantined == stats.records_in == 5
    assert [(loc, r) for _, loc, r in quarantine(s, "aanbieders")] == sorted([
        (f"KPI!A{last}", "unknown_kpi"), (f"KPI!D{rows['DB02']}", "teller_gt_noemer"),
        (f"KPI!E{rows['LR01']}", "not_a_number"), ("Klachten!B2", "teller_gt_noemer")])
    assert query(s, "SELECT count(*) FROM raw.aanbieder_kpi") == [(0,)]
    assert query(s, "SELECT DISTINCT status, aanbieder_agb, periode FROM raw.leveringen_aanbieders") == [
        ("quarantined", P1, "2025-H2")]


@pytest.mark.parametrize("content, reason, locator", [
    ("aanbieder_agb,periode,kpi_id,teller\n75750001,2025-H2,DB02,4\n", "wrong_columns", "row 1 (header)"),
    ("aanbieder_agb,periode,kpi_id,teller,noemer\n12345678,2025-H2,DB02,4,5\n", "unknown_agb",
     "row 2, column aanbieder_agb"),
    ("aanbieder_agb,periode,kpi_id,teller,noemer\n75750001,2026-H2,DB02,4,5\n", "period_in_future",
     "row 2, column periode"),
    ("aanbieder_agb,periode,kpi_id,teller,noemer\n75750001,2025-H2,VB01,4,5\n", "unknown_kpi",
     "row 2, column kpi_id"),
    ("aanbieder_agb,periode,kpi_id,teller,noemer\n75750001,2025-H2,DB02,4,5\n75750001,2025-H2,DB02,3,5\n",
     "duplicate_key", "row 3, column kpi_id"),
    ("aanbieder_agb,periode,kpi_id,teller,noemer\n75750001,2025-H2,DB02,4.5,5\n", "not_a_number",
     "row 2, column teller"),
])
def test_provider_csv_bad_files(make_settings, content, reason, locator):
    s = make_settings()
    land(s, "aanbieders", "kpi.csv", content)
    run(s, AANBIEDERS)
    assert (locator, reason) in [(loc, r) for _, loc, r in quarantine(s, "aanbieders")]
    assert files(s, "aanbieders")[0][1] == "quarantined"


def test_provider_redelivery_is_logged_in_order(make_settings):
    s = make_settings()
    land(s, "aanbieders", "a_eerst.csv", "aanbieder_agb,periode,kpi_id,teller,noemer\n75750001,2025-H2,DB02,4,5\n")
    land(s, "aanbieders", "b_later.csv", "aanbieder_agb,periode,kpi_id,teller,noemer\n75750001,2025-H2,DB02,5,5\n")
    run(s, AANBIEDERS)  # both in one run: the later path counts as the later delivery
    assert query(s, "SELECT file_path FROM raw.leveringen_aanbieders ORDER BY loaded_at, file_path") == [
        ("a_eerst.csv",), ("b_later.csv",)]


# ------------------------------------------------------------------------------------ municipal exports

def test_municipal_exports_quarantine_bad_rows_only(make_settings):
    s = make_settings()
    land(s, "gemeente", "aanvragen.csv", "request_id,gemeentecode,aanvraagdatum,besluitdatum\n"
         "R1,0034,2025-01-10,2025-02-01\nR2,0034,2025-02-30,\nR3,0034,2025-03-01,2025-02-01\nR4,0995,2025-03-01,\n")
    land(s, "gemeente", "betalingen.csv", "aanbieder_agb,declaratienummer,betaaldatum\n"
         "75750001,D1,2025-03-01\n12345678,D2,2025-03-01\n75750001,D1,2025-03-02\n")
    land(s, "gemeente", "afwijzingen.csv", "gemeentecode,toewijzingnummer,afwijzingsdatum\n0034,1,2025-01-01\n")
    stats = run(s, GEMEENTE)
    # aanvragen 4 rows (2 bad) + betalingen 3 rows (2 bad) + afwijzingen rejected whole (1 record)
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (8, 3, 5)
    assert quarantine(s, "gemeente") == [
        ("aanvragen.csv", "row 3, column aanvraagdatum", "invalid_date"),
        ("aanvragen.csv", "row 4, column besluitdatum", "impossible_dates"),
        ("afwijzingen.csv", "row 1 (header)", "wrong_columns"),
        ("betalingen.csv", "row 3, column aanbieder_agb", "unknown_agb"),
        ("betalingen.csv", "row 4", "duplicate_key"),
    ]
    # request_id is stored as its pseudonym (docs/privacy.md)
    assert query(s, "SELECT request_id, besluitdatum FROM raw.gemeente_aanvragen ORDER BY 1") == sorted([
        (pseudonymise_request_id(b"test-key", "R1"), __import__("datetime").date(2025, 2, 1)),
        (pseudonymise_request_id(b"test-key", "R4"), None)])


def test_quality_scores(make_settings):
    s = make_settings()
    land(s, "kwaliteitsgesprekken", "kg.csv", "aanbieder_agb,gespreksdatum,onderdeel,score,toelichting\n"
         "75750001,2025-03-10,hulpverleningsplan,7,Goed gesprek\n75750001,2025-03-10,perspectiefplan,5,\n"
         "75750001,2025-03-10,eigen_kracht,tien,\n12345678,2025-03-10,eigen_kracht,10,\n")
    stats = run(s, KWALITEIT)
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (4, 1, 3)
    assert [(loc, r) for _, loc, r in quarantine(s, "kwaliteitsgesprekken")] == [
        ("row 3, column score", "invalid_value"), ("row 4, column score", "not_a_number"),
        ("row 5, column aanbieder_agb", "unknown_agb")]
    # free text is never stored
    cols = [r[0] for r in query(s, "SELECT column_name FROM information_schema.columns "
                                   "WHERE table_name = 'kwaliteitsgesprekken'")]
    assert "toelichting" not in cols


def test_unreadable_workbook(make_settings):
    s = make_settings()
    land(s, "aanbieders", "kapot.xlsx", b"this is not a zip")
    stats = run(s, AANBIEDERS)
    assert (stats.records_in, stats.records_quarantined) == (1, 1)
    assert quarantine(s, "aanbieders") == [("kapot.xlsx", None, "unreadable_file")]



# ------------------------------------------------------------- identifiers from free-text fields (issue 14)

FREE_TEXT_ID = "Piet Jansen 999993392"   # a name and a (test-range) BSN typed into the request number field
FREE_TEXT_PARTS = ("Piet", "Jansen", "999993392")


def text_values(con) -> list[str]:
    """Every value of every text column of every table in the warehouse (lists of text flattened)."""
    out = []
    for schema, table, column, dtype in con.execute(
            "SELECT table_schema, table_name, column_name, data_type FROM information_schema.columns "
            "WHERE data_type IN ('VARCHAR', 'VARCHAR[]') ORDER BY ALL").fetchall():
        col = f'"{column}"' if dtype == "VARCHAR" else f'unnest("{column}")'
        out += [v for (v,) in con.execute(f'SELECT {col} FROM "{schema}"."{table}"').fetchall() if v]
    return out


def test_request_ids_are_pseudonymised_and_identifiers_keep_their_ijw_form(make_settings):
    from jeugdkpi.pseudonym import Pseudonymiser

    s = make_settings()
    land(s, "gemeente", "aanvragen.csv", "request_id,gemeentecode,aanvraagdatum,besluitdatum\n"
         f"{FREE_TEXT_ID},0034,2025-01-06,2025-03-04\n999993392,0034,2025-02-01,2025-03-20\n")
    land(s, "gemeente", "betalingen.csv", "aanbieder_agb,declaratienummer,betaaldatum\n"
         f"75750001,D2025010034,2025-03-01\n75750001,{FREE_TEXT_ID},2025-03-01\n75750001,D-1,2025-03-01\n"
         "75750001,D202501003400,2025-03-01\n")  # 13 characters
    land(s, "gemeente", "afwijzingen.csv", "gemeentecode,toewijzingnummer,aanbieder_agb,afwijzingsdatum\n"
         "0034,999999999,75750001,2025-01-01\n0034,1000000000,75750001,2025-01-01\n")
    stats = run(s, GEMEENTE)
    assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (8, 4, 4)
    # free text in a number that must join to the iJw messages is quarantined, not stored (no quoted values)
    assert quarantine(s, "gemeente") == [
        ("afwijzingen.csv", "row 3, column toewijzingnummer", "invalid_value"),
        ("betalingen.csv", "row 3, column declaratienummer", "invalid_value"),
        ("betalingen.csv", "row 4, column declaratienummer", "invalid_value"),
        ("betalingen.csv", "row 5, column declaratienummer", "invalid_value"),
    ]
    assert query(s, "SELECT declaratienummer FROM raw.gemeente_betalingen") == [("D2025010034",)]
    assert query(s, "SELECT toewijzingnummer FROM raw.gemeente_afwijzingen") == [(999999999,)]
    # the request ids are keyed HMACs; a bare BSN as request id does not get that youth's youth_key
    ids = [r for (r,) in query(s, "SELECT request_id FROM raw.gemeente_aanvragen ORDER BY aanvraagdatum")]
    assert ids == [pseudonymise_request_id(b"test-key", FREE_TEXT_ID),
                   pseudonymise_request_id(b"test-key", "999993392")]
    assert all(len(i) == 64 and set(i) <= set("0123456789abcdef") for i in ids)
    assert ids[1] != Pseudonymiser(b"test-key").youth_key("999993392")
    assert pseudonymise_request_id(b"other-key", FREE_TEXT_ID) != ids[0]
    with connect(s.warehouse, read_only=True) as con:
        leaks = [v for v in text_values(con) if any(p in v for p in FREE_TEXT_PARTS)]
    assert leaks == []


def test_free_text_request_id_never_reaches_the_warehouse_and_ap02_is_unchanged(tmp_path):
    """Through the whole pipeline: AP02 counts a request with a free-text id, replaced by a later file by that
    same id (its pseudonym is stable), and no table of the warehouse or file of the publication holds the text.
    Hand-computed (peildatum 2026-06-30): decided in 2025-H1 - the free-text request, 57 days (late), replaced
    by the correction to 2025-02-20 (45 days: on time), and R2 47 days (on time) -> 2/2 = 100 %."""
    from scenario import run_scenario

    def build(landing):
        (landing / "gemeente" / "1").mkdir(parents=True)
        (landing / "gemeente" / "1" / "aanvragen.csv").write_text(
            "request_id,gemeentecode,aanvraagdatum,besluitdatum\n"
            f"{FREE_TEXT_ID},0034,2025-01-06,2025-03-04\nR2,0034,2025-02-01,2025-03-20\n")
        (landing / "gemeente" / "2").mkdir()
        (landing / "gemeente" / "2" / "correctie.csv").write_text(
            f"request_id,gemeentecode,aanvraagdatum,besluitdatum\n{FREE_TEXT_ID},0034,2025-01-06,2025-02-20\n")

    settings = run_scenario(tmp_path, build)
    with connect(settings.warehouse, read_only=True) as con:
        ap02 = con.execute("SELECT numerator, denominator, value FROM marts.kpi_values WHERE kpi_id = 'AP02' "
                           "AND period = '2025-H1' AND municipality_code IS NULL").fetchall()
        leaks = [v for v in text_values(con) if any(p in v for p in FREE_TEXT_PARTS)]
    assert ap02 == [(2.0, 2.0, 100.0)]
    assert leaks == []
    published = [p for p in settings.publish.rglob("*") if p.is_file()]
    assert published and not [p for p in published if any(x.encode() in p.read_bytes() for x in FREE_TEXT_PARTS)]


# ------------------------------------------------------------------------------- shared parse helpers

def test_start_parse_and_key_check():
    """The start every tabular source's parse shares (columns, record count, empty delivery) and the key check."""
    from jeugdkpi.ingest.tabular import KeyCheck, read_csv, start_parse

    empty = read_csv(b"a,b\n")
    out, read = start_parse(empty, ["a", "b"], [], empty="no rows")  # a delivery: empty is an error
    assert (read, out.n_in, out.errors.items) == (False, 0, [("row 1 (header)", "empty_delivery", "no rows")])
    out, read = start_parse(empty, ["a", "b"], [])  # an event list: nothing to load is fine
    assert (read, out.n_in, out.errors.items) == (True, 0, [])
    out, read = start_parse(read_csv(b"a,c\n1,2\n"), ["a", "b"], [])
    assert (read, out.n_in, [r for _, r, _ in out.errors.items]) == (False, 0, ["wrong_columns"])

    out, read = start_parse(read_csv(b"a,b\n1,x\n1,y\n1,z\n"), ["a", "b"], ["c"])
    assert (read, out.n_in) == (True, 3)
    keys = KeyCheck(out.errors, "a")
    keys.check(("1",), "row 2", "row 2")
    keys.check(("1",), "row 3, column a", "row 3")
    keys.check(("1",), "row 4", "row 4", clean=False)  # a row with errors of its own: its key says nothing
    assert out.errors.items == [("row 3, column a", "duplicate_key", "the same a as row 2")]
    assert out.errors.bad_rows == {"row 3"}
