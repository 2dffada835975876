"""Demo-region timeliness (issue 4): most messages on time, a late tail that differs per provider, by seed."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import pytest
from lxml import etree

from jeugdkpi.generate import generate_region
from jeugdkpi.generate.calendar import WorkCalendar, load_holidays
from jeugdkpi.generate.catalog import load_catalog
from jeugdkpi.generate.region import Simulation
from jeugdkpi.settings import SEEDS_DIR

CAL = WorkCalendar(load_holidays(SEEDS_DIR), date(2015, 1, 1), date(2035, 12, 31))


def _t(el, path: str) -> str | None:
    return el.findtext("/".join("{*}" + p for p in path.split("/")))


@pytest.fixture(scope="module")
def start_timeliness(tmp_path_factory):
    """Per provider: [starts, starts sent <= 5 working days after Begindatum] of a 120-youth region."""
    out = tmp_path_factory.mktemp("timeliness")
    generate_region(out, seed=7, youths=120, years=(2024, 2025), with_errors=False)
    per_provider: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path in (out / "berichten").rglob("JW305_*.xml"):
        root = etree.parse(str(path)).getroot()
        agb = _t(root, "Header/Afzender")
        dag = date.fromisoformat(_t(root, "Header/BerichtIdentificatie/Dagtekening"))
        for sp in root.iter("{*}StartProduct"):
            if _t(sp, "StatusAanlevering") == "1":
                per_provider[agb][0] += 1
                per_provider[agb][1] += CAL.between(date.fromisoformat(_t(sp, "Begindatum")), dag) <= 5
    return per_provider


def test_most_starts_on_time_with_a_late_tail(start_timeliness):
    n = sum(v[0] for v in start_timeliness.values())
    on_time = sum(v[1] for v in start_timeliness.values())
    assert n > 100
    assert 0.6 < on_time / n < 0.95, (on_time, n)


def test_late_tail_differs_per_provider(start_timeliness):
    shares = sorted(v[1] / v[0] for v in start_timeliness.values() if v[0] >= 10)
    assert len(shares) >= 3
    assert shares[-1] - shares[0] >= 0.15, shares  # providers differ, not one regional rate


def test_provider_profiles_are_deterministic_and_spread(tmp_path):
    catalog = load_catalog(SEEDS_DIR)
    a = Simulation(tmp_path, 42, catalog, CAL, date(2024, 1, 1), date(2025, 12, 31)).prov_profile
    b = Simulation(tmp_path, 42, catalog, CAL, date(2024, 1, 1), date(2025, 12, 31)).prov_profile
    assert a == b
    for attr in ("p_late_startstop", "p_decl_late", "p_wait_long"):
        values = [getattr(p, attr) for p in a.values()]
        assert len(set(values)) >= 3 and max(values) < 0.5, (attr, values)  # most on time, per-provider tail


# ------------------------------------------------------------------ landing moments (issue 16, point 7)

def _landed(path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime)


@pytest.fixture(scope="module")
def landed_region(tmp_path_factory):
    out = tmp_path_factory.mktemp("landed")
    generate_region(out, seed=7, youths=20, years=(2024, 2025))  # until 2025-12-31
    return out


def test_files_carry_the_modification_time_of_their_simulated_arrival(landed_region):
    out = landed_region
    # 2024-H2 deadline 1 April 2025: 75750003's CBS report landed on time, 75750005's six weeks late
    assert _landed(out / "cbs_spiegel/2024-H2/spiegel_75750003_2024-H2.csv") == datetime(2025, 2, 20, 15, 50)
    assert _landed(out / "cbs_spiegel/2024-H2/spiegel_75750005_2024-H2.csv") == datetime(2025, 5, 13, 10, 7)
    # the two CSV parts of one provider delivery land together
    for part in ("kpi", "klachten"):
        assert _landed(out / f"aanbieders/2024-H2/aanlevering_75750005_2024-H2_{part}.csv") == \
            datetime(2025, 5, 28, 16, 4)
    # a CBS correction lands after the report it replaces
    assert _landed(out / "cbs_spiegel/2024-H2/spiegel_75750001_2024-H2_correctie.csv") > \
        _landed(out / "cbs_spiegel/2024-H2/spiegel_75750001_2024-H2.csv")
    # a message lands on its Dagtekening
    msg = out / "berichten/2024/JW301/2024-01/JW301_0034_301000000001.xml"
    assert _t(etree.parse(str(msg)).getroot(), "Header/BerichtIdentificatie/Dagtekening") == "2024-01-04"
    assert _landed(msg) == datetime(2024, 1, 4, 12, 0)


def test_half_year_deliveries_are_a_mix_of_on_time_and_late(landed_region):
    out = landed_region
    on_time = late = 0
    for path in [*(out / "cbs_spiegel").rglob("*.csv"), *(out / "aanbieders").rglob("*.*")]:
        periode = path.parent.name
        year, half = int(periode[:4]), periode[-1]
        deadline = date(year, 10, 1) if half == "1" else date(year + 1, 4, 1)
        landed = _landed(path).date()
        assert landed <= date(2025, 12, 31), path  # never after the generation's "today"
        if deadline <= date(2025, 12, 31):
            on_time += landed <= deadline
            late += landed > deadline
    assert on_time > 2 * late and late >= 3, (on_time, late)  # here 62 files on time, 22 late
