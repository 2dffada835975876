"""Any region by one setting (docs/regions.md): JEUGDKPI_REGIO, municipal mergers, the CBS "Gebieden in
Nederland" refresh of seeds/municipalities.csv (against a recorded response,
tests/fixtures/cbs_gebieden_85755ned_download.json: the shape cbsodata.download_data returns, six municipalities,
placeholder GGD and JZ codes) and `jeugdkpi generate --regio`."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from jeugdkpi.cli import main
from jeugdkpi.ingest.cbs_gebieden.refresh import GebiedenError, fetch_gebieden, merge_seed, read_seed
from jeugdkpi.regions import dbt_vars, outside_region_messages, region_codes, resolve_region, successors
from jeugdkpi.settings import SEEDS_DIR, ConfigError, load_settings

RECORDED = Path(__file__).parent / "fixtures" / "cbs_gebieden_85755ned_download.json"
NOORD_VELUWE = ["0230", "0233", "0243", "0269", "0273", "0302"]  # Elburg ... Nunspeet, the shipped seed


@pytest.fixture
def recorded():
    calls = []

    def download(table, **kw):
        calls.append(table)
        return json.loads(RECORDED.read_text(encoding="utf-8"))

    download.calls = calls
    return download


# ------------------------------------------------------------------------------------------ the setting

def test_default_region_is_the_demo_region():
    s = load_settings({})
    assert s.regio == "Flevoland" and s.to_env()["JEUGDKPI_REGIO"] == "Flevoland"


@pytest.mark.parametrize("value", ["Noord-Veluwe", "noord veluwe", "NOORD-VELUWE", " Regio Noord-Veluwe "])
def test_region_by_name_in_any_spelling(value):
    assert load_settings({"JEUGDKPI_REGIO": value}).regio == "Noord-Veluwe"


def test_unknown_region_is_a_config_error_listing_the_known_regions(capsys, tmp_path):
    with pytest.raises(ConfigError) as exc:
        load_settings({"JEUGDKPI_REGIO": "Utrecht"})
    assert "'Utrecht'" in str(exc.value)
    assert "Flevoland, Hart van Brabant, Noord-Veluwe, Noordoost-Brabant, West-Brabant-Oost" in str(exc.value)


def test_unknown_region_exits_2(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("JEUGDKPI_REGIO", "Atlantis")
    assert main(["run", "--landing", str(tmp_path)]) == 2
    assert "JEUGDKPI_REGIO 'Atlantis'" in capsys.readouterr().err


def test_region_codes_are_the_current_municipalities():
    assert region_codes("Noord-Veluwe") == NOORD_VELUWE
    # Noordoost-Brabant after the 2022 mergers: Land van Cuijk (1982) and Maashorst (1991), no Uden or Cuijk
    nob = region_codes("Noordoost-Brabant")
    assert {"1982", "1991", "1948"} <= set(nob) and not {"0856", "1684", "0844"} & set(nob) and len(nob) == 10


def test_dbt_vars_carry_the_region_and_the_mergers():
    env = dbt_vars("Noord-Veluwe")
    assert env["JEUGDKPI_REGIO"] == "Noord-Veluwe"
    assert env["JEUGDKPI_REGIO_GEMEENTEN"] == ",".join(f"GM{c}" for c in NOORD_VELUWE)
    pairs = dict(p.split(":") for p in env["JEUGDKPI_GEMEENTE_OPVOLGERS"].split(","))
    assert pairs["GM0856"] == pairs["GM1685"] == "GM1991" and pairs["GM0844"] == "GM1948"
    assert pairs["GM0870"] == "GM1959" and len(pairs) == 13


# ------------------------------------------------------------------------------------------ mergers

def test_shipped_mergers_point_at_current_seed_municipalities():
    seed = {r["municipality_code"]: r for r in read_seed(SEEDS_DIR / "municipalities.csv")}
    with open(SEEDS_DIR / "municipality_mergers.csv", newline="", encoding="utf-8") as fh:
        mergers = list(csv.DictReader(fh))
    for m in mergers:
        new = seed[m["new_code"]]
        assert new["name"] == m["new_name"] and new["valid_from"] == m["merge_date"], m
        assert m["old_code"] not in seed  # the seed lists current municipalities; old codes live in the mergers
    # Uden + Landerd -> Maashorst, Schijndel + Sint-Oedenrode + Veghel -> Meierijstad (2017)
    assert {(m["old_name"], m["new_name"], m["merge_date"]) for m in mergers} >= {
        ("Uden", "Maashorst", "2022-01-01"), ("Landerd", "Maashorst", "2022-01-01"),
        ("Veghel", "Meierijstad", "2017-01-01"), ("Woudrichem", "Altena", "2019-01-01")}


def test_merger_chains_are_followed_and_cycles_refused(tmp_path):
    shutil.copy(SEEDS_DIR / "municipalities.csv", tmp_path / "municipalities.csv")
    (tmp_path / "municipality_mergers.csv").write_text(
        "old_code,old_name,new_code,new_name,merge_date\n"
        "0001,A,0002,B,2016-01-01\n0002,B,0003,C,2020-01-01\n")
    assert successors(tmp_path) == {"0001": "0003", "0002": "0003"}
    (tmp_path / "municipality_mergers.csv").write_text(
        "old_code,old_name,new_code,new_name,merge_date\n0001,A,0002,B,2016-01-01\n0002,B,0001,A,2020-01-01\n")
    with pytest.raises(ConfigError, match="cycle"):
        successors(tmp_path)


def test_old_codes_are_accepted_by_the_ingest_and_the_gate():
    from jeugdkpi.ingest.tabular import Reference
    from jeugdkpi.quality.suites import suite_parameters

    assert {"0856", "1685", "1991"} <= Reference.load().municipalities
    assert {"0856", "1685", "1991"} <= set(suite_parameters()["seed_municipality_codes"])


def test_messages_outside_the_region_are_counted_after_mergers():
    con = duckdb.connect()
    con.execute("CREATE SCHEMA raw; CREATE TABLE raw.berichten (gemeente_code VARCHAR)")
    con.execute("INSERT INTO raw.berichten VALUES ('0243'), ('0243'), ('0034'), ('0034'), ('0034'), ('0856'), "
                "(NULL)")
    assert outside_region_messages(con, "Noord-Veluwe") == 4      # 3 Almere + 1 Uden
    assert outside_region_messages(con, "Noordoost-Brabant") == 5  # Uden counts for Maashorst
    assert outside_region_messages(con, "Flevoland") == 3


# ------------------------------------------------------------------------------------------ cbs-gebieden

def test_gebieden_columns_found_by_their_titles(recorded):
    g = fetch_gebieden("85755NED", download=recorded)
    assert recorded.calls == ["85755NED"] and (g.table, g.year) == ("85755NED", 2024)
    assert g.municipalities["0796"] == ("'s-Hertogenbosch", "Noordoost Brabant")
    assert g.municipalities["0363"] == ("Amsterdam", "Amsterdam-Amstelland")
    assert len(g.municipalities) == 6


def test_a_table_without_jeugdregio_is_refused(recorded):
    def other(table, **kw):
        data = recorded(table)
        data["DataProperties"] = [p for p in data["DataProperties"] if p["Title"] != "Jeugdregio's"]
        return data
    with pytest.raises(GebiedenError, match="no jeugdregio"):
        fetch_gebieden("70072ned", download=other)


def test_merge_updates_inserts_and_ends(recorded):
    existing = [
        {"municipality_code": "0034", "name": "Almere", "region": "Flevoland",
         "valid_from": "2015-01-01", "valid_to": ""},
        {"municipality_code": "0995", "name": "Lelijstad", "region": "Flevoland",
         "valid_from": "2015-01-01", "valid_to": ""},
        {"municipality_code": "0796", "name": "'s-Hertogenbosch", "region": "Noordoost-Brabant",
         "valid_from": "2015-01-01", "valid_to": ""},
        {"municipality_code": "0856", "name": "Uden", "region": "Noordoost-Brabant",
         "valid_from": "2015-01-01", "valid_to": ""},
        {"municipality_code": "1685", "name": "Landerd", "region": "Noordoost-Brabant",
         "valid_from": "2015-01-01", "valid_to": "2021-12-31"},
    ]
    rows, stats = merge_seed(existing, fetch_gebieden(download=recorded), {"1991": "2022-01-01"})
    by = {r["municipality_code"]: r for r in rows}
    assert by["0995"]["name"] == "Lelystad"                        # updated
    assert by["0796"]["region"] == "Noordoost-Brabant"             # CBS's "Noordoost Brabant" keeps the seed's spelling
    assert by["0856"]["valid_to"] == "2023-12-31"                  # not in the 2024 table: ended
    assert by["1685"]["valid_to"] == "2021-12-31"                  # already ended: unchanged
    assert by["1991"] == {"municipality_code": "1991", "name": "Maashorst", "region": "Noordoost-Brabant",
                          "valid_from": "2022-01-01", "valid_to": "",
                          "region_code": "JZ33"}  # added with its merge date and its region's CBS code
    assert by["0034"]["region_code"] == "JZ90" and by["1685"]["region_code"] == ""  # ended rows keep theirs
    assert by["0363"]["region"] == "Amsterdam-Amstelland" and by["0363"]["valid_from"] == "2015-01-01"
    # updated: 0995's name, and the region code now known for 0034, 0995 and 0796
    assert (stats.added, stats.updated, stats.unchanged, stats.ended) == (3, 3, 1, 1)


def test_command_refreshes_a_copy_of_the_shipped_seed(recorded, monkeypatch, tmp_path, capsys):
    import cbsodata

    monkeypatch.setattr(cbsodata, "download_data", recorded)
    seed = tmp_path / "municipalities.csv"
    shutil.copy(SEEDS_DIR / "municipalities.csv", seed)
    shutil.copy(SEEDS_DIR / "municipality_mergers.csv", tmp_path / "municipality_mergers.csv")
    before = read_seed(seed)
    assert main(["cbs-gebieden", "--seed", str(seed), "--tabel", "85755NED"]) == 0
    out = capsys.readouterr().out
    assert "6 gemeenten in 4 jeugdzorgregio's" in out and "1 toegevoegd" in out
    after = {r["municipality_code"]: r for r in read_seed(seed)}
    assert {r["municipality_code"] for r in before} <= set(after)        # keeps every municipality it had
    assert len(after) == len(before) + 1 and after["0363"]["region"] == "Amsterdam-Amstelland"
    # the shipped municipalities missing from this six-municipality extract are ended, not dropped
    assert after["0230"]["valid_to"] == "2023-12-31" and after["0243"]["valid_to"] == ""
    assert resolve_region("amsterdam amstelland", tmp_path) == "Amsterdam-Amstelland"
    # by CBS code too, once the refresh has written the region codes (JEUGDKPI_REGIO=JZ13)
    assert resolve_region("jz13", tmp_path) == "Amsterdam-Amstelland"


def test_command_without_network_leaves_the_seed(monkeypatch, tmp_path, capsys):
    import cbsodata

    def offline(table, **kw):
        raise ConnectionError("no network")
    monkeypatch.setattr(cbsodata, "download_data", offline)
    seed = tmp_path / "municipalities.csv"
    shutil.copy(SEEDS_DIR / "municipalities.csv", seed)
    assert main(["cbs-gebieden", "--seed", str(seed)]) == 1
    assert "niet bereikbaar" in capsys.readouterr().err
    assert seed.read_bytes() == (SEEDS_DIR / "municipalities.csv").read_bytes()


# ------------------------------------------------------------------------------------------ generator

def test_generate_for_another_seed_region(tmp_path, capsys):
    out = tmp_path / "landing"
    assert main(["generate", "--out", str(out), "--regio", "Noord-Veluwe", "--youths", "12",
                 "--years", "2025-2026", "--no-errors"]) == 0
    assert "gemeenten 0230, 0233, 0243, 0269, 0273, 0302" in capsys.readouterr().out
    codes = set()
    for path in (out / "berichten").rglob("*.xml"):
        text = path.read_text(encoding="utf-8")
        codes |= {c for c in NOORD_VELUWE + ["0034", "0995"] if f">{c}<" in text}
    assert codes and codes <= set(NOORD_VELUWE)
