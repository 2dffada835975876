"""`jeugdkpi cbs-bevolking`: the population refresh from StatLine 03759ned against a recorded response
(tests/fixtures/cbs_03759ned_download.json: the shape cbsodata.download_data returns, placeholder numbers), and
the uitval-code setting of OI01."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from jeugdkpi.cli import main
from jeugdkpi.ingest.cbs_bevolking.load import SPEC
from jeugdkpi.ingest.cbs_bevolking.refresh import PopulationError, fetch_population
from jeugdkpi.ingest.tabular import ingest_source
from jeugdkpi.settings import ConfigError, load_settings
from jeugdkpi.warehouse import connect

RECORDED = Path(__file__).parent / "fixtures" / "cbs_03759ned_download.json"


@pytest.fixture
def recorded():
    calls = []

    def download(table, filters=None, select=None, **kw):
        calls.append((table, filters, select))
        return json.loads(RECORDED.read_text())

    download.calls = calls
    return download


def test_codes_kept_and_ages_from_titles(recorded):
    rows = fetch_population(["0034", "0995"], [2025], download=recorded)
    table, filters, select = recorded.calls[0]
    assert table == "03759ned" and "BevolkingOp1Januari_1" in select
    assert "Geslacht eq 'T001038'" in filters and "BurgerlijkeStaat eq 'T001019'" in filters
    assert "RegioS eq 'GM0034' or RegioS eq 'GM0995'" in filters and "Perioden eq '2025JJ00'" in filters
    # 2 municipalities x ages 0..22; the totals, '0 tot 5 jaar' and 23 jaar are left out
    assert len(rows) == 46
    almere = {r["leeftijd"]: r["aantal"] for r in rows if r["gemeentecode"] == "0034"}
    # fixture: aantal = base + 10 x age (base 4000); age 0 has key 10010, resolved from its title "0 jaar"
    assert almere[0] == 4000 and almere[17] == 4170 and sorted(almere) == list(range(23))
    r0 = rows[0]
    assert (r0["gm_code"], r0["peildatum"], r0["geslacht"], r0["bron_tabel"], r0["bron_periode"], r0["bron_status"]) \
        == ("GM0034", "2025-01-01", "T", "03759ned", "2025JJ00", "voorlopig")


def test_missing_single_ages_are_an_error(recorded):
    def broken(*a, **kw):
        data = recorded(*a, **kw)
        data["Leeftijd"] = [x for x in data["Leeftijd"] if x["Title"] != "17 jaar"]
        return data
    with pytest.raises(PopulationError, match="22 single ages"):
        fetch_population(["0034"], [2025], download=broken)


def test_command_writes_a_file_the_ingest_loads(recorded, monkeypatch, tmp_path, make_settings):
    import cbsodata

    monkeypatch.setattr(cbsodata, "download_data", recorded)
    s = make_settings()
    out = s.landing / "cbs_bevolking" / "03759ned.csv"
    assert main(["cbs-bevolking", "--out", str(out), "--jaren", "2025-2025", "--gemeenten", "0034,995"]) == 0
    with open(out, newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 46
    with connect(s.warehouse) as con:
        stats = ingest_source(con, s, "r1", SPEC)
        assert (stats.records_in, stats.records_loaded) == (46, 46)
        assert con.execute("SELECT sum(aantal) FROM raw.cbs_bevolking WHERE gemeentecode = '0995' "
                           "AND leeftijd <= 17").fetchone()[0] == sum(1000 + 10 * a for a in range(18))


def test_uitval_codes_setting():
    assert load_settings({}).uitval_codes == ("03",)
    s = load_settings({"JEUGDKPI_UITVAL_CODES": "4, 03"})
    assert s.uitval_codes == ("03", "04") and s.to_env()["JEUGDKPI_UITVAL_CODES"] == "03,04"
    with pytest.raises(ConfigError, match="JEUGDKPI_UITVAL_CODES"):
        load_settings({"JEUGDKPI_UITVAL_CODES": "03,07"})
