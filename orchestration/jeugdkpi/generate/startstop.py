"""Start and stop of care (JW305 StartProduct, JW307 StopProduct), each with its retour (306/308).

Per block of delivery (a real start and its stops: a temporary stop, reason 20, ends a block that a restart
follows) the provider sends a 305 and 307s, mostly within five working days, some late (its profile). A few
messages are corrected: a wrong line deleted (StatusAanlevering 3) and sent right, or rejected by the
municipality's checks and sent again.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

from jeugdkpi.generate import render
from jeugdkpi.generate.model import Assignment, StartLine, StopLine, YouthState
from jeugdkpi.generate.planning import days
from jeugdkpi.generate.profiles import ProviderProfile

if TYPE_CHECKING:
    from jeugdkpi.generate.region import Simulation

# the corrections of a 305 and of a 307 (scenario key, probability), the first wanted one applies
START_VARIANTS = (("corr_305_key", 0.012), ("corr_305_ingang", 0.008), ("rej_306", 0.004))
STOP_VARIANTS = (("corr_307_reden", 0.01), ("corr_307_eind", 0.008), ("rej_308", 0.004))
# how a correction is sent: "replace" = the wrong line, then its deletion and the right line in one message
# (working days between them); "delete" = the wrong line, its deletion, the right line in three messages;
# "reject" = the wrong line rejected by the retour (its RetourCode), then the right line
CORRECTIONS = {
    "corr_305_key": ("replace", (1, 10)), "corr_307_reden": ("replace", (3, 20)),
    "corr_305_ingang": ("delete", None), "corr_307_eind": ("delete", None),
    "rej_306": ("reject", "9019"), "rej_308": ("reject", "9069"),
}


def late_k(pp: ProviderProfile, r: random.Random) -> int:
    """Working days between the event and its 305/307: mostly 0-5, a provider-specific share 6-35."""
    if r.random() < pp.p_late_startstop:
        return r.randint(6, 35)
    return r.choices([0, 1, 2, 3, 4, 5], [10, 30, 25, 15, 12, 8])[0]


def emit_startstop(sim: Simulation, ys: YouthState, agb: str, mtype: str, d: date, lines: list,
                   rc: dict | None = None) -> date | None:
    """Write a 305/307 and its retour; with rc the retour rejects it and its date is returned."""
    y = ys.youth
    h = sim.out.hdr(mtype, agb, y.gemeente, d)
    text, n = (render.jw305 if mtype == "JW305" else render.jw307)(h, y, lines)
    sim.out.write(h, text, n, y)
    if rc is not None:
        return sim.out.retour(h, rc=rc, y=y, lines=lines)
    sim.out.retour(h)
    return d


def send_startstop(sim: Simulation, ys: YouthState, a: Assignment, blocks, d1: date, pp: ProviderProfile) -> None:
    """The 305s and 307s of assignment a (first sent on d1): `blocks` is [(real start, [(reden, einde), ...])]."""
    r, until = ys.r, sim.until
    agb = a.prov.agb
    cat, code, ingang = a.prod.category, a.prod.code, a.ingang
    last = d1 - days(1)
    for bi, (b, stops) in enumerate(blocks):
        d = max(sim.out.send(max(b, d1), late_k(pp, r)), last + days(1))
        if d > until:
            return
        variant = _variant(sim, r, d, START_VARIANTS)
        last = _send_line(sim, ys, agb, "JW305", d, StartLine(a.nr, cat, code, ingang, b), variant)
        if last is None:
            return
        if bi == 1:
            sim.scen.done("temp_restart")
        for si, (reden, einde) in enumerate(stops):
            d = max(sim.out.send(einde, late_k(pp, r)), last + days(1))
            if d > until:
                return
            variant = None
            if reden != "20":  # a temporary stop is never corrected
                short = len(stops) > 1 or (einde - b).days < 10  # no room for a wrong Einddatum
                allowed = [(k, p) for k, p in STOP_VARIANTS if not (k == "corr_307_eind" and short)]
                variant = _variant(sim, r, d, allowed)
            last = _send_line(sim, ys, agb, "JW307", d, StopLine(a.nr, cat, code, ingang, b, reden, einde), variant)
            if last is None:
                return
            if si == 1:
                sim.scen.done("temp_definitive")


def _variant(sim: Simulation, r: random.Random, d: date, variants) -> str | None:
    """The first wanted correction of `variants`; a rejection only when its retour comes before the peildatum."""
    for key, p in variants:
        if CORRECTIONS[key][0] == "reject" and sim.cal.add(d, 3) > sim.until:
            continue
        if sim.scen.want(key, p, r):
            return key
    return None


def _wrong_line(variant: str, line: StartLine | StopLine, r: random.Random) -> StartLine | StopLine:
    """The wrong line that correction `variant` of `line` sends first."""
    if variant == "corr_305_key":  # another Begindatum: another key
        return replace(line, begin=line.begin + days(r.randint(1, 5)))
    if variant == "corr_305_ingang":
        return replace(line, ingang=line.ingang + days(r.randint(1, 14)))
    if variant == "rej_306":  # a mistyped ToewijzingNummer
        return replace(line, nr=int(f"9{line.nr}"))
    if variant == "corr_307_reden":
        return replace(line, reden="31" if line.reden != "31" else "34")
    if variant == "corr_307_eind":
        return replace(line, eind=line.eind - days(r.randint(1, 5)))
    return replace(line, begin=line.begin - days(1))  # rej_308: no start has this key


def _send_line(sim: Simulation, ys: YouthState, agb: str, mtype: str, d: date, line: StartLine | StopLine,
               variant: str | None) -> date | None:
    """Send `line` in a 305/307 from day d on, through correction `variant` if any (when it fits before the
    peildatum); the day of the message that carries the right line, or None when a rejected message was not
    sent again before the peildatum (then nothing more is sent for the assignment)."""
    r, cal, until = ys.r, sim.cal, sim.until
    if variant is not None:
        wrong = _wrong_line(variant, line, r)
        how, arg = CORRECTIONS[variant]
        if how == "replace":
            d2 = cal.next_wd(d + days(r.randint(*arg)))
            if d2 <= until:
                emit_startstop(sim, ys, agb, mtype, d, [wrong])
                emit_startstop(sim, ys, agb, mtype, d2, [wrong.deleted(), line])
                sim.scen.done(variant)
                return d2
        elif how == "delete":
            d2 = cal.next_wd(d + days(r.randint(1, 7)))
            d3 = cal.next_wd(d2 + days(r.randint(1, 5)))
            if d3 <= until:
                emit_startstop(sim, ys, agb, mtype, d, [wrong])
                emit_startstop(sim, ys, agb, mtype, d2, [wrong.deleted()])
                emit_startstop(sim, ys, agb, mtype, d3, [line])
                sim.scen.done(variant)
                return d3
        else:
            rd = emit_startstop(sim, ys, agb, mtype, d, [wrong], rc={"client": ("0200",), "lines": [(arg,)]})
            if rd is None:
                return None
            d2 = max(sim.out.send(rd, r.randint(0, 2)), d + days(1))
            if d2 > until:
                return None
            emit_startstop(sim, ys, agb, mtype, d2, [line])
            sim.scen.done(variant)
            return d2
    emit_startstop(sim, ys, agb, mtype, d, [line])
    return d
