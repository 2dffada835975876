"""Assignments (JW301): each care segment realised as one assignment, and the 301 messages that carry them.

A segment becomes an assignment with its versions (first version, verlengingen, intrekking, sometimes a
deleted predecessor), the request that led to it (care_requests.py), its 305/307 messages (startstop.py) and
the months it was delivered (declarations.py). Once all of a youth's assignments are known, the 301
snapshots are rendered: per (day, provider) one message with every current assignment of the client there.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from jeugdkpi.generate import planning, render
from jeugdkpi.generate.calendar import add_months, month_start
from jeugdkpi.generate.care_requests import vot_for_assignment
from jeugdkpi.generate.declarations import delivered_months
from jeugdkpi.generate.model import (
    Assignment,
    Event,
    Seg,
    Version,
    VowChange,
    VowSpec,
    YouthState,
)
from jeugdkpi.generate.planning import days
from jeugdkpi.generate.startstop import send_startstop

if TYPE_CHECKING:
    from jeugdkpi.generate.region import Simulation

P_VOT = {"ambulant": 0.45, "tom_instroom": 0.3, "tom_uitstroom": 0.3}  # other verblijf: 0.2, crisis: never


def ttime(r: random.Random) -> str:
    return f"{r.randint(8, 17):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"


def wait_days(sim: Simulation, r: random.Random, seg: Seg) -> int:
    """Days between Ingangsdatum and the real start (AP01: mostly <= 28, a provider-specific tail longer)."""
    if seg.prod.crisis:
        return 0
    tail = sim.prov_profile[seg.prov.agb].p_wait_long
    u = r.random()
    if seg.prod.is_verblijf and seg.kind not in ("tom_instroom", "tom_uitstroom"):
        return 0 if u < 0.5 else (r.randint(1, 21) if u < 1 - tail / 2 else r.randint(22, 60))
    return int(r.triangular(0, 28, 8)) if u < 1 - tail else r.randint(29, 100)


def add_version(sim: Simulation, ys: YouthState, a: Assignment, d: date, ingang: date, eind: date,
                reden: str | None, ref: str | None) -> None:
    """A new version of assignment a on day d: part of the youth's 301 of that day at that provider."""
    key = (d, a.prov.agb)
    ev = ys.events.get(key)
    if ev is None:
        ev = ys.events[key] = Event(ttime(ys.r))
    if a.versions and d <= a.versions[-1].tdate:
        raise AssertionError("versions of an assignment must have increasing dates")
    v = Version(d, ev.ttime, ingang, eind, reden, ref)
    a.versions.append(v)
    ev.changes[a.nr] = v


def realise(sim: Simulation, ys: YouthState, seg: Seg) -> None:
    """Segment `seg` of youth `ys` as one assignment with its versions, requests, starts, stops and the months
    it was delivered (to be declared)."""
    r = ys.r
    stock = seg.start < sim.start + days(5)  # in care before the first year
    volume = planning.volume(seg.prod, r)
    first = _first_version(sim, ys, seg, volume, stock)
    if first is None:
        return  # not yet assigned at peildatum
    ingang, d1, eind0, ref, via_vot = first
    end = seg.end
    # care that ends exactly on the assignment's end date
    if seg.kind == "ambulant" and not stock and abs((end - eind0).days) < 45 and eind0 > seg.start + days(30) \
            and r.random() < 0.5:
        end = eind0
    span = (end - seg.start).days
    end, blocks, delivered = _delivery_blocks(sim, r, seg, end, span)

    a = Assignment(sim.out.next_nr(), ys.youth, ys.youth.gemeente, seg.prov, seg.prod, ingang, volume)
    ys.asgs.append(a)
    if not via_vot and not stock and sim.scen.want("del13", 0.02, r):
        _deleted_predecessor(sim, ys, seg, ingang, d1, eind0)
    add_version(sim, ys, a, d1, ingang, eind0, None, ref)
    eind = _extensions(sim, ys, a, eind0, end, stock)
    _early_end(sim, ys, a, seg, end, eind)
    if seg.kind == "ambulant" and not stock and span >= 120 and sim.scen.want("vow_rejected", 0.02, r):
        _rejected_vow(sim, ys, a, seg, span, d1)

    send_startstop(sim, ys, a, blocks, d1, sim.prov_profile[seg.prov.agb])
    delivered_months(sim, a, delivered, r)


def _first_version(sim: Simulation, ys: YouthState, seg: Seg, volume: int,
                   stock: bool) -> tuple[date, date, date, str | None, bool] | None:
    """Ingangsdatum, the day of the first 301 (D1), its Einddatum, the VOT reference and whether a VOT led to it
    (the request is written here); None when the first 301 lies after the peildatum."""
    r, cal, until = ys.r, sim.cal, sim.until
    prod, kind, agb = seg.prod, seg.kind, seg.prov.agb
    if prod.crisis:
        months = 1
    elif kind == "ambulant":
        months = r.choice([3, 6, 6, 12])
    elif kind in ("gesloten", "tom_instroom", "tom_uitstroom"):
        months = 6
    else:
        months = 12
    ref: str | None = None
    via_vot = False
    if stock:
        ingang = seg.start - days(r.randint(0, 14))
        d1 = cal.next_wd(sim.start + days(r.randint(0, 20)))
    else:
        ingang = max(sim.start, seg.start - days(wait_days(sim, r, seg)))
        d1 = ingang  # placeholder
    eind0 = add_months(ingang, months) - days(1)
    while eind0 < d1 + days(30):
        eind0 = add_months(eind0 + days(1), 6) - days(1)
    if not stock:
        p_vot = 0.0 if prod.crisis else P_VOT.get(kind, 0.2)
        use_vot = p_vot > 0 and (sim.scen.needed("vot_319_2") or r.random() < p_vot)
        req = cal.prev_wd(ingang - days(r.randint(3, 25)))
        if req < sim.start:
            use_vot = False
        if use_vot and ys.request_free(agb, req - days(10), req + days(60)):
            ref, d1 = vot_for_assignment(sim, ys, prod, seg.prov, ingang, eind0, volume, req)
            via_vot = True
        else:
            late = (prod.crisis and r.random() < 0.7) or \
                sim.scen.want("late_301", sim.gem_profile[ys.youth.gemeente].p_301_late, r)
            if late:
                d1 = cal.next_wd(ingang + days(r.randint(0, 20)))
            else:
                d1 = cal.prev_wd(ingang - days(r.randint(1, 21)))
                if d1 < sim.start:
                    d1 = cal.next_wd(sim.start)
            if late and d1 <= until:
                sim.scen.done("late_301")
        while eind0 < d1 + days(30):
            eind0 = add_months(eind0 + days(1), 6) - days(1)
    if d1 > until:
        return None
    return ingang, d1, eind0, ref, via_vot


def _delivery_blocks(sim: Simulation, r: random.Random, seg: Seg, end: date, span: int):
    """The real end, the blocks of delivery for the 305/307s ([(start, [(reden, einde), ...])]) and the
    delivered periods ([(start, end)]): sometimes a temporary stop (reason 20), then a restart or a real end."""
    start = seg.start
    variant = None
    if span >= 100:
        p_temp = 0.05 if seg.prod.is_verblijf else 0.025
        if sim.scen.needed("temp_restart"):
            variant = "restart"
        elif sim.scen.needed("temp_definitive"):
            variant = "definitive"
        elif r.random() < p_temp:
            variant = "restart" if r.random() < 0.55 else "definitive"
    if not variant:
        return end, [(start, [(seg.end_reason, end)])], [(start, end)]
    t_stop = start + days(r.randint(20, span - 70))
    if variant == "restart":
        t_restart = t_stop + days(r.randint(7, 30))
        return end, [(start, [("20", t_stop)]), (t_restart, [(seg.end_reason, end)])], \
            [(start, t_stop), (t_restart, end)]
    end = t_stop + days(r.randint(0, 21))
    return end, [(start, [("20", t_stop), (r.choice(["32", "33", "34"]), end)])], [(start, t_stop)]


def _deleted_predecessor(sim: Simulation, ys: YouthState, seg: Seg, ingang: date, d1: date, eind0: date) -> None:
    """An assignment for another product of the provider, sent a few days earlier and withdrawn (reden 13) by the
    first 301 of the right one."""
    r, y, prov = ys.r, ys.youth, seg.prov
    alts = [p for p in prov.products if p.code != seg.prod.code]
    d0 = sim.cal.prev_wd(d1 - days(r.randint(2, 10)))
    if alts and d0 >= sim.start:
        alt = alts[r.randrange(len(alts))]
        w = Assignment(sim.out.next_nr(), y, y.gemeente, prov, alt, ingang, planning.volume(alt, r), deleted=True)
        ys.asgs.append(w)
        add_version(sim, ys, w, d0, ingang, eind0, None, None)
        add_version(sim, ys, w, d1, ingang, ingang, "13", None)
        sim.scen.done("del13")


def _extensions(sim: Simulation, ys: YouthState, a: Assignment, eind0: date, end: date, stock: bool) -> date:
    """Extend the assignment until it covers the real end (reden 04, or 12 honouring a VOW); its last Einddatum."""
    r, cal, until = ys.r, sim.cal, sim.until
    prod, agb, ingang = a.prod, a.prov.agb, a.ingang
    eind = eind0
    while eind < end:
        last = a.versions[-1].tdate
        vd = max(cal.prev_wd(eind - days(r.randint(3, 25))), last + days(1))
        if vd > until:
            break
        ext = add_months(eind, r.choice([1, 2] if prod.crisis else [6, 12]))
        honoured = False
        if not stock and sim.scen.want("vow_ok", 0.03, r):
            q = max(cal.prev_wd(vd - days(r.randint(4, 12))), last + days(1))
            ans = cal.add(q, r.randint(1, 5))
            if ans <= eind and ans <= until and ys.request_free(agb, q - days(5), ans):
                vref = sim.out.ref("VOW", agb)
                ys.vows.append(VowSpec(q, a, vref, "ok",
                                       VowChange(a.nr, ingang, ext, a.volume, prod.eenheid, prod.frequentie), ans))
                ys.requests.append((agb, q, ans))
                add_version(sim, ys, a, ans, ingang, ext, "12", vref)
                honoured = True
        if not honoured:
            add_version(sim, ys, a, vd, ingang, ext, "04", None)
            sim.scen.done("ext04")
        eind = ext
    return eind


def _early_end(sim: Simulation, ys: YouthState, a: Assignment, seg: Seg, end: date, eind: date) -> None:
    """Care that ended well before the assignment: often the municipality shortens it (reden 03, 05 or 09)."""
    r = ys.r
    if not (end <= sim.until and end < eind - days(14)):
        return
    if seg.end_reason == "36":
        reden = "03"
    elif seg.end_reason == "38" and r.random() < 0.5:
        reden = "09"
    else:
        reden = "05"
    if (reden == "05" and sim.scen.want("short05", 0.55, r)) or (reden != "05" and r.random() < 0.6):
        vd = max(sim.cal.next_wd(end + days(r.randint(0, 2))), a.versions[-1].tdate + days(1))
        if vd <= sim.until:
            add_version(sim, ys, a, vd, a.ingang, end, reden, None)
            if reden == "05":
                sim.scen.done("short05")


def _rejected_vow(sim: Simulation, ys: YouthState, a: Assignment, seg: Seg, span: int, d1: date) -> None:
    """A request for more hours during ambulant care, refused by the municipality (written in render_vows)."""
    r, cal, agb, prod = ys.r, sim.cal, a.prov.agb, a.prod
    q = cal.next_wd(seg.start + days(r.randint(30, span - 60)))
    ans = cal.add(q, r.randint(1, 5))
    gewenst = month_start(add_months(q, 1))
    cur_eind = a.eind_asof(q)
    if q > d1 and ans <= sim.until and cur_eind >= gewenst and ys.request_free(agb, q - days(5), ans):
        vref = sim.out.ref("VOW", agb)
        ys.vows.append(VowSpec(q, a, vref, "rejected",
                               VowChange(a.nr, gewenst, cur_eind, a.volume + 4, prod.eenheid, prod.frequentie),
                               ans, reason=r.choice(["2", "4", "7"])))
        ys.requests.append((agb, q, ans))


def render_301(sim: Simulation, ys: YouthState) -> None:
    r, cal, until, y = ys.r, sim.cal, sim.until, ys.youth
    by_agb: dict[str, list[Assignment]] = defaultdict(list)
    for a in sorted(ys.asgs, key=lambda a: a.nr):
        by_agb[a.prov.agb].append(a)
    for d, agb in sorted(ys.events):
        if d > until:
            continue
        ev = ys.events[(d, agb)]
        lines = []
        for a in by_agb[agb]:
            v = ev.changes.get(a.nr)
            if v is not None:
                lines.append(a.line(v, True))
                continue
            v = a.version_before(d)
            if v is None or v.reden == "13" or v.eind < d:
                continue
            lines.append(a.line(v, False))
        h = sim.out.hdr("JW301", y.gemeente, agb, d)
        text, n = render.jw301(h, y, lines)
        sim.out.write(h, text, n, y)
        if all(v.reden == "04" for v in ev.changes.values()) and cal.add(d, 3) <= until \
                and sim.scen.want("rej_302", 0.004, r):
            rc = {"client": ("0200",), "relatie": ("0200",), "contact": ("0200",),
                  "lines": [("9332",) if ln.nr in ev.changes else ("0200",) for ln in lines]}
            rd = sim.out.retour(h, rc=rc, y=y, lines=lines)
            if rd is not None:
                d2 = max(sim.out.send(rd, r.randint(0, 2)), d + days(1))
                if d2 <= until:  # the gemeente sends the same content again
                    h2 = sim.out.hdr("JW301", y.gemeente, agb, d2)
                    text, n = render.jw301(h2, y, lines)
                    sim.out.write(h2, text, n, y)
                    sim.out.retour(h2)
                    sim.scen.done("rej_302")
        else:
            sim.out.retour(h)
