"""The demo region's other inputs (docs/demo-region.md, docs/inputs.md): CBS spiegelrapportages, a SYNTHETIC
population file, filled provider templates, municipal exports and contract-manager scores.

Deterministic per seed. Deliberately imperfect, so that every status of marts.delivery_status and the
quarantine show up: some providers never deliver for a period, some have not delivered the latest half-year
yet (deadline still ahead), one provider corrects a CBS report (replacement), one CBS report is the shareable
version with suppressed cells, and one workbook has errors (rejected whole, cell by cell).
Nothing here is real: the population figures are invented and labelled so in the file.

Every file gets the modification time of its simulated arrival in the landing folder (`_landed`), which is what
the delivery status counts as received (docs/ingest.md): CBS reports and provider templates mostly in the weeks
before their deadline, with a share per provider that arrives up to two months late (`_arrival`, a random
stream of its own, so the contents are the same as without it).
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import random
from collections import Counter
from pathlib import Path

from jeugdkpi import periods
from jeugdkpi.generate.catalog import MUNICIPALITY_WEIGHTS, Catalog
from jeugdkpi.seeds import Kpi
from jeugdkpi.seeds import rows as seed_rows

SYNTHETIC_SOURCE = "SYNTHETISCH (geen CBS-cijfers; indeling van 03759ned)"
TEMPLATE_HALF_YEARS = 4  # provider workbooks for the last N completed half-years (keeps generation fast)


def _providers(seeds: Path) -> list[dict]:
    rows = seed_rows("providers.csv", seeds)
    for r in rows:
        r["from"] = dt.date.fromisoformat(r["contract_from"])
        r["to"] = dt.date.fromisoformat(r["contract_to"]) if r["contract_to"] else None
        r["cbs"] = r["reports_to_cbs"].strip().lower() == "true"
    return rows


def _under_contract(p: dict, periode: str) -> bool:
    a, b = periods.bounds(periode)
    return p["from"] <= b and (p["to"] is None or p["to"] >= a)


def _delivers(r: random.Random, periode: str, until: dt.date, p_missing: float = 0.08) -> bool:
    """Missing now and then; the latest half-year (deadline still ahead) only for 60 % of the providers."""
    if periods.deadline(periode) > until:
        return r.random() < 0.6
    return r.random() >= p_missing


def _arrival(a: random.Random, periode: str, until: dt.date, p_late: float) -> dt.datetime:
    """When a half-year delivery lands: late (1-60 days after the deadline) with probability `p_late`, else in the
    45 days before the deadline; a half-year whose deadline is after `until` lands between its end and `until`.
    Never after `until` (the generation's "today"); otherwise never before the half-year has ended; office hours."""
    end, deadline = periods.bounds(periode)[1], periods.deadline(periode)
    if deadline > until:
        day = end + dt.timedelta(days=a.randint(1, max(1, (until - end).days)))
    elif a.random() < p_late:
        day = deadline + dt.timedelta(days=a.randint(1, 60))
    else:
        day = deadline - dt.timedelta(days=a.randint(1, 45))
    day = min(max(end + dt.timedelta(days=1), day), until)
    return dt.datetime.combine(day, dt.time(a.randint(8, 17), a.randint(0, 59)))


def _landed(path: Path, when: dt.datetime) -> None:
    """Give a written file the modification time of its simulated arrival (local time)."""
    stamp = when.timestamp()
    os.utime(path, (stamp, stamp))


def _write_csv(path: Path, header: list[str], rows: list[list], comment: str | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        if comment:
            fh.write(f"# {comment}\n")
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def write_inputs(out: Path, seed: int, catalog: Catalog, years: tuple[int, int], until: dt.date,
                 seeds: Path, sim=None, with_errors: bool = True) -> dict[str, int]:
    """Write every non-message input of the demo region under `out`; returns files per landing folder."""
    r = random.Random(f"jeugdkpi:{seed}:inputs")
    a = random.Random(f"jeugdkpi:{seed}:arrivals")  # landing moments: a stream of their own (contents unchanged)
    munis = [m.code for m in catalog.municipalities]
    providers = [p for p in _providers(seeds) if p["provider_agb"] in {x.agb for x in catalog.providers}]
    half_years = periods.half_years_until(years[0], until)
    files: Counter[str] = Counter()
    # how often a provider is late with its half-year deliveries: most rarely, a few habitually
    p_late = {p["provider_agb"]: a.choice([0.05, 0.1, 0.1, 0.2, 0.4]) for p in providers}

    # --- CBS population: synthetic, labelled
    rows = []
    for y in range(years[0], until.year + 1):
        for m in munis:
            per_age = 2400 * MUNICIPALITY_WEIGHTS.get(m, 10) / 45
            for age in range(23):
                n = int(per_age * (1 + 0.01 * (y - 2022)) * (0.92 + 0.16 * r.random()))
                rows.append([m, f"{y}-01-01", age, "T", n, SYNTHETIC_SOURCE, f"{y}JJ00"])
    _write_csv(out / "cbs_bevolking" / "bevolking_SYNTHETISCH_demo.csv",
               ["gemeentecode", "peildatum", "leeftijd", "geslacht", "aantal", "bron_tabel", "bron_periode"], rows,
               comment="SYNTHETISCH: verzonnen aantallen voor de demoregio, GEEN CBS-cijfers "
                       "(vernieuw met `jeugdkpi cbs-bevolking`).")
    _landed(out / "cbs_bevolking" / "bevolking_SYNTHETISCH_demo.csv",
            dt.datetime.combine(until - dt.timedelta(days=30), dt.time(10, 0)))
    files["cbs_bevolking"] += 1

    # --- CBS spiegelrapportages
    cbs = [p for p in providers if p["cbs"]]
    shareable = (cbs[1]["provider_agb"], half_years[-2]) if len(cbs) > 1 and len(half_years) > 1 else None
    corrected = (cbs[0]["provider_agb"], half_years[-3]) if cbs and len(half_years) > 2 else None
    for periode in half_years:
        for p in cbs:
            agb = p["provider_agb"]
            if not _under_contract(p, periode) or not _delivers(r, periode, until):
                continue
            status = "definitief" if periods.deadline(periode) < dt.date(until.year, 1, 1) else "voorlopig"
            deelbaar = (agb, periode) == shareable
            report = _spiegel_rows(r, agb, periode, status, munis if deelbaar else [None], deelbaar)
            name = f"spiegel_{agb}_{periode}{'_deelbaar' if deelbaar else ''}.csv"
            _write_csv(out / "cbs_spiegel" / periode / name, _SPIEGEL_HEADER, report)
            arrived = _arrival(a, periode, until, p_late[agb])
            _landed(out / "cbs_spiegel" / periode / name, arrived)
            files["cbs_spiegel"] += 1
            if (agb, periode) == corrected:  # a CBS correction: the later report replaces this one
                report = _spiegel_rows(r, agb, periode, "nader_voorlopig", [None], False)
                _write_csv(out / "cbs_spiegel" / periode / f"spiegel_{agb}_{periode}_correctie.csv",
                           _SPIEGEL_HEADER, report)
                _landed(out / "cbs_spiegel" / periode / f"spiegel_{agb}_{periode}_correctie.csv",
                        min(arrived + dt.timedelta(days=a.randint(20, 50)),
                            dt.datetime.combine(until, dt.time(17, 0))))
                files["cbs_spiegel"] += 1

    # --- provider templates (the last completed half-years): workbooks for the latest two, CSV before that
    from jeugdkpi.seeds import template_kpis
    from jeugdkpi.template import write_template

    kpis = {k.kpi_id: k for k in template_kpis(seeds)}
    bad = None
    recent = half_years[-TEMPLATE_HALF_YEARS:]
    for periode in recent:
        for p in providers:
            agb = p["provider_agb"]
            if not _under_contract(p, periode) or not _delivers(r, periode, until):
                continue
            values = {k: _kpi_figures(r, kpi) for k, kpi in kpis.items() if r.random() >= 0.08}  # ~8 % not delivered
            clients = r.randint(20, 300)
            n = r.randint(0, max(1, clients // 25))
            klachten = (n, min(n, r.randint(0, n)), r.randint(0, n), r.randint(0, n // 2), clients)
            if with_errors and bad is None and periods.deadline(periode) <= until:
                # the workbook with errors: a teller above its noemer and a noemer that is text
                bad = (agb, periode)
                pct = [k for k, kpi in kpis.items() if kpi.bounded]
                values[pct[0]] = (50, 40)
                values[pct[1]] = (3, "veel")
            folder = out / "aanbieders" / periode
            if periode in recent[-2:] or bad == (agb, periode):
                written = [folder / f"aanlevering_{agb}_{periode}.xlsx"]
                write_template(written[0], agb, periode, seeds, kpi_values=values, klachten=klachten)
            else:
                written = [folder / f"aanlevering_{agb}_{periode}_kpi.csv",
                           folder / f"aanlevering_{agb}_{periode}_klachten.csv"]
                _write_csv(written[0], ["aanbieder_agb", "periode", "kpi_id", "teller", "noemer"],
                           [[agb, periode, k, t, n_] for k, (t, n_) in values.items()])
                _write_csv(written[1], ["aanbieder_agb", "periode", "aantal", "aantal_clienten_met_klacht",
                                        "aantal_afgehandeld", "aantal_gegrond", "aantal_clienten"],
                           [[agb, periode, *klachten]])
            arrived = _arrival(a, periode, until, p_late[agb])
            for path in written:  # the two CSV parts of one delivery land together
                _landed(path, arrived)
            files["aanbieders"] += 1

    # --- municipal exports
    arows = []
    seq = 0
    for periode in half_years:
        a, b = periods.bounds(periode)
        for m in munis:
            for _ in range(r.randint(8, 20)):
                seq += 1
                req = a + dt.timedelta(days=r.randint(0, (b - a).days))
                dec = req + dt.timedelta(days=r.randint(5, 50) if r.random() < 0.85 else r.randint(57, 120))
                arows.append([f"A{seq:06d}", m, req.isoformat(), dec.isoformat() if dec <= until else ""])
    _write_csv(out / "gemeente" / "aanvragen.csv", ["request_id", "gemeentecode", "aanvraagdatum", "besluitdatum"],
               arows)
    files["gemeente"] += 1
    afw, bet = [], []
    cands = getattr(sim, "cands", {}) or {}
    for (agb, gem) in sorted(cands):
        months = sorted({m for _, m, _, _ in cands[(agb, gem)]})
        for a, _, _, _ in cands[(agb, gem)][:1]:
            if a.versions and r.random() < 0.15:
                afw.append([gem, a.nr, agb, (a.first_dag + dt.timedelta(days=r.randint(1, 3))).isoformat()])
        for m in months:
            nummer = f"D{m.year:04d}{m.month:02d}{gem}"
            nxt = dt.date(m.year + (m.month == 12), m.month % 12 + 1, 1)
            paid = nxt + dt.timedelta(days=r.randint(14, 28) if r.random() < 0.9 else r.randint(35, 60))
            if paid <= until:
                bet.append([agb, nummer, paid.isoformat()])
    _write_csv(out / "gemeente" / "afwijzingen.csv", ["gemeentecode", "toewijzingnummer", "aanbieder_agb",
                                                       "afwijzingsdatum"], sorted(afw, key=str))
    _write_csv(out / "gemeente" / "betalingen.csv", ["aanbieder_agb", "declaratienummer", "betaaldatum"],
               sorted(set(map(tuple, bet))))
    for name in ("aanvragen.csv", "afwijzingen.csv", "betalingen.csv"):  # exported a few days before `until`
        _landed(out / "gemeente" / name, dt.datetime.combine(until - dt.timedelta(days=3), dt.time(9, 0)))
    files["gemeente"] += 2

    # --- contract-manager scores: one conversation per provider per year
    for y in range(years[0], until.year + 1):
        krows = []
        for p in providers:
            d = dt.date(y, r.choice([3, 4, 5, 9, 10, 11]), r.randint(1, 28))
            if d > until or not (p["from"] <= d and (p["to"] is None or d <= p["to"])):
                continue
            for onderdeel in ("hulpverleningsplan", "perspectiefplan", "eigen_kracht", "landelijke_bijdrage"):
                krows.append([p["provider_agb"], d.isoformat(), onderdeel, r.choice([4, 7, 7, 10, 10, 10]), ""])
        if krows:
            _write_csv(out / "kwaliteitsgesprekken" / f"kwaliteitsgesprekken_{y}.csv",
                       ["aanbieder_agb", "gespreksdatum", "onderdeel", "score", "toelichting"], krows)
            last = max(dt.date.fromisoformat(k[1]) for k in krows)  # saved a week after the year's last conversation
            _landed(out / "kwaliteitsgesprekken" / f"kwaliteitsgesprekken_{y}.csv",
                    dt.datetime.combine(min(last + dt.timedelta(days=7), until), dt.time(16, 0)))
            files["kwaliteitsgesprekken"] += 1
    return dict(files)


_SPIEGEL_HEADER = ["aanbieder_agb", "periode", "versie", "cbs_status", "gemeentecode", "hulpvorm", "indicator",
                   "informant", "categorie", "aantal"]


def _split(r: random.Random, total: int, weights: list[float]) -> list[int]:
    raw = [w * (0.7 + 0.6 * r.random()) for w in weights]
    s = sum(raw)
    parts = [int(total * x / s) for x in raw]
    parts[0] += total - sum(parts)
    return parts


def _spiegel_rows(r: random.Random, agb: str, periode: str, status: str, munis: list, deelbaar: bool) -> list[list]:
    rows = []
    versie = "deelbaar" if deelbaar else "volledig"

    def cell(gem, indicator, informant, categorie, n):
        shown = "." if deelbaar and n < 10 else n  # the shareable version suppresses small cells
        rows.append([agb, periode, versie, status, gem or "", "", indicator, informant, categorie, shown])

    for gem in munis:
        ended = r.randint(8, 40) if gem else r.randint(40, 220)
        cell(gem, "beeindigd", "", "", ended)
        for code, n in zip(["01", "02", "03", "04", "05"], _split(r, ended, [62, 14, 11, 5, 8])):
            cell(gem, "uitval", "", code, n)
        cell(gem, "geen_nieuwe_start", "", "", int(ended * (0.7 + 0.15 * r.random())))
        for informant, share in (("jeugdige", 0.55), ("ouder", 0.45)):
            measured = int(ended * share * (0.8 + 0.4 * r.random()))
            for score, n in zip(range(1, 11), _split(r, measured, [1, 1, 2, 3, 5, 9, 18, 27, 22, 12])):
                if n:
                    cell(gem, "tevredenheid", informant, str(score), n)
            for code, n in zip(["01", "02", "03", "04"], _split(r, measured, [20, 25, 25, 30])):
                cell(gem, "zonder_hulp_verder", informant, code, n)
    return rows


def _kpi_figures(r: random.Random, kpi: Kpi) -> tuple[float, int]:
    """A provider's teller and noemer for one template KPI, by the catalogue's measure kind."""
    if kpi.measure_kind == "mean":  # EG03: placements per stay period
        stays = r.randint(5, 40)
        return stays + r.randint(0, stays), stays
    if kpi.measure_kind == "score":  # CT01: a mean mark and its respondents
        return round(6.5 + 2 * r.random(), 1), r.randint(15, 120)
    noemer = r.randint(10, 150)
    return int(noemer * (0.55 + 0.45 * r.random())), noemer
