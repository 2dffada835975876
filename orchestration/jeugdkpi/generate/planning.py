"""Care plans: per youth a list of care segments (product, provider, real start, real end).

Ambulant care, stays made of one or more verblijf segments (with provider switches, re-placements and a
provider whose contract ends), Thuis op Maat before or after a stay. A segment is picked among the products of
its kind and the providers under contract that deliver them, local providers weighted up. Planning draws only
from the youth's own random stream.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from jeugdkpi.generate.catalog import Catalog, Product, Provider
from jeugdkpi.generate.model import Seg, Youth

STAY_FORMS = [("pleegzorg", 30), ("pleegzorg_deeltijd", 7), ("gezinshuis", 9), ("behandeld_wonen", 24),
              ("verblijf_overig", 12), ("crisis", 12), ("gesloten", 6)]
NEXT_FORMS = {
    "crisis": (0.75, [("behandeld_wonen", 35), ("pleegzorg", 30), ("gezinshuis", 15), ("verblijf_overig", 10),
                      ("gesloten", 10)]),
    "gesloten": (0.7, [("behandeld_wonen", 60), ("gezinshuis", 20), ("verblijf_overig", 20)]),
    "behandeld_wonen": (0.3, [("gezinshuis", 35), ("verblijf_overig", 30), ("pleegzorg", 15),
                              ("behandeld_wonen", 20)]),
    "pleegzorg": (0.12, [("gezinshuis", 50), ("behandeld_wonen", 30), ("pleegzorg", 20)]),
    "*": (0.12, [("behandeld_wonen", 40), ("pleegzorg", 30), ("verblijf_overig", 30)]),
}
# (min, max, mode) of a segment's length in days
DURATIONS = {
    "ambulant": (45, 365, 150), "pleegzorg": (120, 900, 360), "pleegzorg_deeltijd": (90, 540, 240),
    "gezinshuis": (150, 800, 365), "behandeld_wonen": (60, 420, 180), "verblijf_overig": (60, 360, 150),
    "crisis": (7, 56, 21), "gesloten": (60, 240, 120), "tom_instroom": (90, 270, 180),
    "tom_uitstroom": (90, 240, 150),
}
KIND_FALLBACK = {"pleegzorg_deeltijd": "pleegzorg", "crisis": "verblijf_overig", "gezinshuis": "pleegzorg",
                 "gesloten": "behandeld_wonen", "verblijf_overig": "behandeld_wonen", "pleegzorg": "gezinshuis"}
END_REASONS = (["31", "34", "32", "33", "35"], [60, 18, 8, 6, 8])


def days(n: int) -> timedelta:
    return timedelta(days=n)


def volume(prod: Product, r: random.Random) -> int:
    """The assigned volume per unit of frequency: etmalen a week for verblijf, hours a month otherwise."""
    if prod.eenheid == "14":
        return r.choice([2, 2, 3]) if prod.part_time else 7
    if prod.care_form in ("tom_instroom", "tom_uitstroom"):
        return r.choice([16, 20, 24, 32])
    return r.choice([4, 6, 8, 8, 10, 12, 16])


class Planner:
    def __init__(self, catalog: Catalog):
        self.cat = catalog
        self._kind_products: dict[str, list[Product]] = {}
        self._local: dict[tuple[str, str], float] = {}

    def products_of(self, kind: str) -> list[Product]:
        if kind not in self._kind_products:
            ps = self.cat.products
            if kind == "pleegzorg":
                sel = [p for p in ps if p.care_form == "pleegzorg" and not p.part_time]
            elif kind == "pleegzorg_deeltijd":
                sel = [p for p in ps if p.part_time]
            elif kind == "verblijf_overig":
                sel = [p for p in ps if p.care_form == "verblijf_overig" and not p.crisis]
            elif kind == "crisis":
                sel = [p for p in ps if p.crisis and p.is_verblijf]
            else:
                sel = [p for p in ps if p.care_form == kind]
            self._kind_products[kind] = sel
        return self._kind_products[kind]

    def local_weight(self, prov: Provider, gem: str) -> float:
        key = (prov.agb, gem)
        if key not in self._local:
            lname = prov.name.lower()
            mentioned = [m.code for m in self.cat.municipalities if m.name.lower() in lname]
            self._local[key] = 1.0 if not mentioned else (4.0 if gem in mentioned else 0.4)
        return self._local[key]

    def pick(self, kind: str, r: random.Random, gem: str, at: date, exclude: str | None = None,
              prefer: str | None = None) -> tuple[Product, Provider] | None:
        tried = kind
        for _ in range(3):
            cands = [(prod, prov) for prod in self.products_of(tried) for prov in self.cat.providers_for(prod)
                     if prov.under_contract(at)]
            if cands:
                break
            tried = KIND_FALLBACK.get(tried, "behandeld_wonen")
        if not cands:
            return None
        if exclude:
            cands = [c for c in cands if c[1].agb != exclude] or cands
        if prefer:
            cands = [c for c in cands if c[1].agb == prefer] or cands
        return r.choices(cands, [self.local_weight(p, gem) for _, p in cands])[0]

    def dur(self, kind: str, r: random.Random, short: bool) -> int:
        lo, hi, mode = DURATIONS.get(kind, DURATIONS["behandeld_wonen"])
        if short:
            hi = max(lo + 1, (lo + hi) // 3)
            mode = min(mode, hi)
        return int(r.triangular(lo, hi, mode))

    @staticmethod
    def add(segs: list[Seg], seg: Seg) -> Seg:
        """Append seg, shifting it after an overlapping segment with the same product and provider (no stacking)."""
        length = seg.end - seg.start
        for s in segs:
            if s.prov.agb == seg.prov.agb and s.prod.code == seg.prod.code and s.start <= seg.end \
                    and seg.start <= s.end:
                seg.start = s.end + days(1)
                seg.end = seg.start + length
        if seg.prov.contract_to is not None and seg.end > seg.prov.contract_to:
            seg.end = max(seg.start + days(1), seg.prov.contract_to)
            seg.end_reason = "36"
        segs.append(seg)
        return seg

    def add_seg(self, segs: list[Seg], kind: str, r: random.Random, gem: str, start: date, short: bool) -> Seg | None:
        picked = self.pick(kind, r, gem, start)
        if not picked:
            return None
        prod, prov = picked
        seg = Seg(kind, prod, prov, start, start + days(self.dur(kind, r, short)),
                  r.choices(*END_REASONS)[0])
        return self.add(segs, seg)

    def plan_ambulant(self, segs: list[Seg], r: random.Random, gem: str, start: date, n: int) -> None:
        cur = start
        for _ in range(n):
            seg = self.add_seg(segs, "ambulant", r, gem, cur, False)
            if seg is None:
                return
            if r.random() < 0.3:
                cur = cur + days(r.randint(20, max(21, (seg.end - seg.start).days)))
            else:
                cur = seg.end + days(r.randint(14, 240))

    def plan_stay(self, segs: list[Seg], r: random.Random, gem: str, start: date, short: bool,
                   first: str | None = None, max_segs: int = 4, force_switch: bool = False) -> date:
        kind = first or r.choices([k for k, _ in STAY_FORMS], [w for _, w in STAY_FORMS])[0]
        s_date = start
        prev: Seg | None = None
        last_end = start
        n = 0
        carry: int | None = None  # remaining days after a contract ended
        while n < max_segs:
            exclude = prefer = None
            if prev is not None:
                if carry is not None or force_switch or (prev.kind == kind and r.random() < 0.5):
                    exclude = prev.prov.agb
                elif prev.kind == kind:
                    prefer = prev.prov.agb
            picked = self.pick(kind, r, gem, s_date, exclude=exclude, prefer=prefer)
            if not picked:
                break
            prod, prov = picked
            length = carry if carry is not None else self.dur(kind, r, short)
            seg = self.add(segs, Seg(kind, prod, prov, s_date, s_date + days(max(7, length)),
                                      r.choices(*END_REASONS)[0]))
            if prev is not None and prev.end_reason != "36":
                prev.end_reason = "38" if (prev.prov.agb != prov.agb and prev.kind == kind) else "31"
            n += 1
            last_end = seg.end
            carry = None
            if seg.end_reason == "36":  # the provider's contract ended: continue elsewhere
                carry = max(7, length - (seg.end - seg.start).days)
                prev, s_date = seg, seg.end + days(1)
                continue
            p_cont, nexts = NEXT_FORMS.get(kind, NEXT_FORMS["*"])
            if force_switch and n == 1:
                nxt = kind
            elif r.random() < p_cont:
                nxt = r.choices([k for k, _ in nexts], [w for _, w in nexts])[0]
            else:
                break
            u = r.random()
            gap = 0 if u < 0.6 else (r.randint(1, 30) if u < 0.9 else r.randint(31, 100))
            prev, kind, s_date = seg, nxt, seg.end + days(1 + gap)
            force_switch = force_switch and n < 1
        return last_end

    def plan(self, y: Youth, r: random.Random, t0: date, kind: str, profile: str | None) -> list[Seg]:
        segs: list[Seg] = []
        gem = y.gemeente
        short = profile is not None
        if kind == "ambulant":
            self.plan_ambulant(segs, r, gem, t0, r.choices([1, 2, 3], [55, 30, 15])[0])
            return segs
        if kind == "tom_in":
            tom = self.add_seg(segs, "tom_instroom", r, gem, t0, short)
            if tom is None:
                return segs
            if profile is None and r.random() < 0.4:
                self.plan_ambulant(segs, r, gem, t0 + days(r.randint(0, 30)), 1)
            if profile == "tom_in_fail" or (profile is None and r.random() < 0.28):
                self.plan_stay(segs, r, gem, tom.end + days(r.randint(1, 100)), short, max_segs=2)
            elif profile is None and r.random() < 0.1:
                self.plan_stay(segs, r, gem, tom.end + days(r.randint(130, 400)), short, max_segs=2)
            return segs
        # verblijf
        start = t0
        if profile is None and r.random() < 0.4:
            self.plan_ambulant(segs, r, gem, t0, 1)
            start = t0 + days(r.randint(30, 200))
        first = {"parttime": "pleegzorg_deeltijd", "crisis_chain": "crisis", "stay_switch": "behandeld_wonen",
                 "replace_within": "behandeld_wonen", "replace_beyond": "gezinshuis",
                 "stay_tom_out": "behandeld_wonen", "gesloten": "gesloten"}.get(profile or "")
        max_segs = 1 if profile in ("replace_within", "replace_beyond", "stay_tom_out", "parttime") else 4
        last_end = self.plan_stay(segs, r, gem, start, short, first, max_segs=max_segs,
                                   force_switch=profile == "stay_switch")
        if profile == "stay_tom_out" or (profile is None and r.random() < 0.25):
            tom = self.add_seg(segs, "tom_uitstroom", r, gem, last_end + days(r.randint(1, 14)), short)
            if tom is not None:
                last_end = tom.end
        gap = None
        if profile == "replace_within":
            gap = r.randint(20, 100)
        elif profile == "replace_beyond":
            gap = r.randint(130, 200)
        elif profile is None and r.random() < 0.22:
            gap = r.randint(20, 110) if r.random() < 0.5 else r.randint(125, 540)
        if gap is not None:
            self.plan_stay(segs, r, gem, last_end + days(gap), short,
                            "pleegzorg" if profile == "replace_beyond" else None,
                            max_segs=1 if profile else 2)
        if profile is None:
            u = r.random()
            if u < 0.35:
                self.plan_ambulant(segs, r, gem, last_end + days(r.randint(0, 60)), 1)
            elif u < 0.55:
                self.plan_ambulant(segs, r, gem, start + days(r.randint(0, 60)), 1)
        return segs
