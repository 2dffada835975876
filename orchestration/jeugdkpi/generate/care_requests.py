"""Requests (JW315 VOT, JW317 VOW) and the municipality's answers (JW319), each with its retour.

A VOT asks for an assignment (the first version of the assignment answers it, or a 319 refuses it; a 319
with VerzoekAntwoord 2 first says it is being looked into); a VOW asks to change a current assignment
(honoured by a 301 with RedenWijziging 12, or refused by a 319). Some requests are rejected by the
receiver's checks first and sent again (316, 318, 320).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from jeugdkpi.generate import planning, render
from jeugdkpi.generate.calendar import add_months
from jeugdkpi.generate.catalog import Product, Provider
from jeugdkpi.generate.model import Assignment, VotLine, YouthState
from jeugdkpi.generate.planning import days

if TYPE_CHECKING:
    from jeugdkpi.generate.region import Simulation


def vot_for_assignment(sim: Simulation, ys: YouthState, prod: Product, prov: Provider, ingang: date, einde: date,
                        volume: int, req: date) -> tuple[str, date]:
    r, cal, until = ys.r, sim.cal, sim.until
    y, agb, gem = ys.youth, prov.agb, ys.youth.gemeente
    verwijzer = r.choice(["02", "02", "02", "03", "01", "04", "05"])
    if sim.scen.want("rej_316", 0.01, r) and cal.add(req, 3) <= until:
        wrong = next((p for p in sim.cat.products if p.category != prod.category), None)
        if wrong is not None:
            bad = VotLine(sim.out.ref("VOT", agb), prod.category, wrong.code, ingang, einde, volume, prod.eenheid,
                          prod.frequentie, verwijzer)
            h0 = sim.out.hdr("JW315", agb, gem, req)
            text, n = render.jw315(h0, y, [bad])
            sim.out.write(h0, text, n, y)
            rd = sim.out.retour(h0, rc={"client": ("0200",), "lines": [("S329",)]}, y=y, lines=[bad])
            if rd is not None:
                req = max(sim.out.send(rd, r.randint(0, 1)), req + days(1))
                sim.scen.done("rej_316")
    ref = sim.out.ref("VOT", agb)
    line = VotLine(ref, prod.category, prod.code, ingang, einde, volume, prod.eenheid, prod.frequentie, verwijzer)
    in_onderzoek = sim.scen.want("vot_319_2", 0.12, r)
    a2 = None
    if in_onderzoek:
        a2 = cal.add(req, r.randint(1, 4))
        d1 = cal.next_wd(req + days(r.randint(15, 50)))
    else:
        k = r.randint(6, 20) if r.random() < sim.gem_profile[gem].p_vot_late else r.randint(1, 5)
        d1 = cal.add(req, k)
    if req <= until:
        h = sim.out.hdr("JW315", agb, gem, req)
        text, n = render.jw315(h, y, [line])
        sim.out.write(h, text, n, y)
        sim.out.retour(h)
        if a2 is not None and a2 <= until:
            emit_319(sim, ys, gem, agb, a2, ref, "2", None, None, allow_reject=False)
            if d1 <= until:
                sim.scen.done("vot_319_2")
    ys.requests.append((agb, req, d1))
    return ref, d1


def emit_319(sim: Simulation, ys: YouthState, gem: str, agb: str, d: date, ref: str, antwoord: str, reden: str | None,
              woonplaats: str | None, allow_reject: bool) -> None:
    r = ys.r
    if allow_reject and sim.cal.add(d, 3) <= sim.until and sim.scen.want("rej_320", 0.02, r):
        bad_ref = ref.replace("-", "/", 1)  # a typing error: no request has this reference
        h0 = sim.out.hdr("JW319", gem, agb, d)
        text, n = render.jw319(h0, bad_ref, antwoord, reden, woonplaats)
        sim.out.write(h0, text, n)
        rc = {"antwoord": ("9355",), "woonplaats": ("0200",)}
        rd = sim.out.retour(h0, rc=rc, ref=bad_ref, antwoord=antwoord, reden=reden, woonplaats=woonplaats)
        if rd is None:
            return
        d = max(sim.out.send(rd, r.randint(0, 1)), d + days(1))
        if d > sim.until:
            return
        sim.scen.done("rej_320")
    h = sim.out.hdr("JW319", gem, agb, d)
    text, n = render.jw319(h, ref, antwoord, reden, woonplaats)
    sim.out.write(h, text, n)
    sim.out.retour(h)


def standalone_vot(sim: Simulation, ys: YouthState, t0: date) -> None:
    """Now and then a youth asks a provider for care that the municipality refuses (315 answered by a 319)."""
    r, cal, until = ys.r, sim.cal, sim.until
    if not sim.scen.want("vot_319_1", 0.035, r):
        return
    y, gem = ys.youth, ys.youth.gemeente
    req = cal.next_wd(max(sim.start, t0) + days(r.randint(0, 200)))
    if req > until - days(20):
        return
    picked = sim.planner.pick("ambulant", r, gem, req)
    if picked is None:
        return
    prod, prov = picked
    ans = cal.add(req, r.randint(6, 12) if r.random() < 0.1 else r.randint(1, 5))
    if ans > until or not ys.request_free(prov.agb, req - days(5), ans):
        return
    ref = sim.out.ref("VOT", prov.agb)
    ing = req + days(r.randint(7, 21))
    line = VotLine(ref, prod.category, prod.code, ing, add_months(ing, 6) - days(1), planning.volume(prod, r),
                   prod.eenheid, prod.frequentie, r.choice(["01", "02", "03"]))
    h = sim.out.hdr("JW315", prov.agb, gem, req)
    text, n = render.jw315(h, y, [line])
    sim.out.write(h, text, n, y)
    sim.out.retour(h)
    reden = r.choice(["1", "3", "4", "5", "7", "8"])
    woonplaats = None
    if reden == "8":
        if sim.cat.other_municipalities:
            woonplaats = r.choice(sim.cat.other_municipalities).code
        else:
            reden = "5"
    emit_319(sim, ys, gem, prov.agb, ans, ref, "1", reden, woonplaats, allow_reject=True)
    ys.requests.append((prov.agb, req, ans))
    sim.scen.done("vot_319_1")


def is_current(a: Assignment, q: date) -> bool:
    """Whether assignment a is in force on day q (as its versions up to q say)."""
    if a.first_dag > q:
        return False
    v = None
    for x in a.versions:
        if x.tdate <= q:
            v = x
    return v is not None and v.reden != "13" and v.eind >= q


def render_vows(sim: Simulation, ys: YouthState) -> None:
    r, cal, until, y = ys.r, sim.cal, sim.until, ys.youth
    for vs in sorted(ys.vows, key=lambda v: (v.q, v.asg.nr)):
        if vs.q > until:
            continue
        a = vs.asg
        agb, gem = a.prov.agb, y.gemeente
        others = [o.nr for o in sorted(ys.asgs, key=lambda o: o.nr)
                  if o is not a and o.prov.agb == agb and is_current(o, vs.q)]
        reden = "2" if vs.kind == "ok" else "1"
        if sim.scen.want("rej_318", 0.05, r):
            q0 = cal.prev_wd(vs.q - days(3))
            if q0 > a.first_dag:
                bad_ref = sim.out.ref("VOW", agb)
                bad = [replace(vs.change, nr=int(f"9{a.nr}"))]  # mistyped ToewijzingNummer
                h0 = sim.out.hdr("JW317", agb, gem, q0)
                text, n = render.jw317(h0, y.bsn, bad_ref, reden, others, bad)
                sim.out.write(h0, text, n, y)
                rc = {"client": ("0200",), "verzoek": ("0200",), "ongewijzigd": ("0200",),
                      "tewijzigen": ("9351",)}
                rd = sim.out.retour(h0, rc=rc, bsn=y.bsn, ref=bad_ref, reden=reden, unchanged=others, changes=bad)
                if rd is not None and rd <= vs.q:
                    sim.scen.done("rej_318")
        h = sim.out.hdr("JW317", agb, gem, vs.q)
        text, n = render.jw317(h, y.bsn, vs.ref, reden, others, [vs.change])
        sim.out.write(h, text, n, y)
        sim.out.retour(h)
        if vs.kind == "ok":
            sim.scen.done("vow_ok")
        else:
            emit_319(sim, ys, gem, agb, vs.answer, vs.ref, "1", vs.reason, None, allow_reject=True)
            sim.scen.done("vow_rejected")
