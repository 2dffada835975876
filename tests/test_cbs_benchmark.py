"""`jeugdkpi cbs-benchmark`: the CBS reference values from StatLine 85098NED, 85097NED and 85100NED against recorded
responses (tests/fixtures/cbs_85098ned_download.json, ..._85097ned_..., ..._85100ned_...: the shape
cbsodata.download_data returns, written by hand, placeholder numbers), and the landing source cbs_benchmark
(the refresh's file and the demo's synthetic file load; a withheld cell written as 0, an unknown measure and an
unrounded count are rejected whole). Expected values are read off the fixtures by hand."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from jeugdkpi.cli import main
from jeugdkpi.ingest.cbs_benchmark.load import SPEC
from jeugdkpi.ingest.cbs_benchmark.refresh import BenchmarkError, fetch_benchmark
from jeugdkpi.ingest.tabular import ingest_source
from jeugdkpi.warehouse import connect

FIXTURES = Path(__file__).parent / "fixtures"
MUNIS = ["0034", "0995", "0184"]


@pytest.fixture
def recorded():
    calls = []

    def download(table, filters=None, select=None, **kw):
        calls.append((table, filters))
        return json.loads((FIXTURES / f"cbs_{table.lower()}_download.json").read_text(encoding="utf-8"))

    download.calls = calls
    return download


def _by_key(rows):
    return {(r["bron_tabel"], r["maat"], r["gebied_code"], r["periode"]): r for r in rows}


def test_refresh_rows_from_the_three_tables(recorded):
    rows = fetch_benchmark(MUNIS, [2025], download=recorded, today="2026-07-01")
    by = _by_key(rows)
    assert [t for t, _ in recorded.calls] == ["85098NED", "85097NED", "85100NED"]
    filters = dict(recorded.calls)
    assert "startswith(RegioS,'GM0034')" in filters["85097NED"] and "startswith(Perioden,'2025')" in filters["85097NED"]
    assert "JZ" not in filters["85098NED"] and "substringof('JZ',RegioS)" in filters["85100NED"]
    # 85100NED, youths with jeugdhulp met verblijf, Geslacht/Leeftijd at their totals: a municipality, the
    # jeugdzorgregio and NL
    almere = by[("85100NED", "jeugdigen_verblijf", "0034", "2025-H2")]
    assert (almere["gebied_type"], almere["waarde"], almere["eenheid"], almere["onderdrukt"], almere["afgerond"],
            almere["bron_periode"], almere["bron_status"]) == ("gemeente", "395", "aantal", "false", "5", "2025HJ02",
                                                                "voorlopig")
    jz = by[("85100NED", "jeugdigen_verblijf", "JZ21", "2025-H1")]
    assert (jz["gebied_type"], jz["gebied_naam"], jz["waarde"], jz["bron_status"]) == \
        ("regio", "Flevoland (JZ)", "780", "nader voorlopig")
    nl = by[("85100NED", "jeugdigen_verblijf", "NL", "2024")]
    assert (nl["gebied_type"], nl["waarde"], nl["bron_periode"], nl["bron_status"]) == \
        ("nederland", "41350", "2024JJ00", "definitief")
    # a withheld cell: empty waarde + onderdrukt, never 0; the count still says how CBS rounds
    urk = by[("85100NED", "jeugdigen_verblijf", "0184", "2025-H2")]
    assert (urk["waarde"], urk["onderdrukt"], urk["afgerond"]) == ("", "true", "5")
    assert by[("85097NED", "trajecten_voortijdig", "0184", "2025-H1")]["waarde"] == ""
    # 85097NED at Verwijzer = totaal (not the gemeentelijke toegang), counts of all hulpvormen
    assert by[("85097NED", "trajecten_beeindigd", "0034", "2025-H1")]["waarde"] == "2315"
    assert by[("85097NED", "trajecten_voortijdig", "0995", "2025-H2")]["waarde"] == "240"
    # duration of ended trajectories WITH verblijf (not the 298 days of all trajectories), days / 30.4375
    duur = by[("85097NED", "duur_beeindigd_maanden", "NL", "2025-H1")]
    assert (duur["waarde"], duur["eenheid"], duur["afgerond"]) == ("12.00", "maanden", "")  # 365.25 days
    assert by[("85097NED", "duur_beeindigd_maanden", "0995", "2025-H1")]["waarde"] == "15.00"  # 456.5625 days
    assert by[("85097NED", "duur_beeindigd_maanden", "0184", "2025-H1")]["onderdrukt"] == "true"
    # 85098NED: a percentage, no rounding to 5, no region rows
    pct = by[("85098NED", "pct_verblijf_van_jeugdhulp", "0995", "2025-H2")]
    assert (pct["waarde"], pct["eenheid"], pct["afgerond"]) == ("10.2", "%", "")
    assert by[("85098NED", "pct_verblijf_van_jeugdhulp", "0184", "2025-H2")]["onderdrukt"] == "true"
    assert {r["gebied_type"] for r in rows if r["bron_tabel"] != "85100NED"} == {"gemeente", "nederland"}
    # every published count is a multiple of 5; every row has a status and the fetch date
    assert all(int(r["waarde"]) % 5 == 0 for r in rows if r["afgerond"] == "5" and r["waarde"])
    assert all(r["bron_status"] in ("voorlopig", "nader voorlopig", "definitief") for r in rows)
    assert {r["opgehaald_op"] for r in rows} == {"2026-07-01"}
    assert len(rows) == len(by) == 56


def test_region_code_narrows_the_region_filter(recorded):
    fetch_benchmark(MUNIS, [2025], region_code="JZ21", download=recorded)
    assert "startswith(RegioS,'JZ21')" in dict(recorded.calls)["85100NED"]


def test_a_missing_title_names_the_table(recorded):
    def renamed(table, **kw):
        data = recorded(table, **kw)
        if table == "85097NED":
            data["DataProperties"] = [p for p in data["DataProperties"] if p.get("Title") != "Voortijdig beëindigd"]
        return data
    with pytest.raises(BenchmarkError, match="table 85097NED: no column for trajecten_voortijdig"):
        fetch_benchmark(MUNIS, [2025], download=renamed)


def test_a_duration_in_an_unknown_unit_is_an_error(recorded):
    def weeks(table, **kw):
        data = recorded(table, **kw)
        for p in data["DataProperties"]:
            if p.get("Unit") == "dagen":
                p["Unit"] = "weken"
        return data
    with pytest.raises(BenchmarkError, match="85097NED: duur_beeindigd_maanden has unit 'weken'"):
        fetch_benchmark(MUNIS, [2025], download=weeks)


def test_command_writes_a_file_the_ingest_loads(recorded, monkeypatch, make_settings):
    import cbsodata

    monkeypatch.setattr(cbsodata, "download_data", recorded)
    s = make_settings()
    out = s.landing / "cbs_benchmark" / "statline.csv"
    assert main(["cbs-benchmark", "--out", str(out), "--jaren", "2025-2025", "--gemeenten", "34,0995,GM0184"]) == 0
    with open(out, newline="", encoding="utf-8") as fh:
        assert len(list(csv.DictReader(fh))) == 56
    with connect(s.warehouse) as con:
        stats = ingest_source(con, s, "r1", SPEC)
        assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (56, 56, 0)
        assert con.execute("SELECT waarde, onderdrukt, afgerond, gemeentecode FROM raw.cbs_benchmark "
                           "WHERE maat = 'jeugdigen_verblijf' AND gebied_code = '0184' AND periode = '2025-H2'"
                           ).fetchall() == [(None, True, 5, "0184")]
        assert con.execute("SELECT waarde, gemeentecode FROM raw.cbs_benchmark WHERE maat = 'jeugdigen_verblijf' "
                           "AND gebied_code = 'JZ21' AND periode = '2025'").fetchall() == [(915.0, None)]


def test_the_demo_file_loads(make_settings, tmp_path):
    from jeugdkpi.generate import generate_region

    s = make_settings()
    generate_region(s.landing, youths=150, with_errors=False)
    path = s.landing / "cbs_benchmark" / "statline.csv"
    head = path.read_text(encoding="utf-8").splitlines()[0]
    assert head.startswith("# SYNTHETISCH") and "GEEN CBS-cijfers" in head
    with connect(s.warehouse) as con:
        stats = ingest_source(con, s, "r1", SPEC)
        assert stats.records_in == stats.records_loaded > 0 and stats.records_quarantined == 0
        # CBS lags one half-year behind the peildatum's half-year (2026-H1): the latest is 2025-H2, voorlopig
        assert con.execute("SELECT max(periode), any_value(bron_status) FROM raw.cbs_benchmark "
                           "WHERE length(periode) = 7 AND periode = (SELECT max(periode) FROM raw.cbs_benchmark "
                           "WHERE length(periode) = 7)").fetchone() == ("2025-H2", "voorlopig")
        assert con.execute("SELECT count(*) FROM raw.cbs_benchmark WHERE onderdrukt AND waarde IS NULL"
                           ).fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM raw.cbs_benchmark WHERE gebied_type = 'regio'").fetchone()[0] > 0


HEAD = "bron_tabel,maat,gebied_type,gebied_code,periode,waarde,eenheid,onderdrukt,afgerond,bron_periode,bron_status\n"


@pytest.mark.parametrize(("name", "row", "locator", "reason"), [
    ("nul.csv", "85100NED,jeugdigen_verblijf,gemeente,0184,2025-H2,0,aantal,true,5,2025HJ02,voorlopig",
     "row 3, column waarde", "invalid_value"),
    ("maat.csv", "85100NED,jeugdigen_totaal,gemeente,0184,2025-H2,10,aantal,false,5,2025HJ02,voorlopig",
     "row 3, column maat", "invalid_value"),
    ("afronding.csv", "85100NED,jeugdigen_verblijf,gemeente,0184,2025-H2,12,aantal,false,5,2025HJ02,voorlopig",
     "row 3, column waarde", "invalid_value"),
    ("leeg.csv", "85100NED,jeugdigen_verblijf,gemeente,0184,2025-H2,,aantal,false,5,2025HJ02,voorlopig",
     "row 3, column waarde", "not_a_number"),
    ("regio.csv", "85100NED,jeugdigen_verblijf,regio,Flevoland,2025-H2,900,aantal,false,5,2025HJ02,voorlopig",
     "row 3, column gebied_code", "invalid_value"),
    ("periode.csv", "85100NED,jeugdigen_verblijf,nederland,NL,2025HJ02,900,aantal,false,5,2025HJ02,voorlopig",
     "row 3, column periode", "invalid_value"),
    ("tabel.csv", "85098NED,jeugdigen_verblijf,nederland,NL,2025-H2,900,aantal,false,5,2025HJ02,voorlopig",
     "row 3, column bron_tabel", "invalid_value"),
    ("dubbel.csv", "85100NED,jeugdigen_verblijf,nederland,NL,2025-H1,900,aantal,false,5,2025HJ01,voorlopig",
     "row 3, column maat", "duplicate_key"),
])
def test_a_bad_row_rejects_the_whole_file(make_settings, name, row, locator, reason):
    s = make_settings()
    good = "85100NED,jeugdigen_verblijf,nederland,NL,2025-H1,35000,aantal,false,5,2025HJ01,nader voorlopig\n"
    path = s.landing / "cbs_benchmark" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEAD + good + row + "\n", encoding="utf-8")
    with connect(s.warehouse) as con:
        stats = ingest_source(con, s, "r1", SPEC)
        assert (stats.records_in, stats.records_loaded, stats.records_quarantined) == (2, 0, 2)
        assert con.execute("SELECT count(*) FROM raw.cbs_benchmark").fetchone()[0] == 0
        assert con.execute("SELECT record_locator, reason_code FROM audit.quarantine WHERE source = 'cbs_benchmark' "
                           "AND reason_code <> 'rejected_with_file'").fetchall() == [(locator, reason)]
