"""The demo region's other inputs (docs/demo-region.md, docs/inputs.md): CBS spiegelrapportages, a SYNTHETIC
population file, a SYNTHETIC CBS reference-value file (benchmark), filled provider templates, municipal exports
and contract-manager scores.

Deterministic per seed. Deliberately imperfect, so that every status of marts.delivery_status and the
quarantine show up: some providers never deliver for a period, some have not delivered the latest half-year
yet (deadline still ahead), one provider corrects a CBS report (replacement), one CBS report is the shareable
version with suppressed cells, and one workbook has errors (rejected whole, cell by cell).
Nothing here is real: the population figures and the CBS reference values are invented and labelled so in the
file.

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

    # --- CBS reference values (benchmark): synthetic, labelled, one half-year behind the peildatum
    _write_benchmark(out, seed, catalog, sim, years[0], until, seeds)
    files["cbs_benchmark"] += 1

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


BENCHMARK_FILE = "statline.csv"
BENCHMARK_REGION_PLACEHOLDER = "JZ00"  # when the seed has no region_code: not a CBS code; the name decides


def _round5(x: float) -> int:
    return int(5 * round(x / 5))


def _verblijf_youths(sim, munis: list[str]) -> tuple[dict, dict]:
    """Per (municipality, half-year): the youths with verblijf and with any care in the simulated declarations
    (the demo's own truth behind VB01/VB03; cheap: the payment candidates of the simulation)."""
    verblijf: dict[tuple[str, str], set] = {}
    care: dict[tuple[str, str], set] = {}
    for (_agb, gem), items in (getattr(sim, "cands", {}) or {}).items():
        for a, month, _vol, _ in items:
            key = (gem, periods.half_year(month))
            care.setdefault(key, set()).add(a.youth.bsn)
            if a.prod.is_verblijf:
                verblijf.setdefault(key, set()).add(a.youth.bsn)
    return verblijf, care


def _write_benchmark(out: Path, seed: int, catalog: Catalog, sim, first_year: int, until: dt.date,
                     seeds: Path) -> None:
    """landing/cbs_benchmark/statline.csv in the layout of `jeugdkpi cbs-benchmark` (docs/benchmark.md), with
    INVENTED values: `bron_tabel` names the CBS table whose layout it follows, the comment line says it is
    synthetic. CBS lags: its latest half-year is the one before the peildatum's half-year, "voorlopig"; the one
    before that "nader voorlopig"; older ones and the years before the latest "definitief". Counts near the
    demo's own verblijf youths (x 1.1-1.3: CBS also counts care outside the region's contracts), rounded to 5;
    counts under 10 withheld (empty waarde, onderdrukt=true), as are a few cells of the smallest municipality."""
    b = random.Random(f"jeugdkpi:{seed}:benchmark")  # a stream of its own: the other inputs stay as they were
    munis = [m.code for m in catalog.municipalities]
    region = catalog.municipalities[0].region if catalog.municipalities else ""
    codes = {(x.get("region_code") or "").strip().upper() for x in seed_rows("municipalities.csv", seeds)
             if x["region"] == region} - {""}
    region_code = codes.pop() if len(codes) == 1 else BENCHMARK_REGION_PLACEHOLDER
    latest = periods.shift(periods.half_year(periods.peildatum_for(until)), -1)
    halves = [h for h in periods.half_years_until(first_year, periods.end(latest))]
    years = sorted({int(h[:4]) for h in halves if h.endswith("H2")})
    smallest = min(munis, key=lambda m: (MUNICIPALITY_WEIGHTS.get(m, 10), m)) if len(munis) > 1 else None
    verblijf, care = _verblijf_youths(sim, munis)

    def status(periode: str) -> str:
        if periode == latest or periode == latest[:4]:
            return "voorlopig"
        return "nader voorlopig" if periode == periods.shift(latest, -1) else "definitief"

    def bron(periode: str) -> str:
        return f"{periode}JJ00" if len(periode) == 4 else f"{periode[:4]}HJ0{periode[-1]}"

    rows: list[list] = []

    def add(table, maat, gebied_type, code, naam, periode, value, eenheid, count, withheld=False):
        if count and value is not None:
            value = _round5(value)
            withheld = withheld or value < 10
        waarde = "" if withheld or value is None else (str(value) if count else f"{value:.2f}" if
                                                           eenheid == "maanden" else f"{value:.1f}")
        rows.append([table, maat, gebied_type, code, naam, periode, waarde, eenheid,
                     "true" if waarde == "" else "false", "5" if count else "", bron(periode), status(periode), ""])

    names = {m.code: m.name for m in catalog.municipalities}
    for periode in [*halves, *map(str, years)]:
        parts = [periode] if len(periode) > 4 else [f"{periode}-H1", f"{periode}-H2"]
        year_factor = 1.0 if len(periode) > 4 else 1.18  # a year counts more youths than a half-year
        region_vb, region_care = 0.0, 0.0
        for m in munis:
            own = len(set().union(*(verblijf.get((m, p), set()) for p in parts)))
            all_care = len(set().union(*(care.get((m, p), set()) for p in parts)))
            vb = own * b.uniform(1.1, 1.3)  # CBS: all jeugdhulp in natura with verblijf, also outside contracts
            ca = max(all_care * b.uniform(1.6, 2.0), vb * 5)  # CBS: every youth with jeugdhulp (incl. wijkteam)
            region_vb, region_care = region_vb + vb, region_care + ca
            small = m == smallest
            add("85100NED", "jeugdigen_verblijf", "gemeente", m, names[m], periode, vb, "aantal", True,
                withheld=small and periode == latest)
            add("85098NED", "pct_verblijf_van_jeugdhulp", "gemeente", m, names[m], periode,
                100 * vb / ca if ca else None, "%", False, withheld=small and periode == latest)
            ended = ca * b.uniform(0.30, 0.38) * (1.0 if len(periode) > 4 else 1.8)
            add("85097NED", "trajecten_beeindigd", "gemeente", m, names[m], periode, ended, "aantal", True)
            add("85097NED", "trajecten_voortijdig", "gemeente", m, names[m], periode, ended * b.uniform(0.14, 0.2),
                "aantal", True, withheld=small and periode in (latest, periods.shift(latest, -2)))
            add("85097NED", "duur_beeindigd_maanden", "gemeente", m, names[m], periode, b.uniform(8.5, 14.5),
                "maanden", False, withheld=small and periode == latest)
        add("85100NED", "jeugdigen_verblijf", "regio", region_code, f"{region} (JZ)", periode, region_vb, "aantal",
            True)
        nl_vb = 35600 * year_factor * b.uniform(0.97, 1.03)
        add("85100NED", "jeugdigen_verblijf", "nederland", "NL", "Nederland", periode, nl_vb, "aantal", True)
        add("85098NED", "pct_verblijf_van_jeugdhulp", "nederland", "NL", "Nederland", periode, b.uniform(8.8, 9.6),
            "%", False)
        nl_ended = 187000 * (1.0 if len(periode) > 4 else 1.8) * b.uniform(0.97, 1.03)
        add("85097NED", "trajecten_beeindigd", "nederland", "NL", "Nederland", periode, nl_ended, "aantal", True)
        add("85097NED", "trajecten_voortijdig", "nederland", "NL", "Nederland", periode,
            nl_ended * b.uniform(0.16, 0.18), "aantal", True)
        add("85097NED", "duur_beeindigd_maanden", "nederland", "NL", "Nederland", periode, b.uniform(11.5, 12.5),
            "maanden", False)
    path = out / "cbs_benchmark" / BENCHMARK_FILE
    _write_csv(path, ["bron_tabel", "maat", "gebied_type", "gebied_code", "gebied_naam", "periode", "waarde",
                      "eenheid", "onderdrukt", "afgerond", "bron_periode", "bron_status", "opgehaald_op"],
               sorted(rows, key=lambda x: (x[0], x[1], x[2], x[3], x[5])),
               comment="SYNTHETISCH: verzonnen referentiewaarden voor de demoregio in de indeling van de CBS-tabellen "
                       "85098NED, 85097NED en 85100NED, GEEN CBS-cijfers (vervang met `jeugdkpi cbs-benchmark`).")
    _landed(path, dt.datetime.combine(until - dt.timedelta(days=20), dt.time(11, 0)))

