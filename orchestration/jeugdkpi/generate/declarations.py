"""Declarations (JW323) and the municipality's answers (JW325): per provider x municipality, monthly.

Every assignment adds the months it was delivered (`delivered_months`, with the volume of each month); after
all youths, each month is declared the month after (some providers months late), answered by a 325 within
ten working days (some later), with rejections (0611 for a non-contract tariff, 9321/9322), re-debits of
what was rejected and credits of approved prestaties with a corrected new debit. The declaration stream has
a random stream of its own.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from jeugdkpi.generate import render
from jeugdkpi.generate.calendar import add_months, month_end, month_start
from jeugdkpi.generate.model import Assignment, Prestatie
from jeugdkpi.generate.planning import days
from jeugdkpi.generate.profiles import GemeenteProfile, ProviderProfile

if TYPE_CHECKING:
    from jeugdkpi.generate.region import Simulation


def delivered_months(sim: Simulation, a: Assignment, delivered: list[tuple[date, date]], r: random.Random) -> None:
    """Add the months in which assignment a was delivered (`delivered`: real start and end per block), with
    their volume, to what its provider will declare to its municipality."""
    key = (a.prov.agb, a.gemeente)
    m = month_start(max(sim.start, delivered[0][0]))
    last_day = min(delivered[-1][1], sim.until)
    etmaal = a.prod.eenheid == "14"
    while m <= last_day:
        me = month_end(m)
        if etmaal:  # nights: from the first day up to the day before leaving
            units = sum(max(0, (min(b - days(1), me) - max(s, m)).days + 1) for s, b in delivered)
            if units > 0:
                vol = max(1, round(units * a.volume / 7)) if a.prod.part_time else units
                sim.cands[key].append((a, m, vol, False))
        else:
            dd = sum(max(0, (min(b, me) - max(s, m)).days + 1) for s, b in delivered)
            if dd > 0:
                vol = max(1, round(a.volume * dd / me.day * r.uniform(0.6, 1.0)))
                sim.cands[key].append((a, m, vol, False))
        m = add_months(m, 1)


def declarations(sim: Simulation) -> None:
    """Write every 323 and 325 of the region (after all youths)."""
    r, cal, until = sim.rng_decl, sim.cal, sim.until
    decl_dates: dict[tuple[str, date], date] = {}
    last_m = month_start(until)
    for key in sorted(sim.cands):
        agb, gem = key
        pp, gp = sim.prov_profile[agb], sim.gem_profile[gem]
        due: dict[date, list[tuple]] = defaultdict(list)
        for a, m, vol, _ in sim.cands[key]:
            dm = max(add_months(m, 1), add_months(month_start(a.first_dag), 1))
            late = sim.scen.want_once("late_decl", pp.p_decl_late, r)
            if late:
                dm = add_months(dm, r.randint(1, 5))
            due[dm].append(("orig", a, m, vol, late))
        if not due:
            continue
        m = min(due)
        while m <= last_m:
            items = due.pop(m, None)
            if items:
                dd = decl_dates.get((agb, m))
                if dd is None:
                    dd = decl_dates[(agb, m)] = cal.add(m + days(4), r.randint(1, 6))
                if dd > until:
                    break
                lines = _declaration_lines(sim, agb, m, dd, items, due, r, pp)
                if lines:
                    _emit_declaration(sim, agb, gem, m, dd, lines, due, r, pp, gp)
            m = add_months(m, 1)


def _declaration_lines(sim: Simulation, agb: str, m: date, dd: date, items: list[tuple], due, r: random.Random,
                       pp: ProviderProfile) -> list[Prestatie]:
    lines: list[Prestatie] = []
    for it in items:
        if it[0] == "orig":
            _, a, pm, vol, late = it
            begin = max(pm, a.ingang)
            end = min(month_end(pm), a.eind_asof(dd))
            if end < begin:
                continue
            tariff = a.prod.tariff(pm.year)
            wrong = sim.scen.want_once("reject_0611", pp.p_wrong_tariff, r)
            if wrong:
                tariff += r.choice([125, 250, 400])
            lines.append(Prestatie(sim.out.pref(agb), None, a, begin, end, vol, tariff, "D", wrong))
            if late:
                sim.scen.done("late_decl")
            continue
        orig: Prestatie = it[1]
        if orig.answered_on is None or orig.answered_on >= dd:
            due[add_months(m, 1)].append(it)  # wait for the 325 on the original
            continue
        a = orig.asg
        if it[0] == "redebit":  # a rejected debit is declared again, corrected
            vol = orig.volume if orig.outcome == "0611" else max(1, orig.volume - r.randint(0, 2))
            end = min(orig.end, a.eind_asof(dd))
            if end >= orig.begin:
                lines.append(Prestatie(sim.out.pref(agb), None, a, orig.begin, end, vol,
                                       a.prod.tariff(orig.begin.year), "D"))
        else:  # credit of an approved debit, usually with a corrected new debit
            lines.append(Prestatie(sim.out.pref(agb), orig.ref, a, orig.begin, orig.end, orig.volume, orig.tariff,
                                   "C"))
            sim.scen.done("credit")
            if it[2]:
                if a.prod.eenheid == "14":
                    vol = orig.volume - r.randint(1, 3)
                else:
                    vol = orig.volume + r.choice([-2, -1, 1, 2])
                end = min(orig.end, a.eind_asof(dd))
                if vol > 0 and end >= orig.begin:
                    lines.append(Prestatie(sim.out.pref(agb), None, a, orig.begin, end, vol, orig.tariff, "D"))
    return lines


def _emit_declaration(sim: Simulation, agb: str, gem: str, m: date, dd: date, lines: list[Prestatie], due,
                      r: random.Random, pp: ProviderProfile, gp: GemeenteProfile) -> None:
    periode = add_months(m, -1)
    nummer = f"D{periode.year:04d}{periode.month:02d}{gem}"
    h = sim.out.hdr("JW323", agb, gem, dd)
    text, n = render.jw323(h, nummer, periode, month_end(periode), lines)
    sim.out.write(h, text, n)
    late = sim.scen.want("late_325", gp.p_325_late, r)
    d325 = sim.cal.add(dd, r.randint(11, 30) if late else r.randint(1, 10))
    if d325 > sim.until:
        if any(x.wrong_tariff for x in lines):
            sim.scen.release("reject_0611")
        return  # not answered yet at peildatum
    for x in lines:
        if x.dc == "C":
            x.outcome = "ok"
        elif x.wrong_tariff:
            x.outcome = "0611"
        elif r.random() < pp.p_reject:
            x.outcome = r.choice(["9321", "9321", "9322"])
        else:
            x.outcome = "ok"
        x.answered_on = d325
    h325 = sim.out.hdr("JW325", gem, agb, d325)
    text, n = render.jw325(h325, h, nummer, lines)
    sim.out.write(h325, text, n)
    if late:
        sim.scen.done("late_325")
    if any(x.outcome == "0611" for x in lines):
        sim.scen.done("reject_0611")
    for x in lines:
        if x.dc != "D":
            continue
        if x.outcome != "ok":
            due[add_months(m, r.randint(1, 2))].append(("redebit", x))
        elif sim.scen.want_once("credit", 0.02, r):
            due[add_months(m, r.randint(1, 3))].append(("credit", x, r.random() < 0.75))
