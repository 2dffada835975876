"""The synthetic region: youths, their care trajectories, and the iJw messages that describe them.

How it works (see docs/demo-region.md for the story):

1. every youth gets a *plan*: a list of care segments (product, provider, real start, real end) — ambulant
   care, stays made of one or more verblijf segments (with provider switches and re-placements), TOM;
2. each segment is *realised* as one assignment: its 301 versions (first version, verlengingen, intrekking,
   sometimes a deleted predecessor), the request that led to it (315/319), its 305/307 messages (with
   temporary stops, corrections, lateness) and the months it was delivered;
3. per youth the 301 snapshots (all current assignments of the client at that provider) and the 317s are
   rendered once all of the youth's assignments are known;
4. per provider × municipality the delivered months become monthly 323 declarations, answered by 325s
   (rejections, credits, re-debits, late declaring).

Determinism: one `random.Random` per youth (seeded from the seed and the youth number) plus fixed streams for
retours, declarations and profiles; everything is iterated in sorted order; no wall-clock time is used.
"""

from __future__ import annotations

import os
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

from jeugdkpi.generate import people, render
from jeugdkpi.generate.calendar import WorkCalendar, add_months, month_end, month_start
from jeugdkpi.generate.catalog import Catalog, Product, Provider
from jeugdkpi.generate.model import (
    Assignment,
    Hdr,
    Prestatie,
    StartLine,
    StopLine,
    Version,
    VotLine,
    VowChange,
    Youth,
)


def days(n: int) -> timedelta:
    return timedelta(days=n)


# Every scenario the KPIs (and the tests) depend on occurs at least this often, also in a tiny region: the
# first eligible candidate is forced, the rest is random.
SCENARIO_MINIMUMS = {
    "temp_restart": 1, "temp_definitive": 1,
    "corr_305_key": 1, "corr_305_ingang": 1, "corr_307_reden": 1, "corr_307_eind": 1,
    "del13": 1, "ext04": 1, "short05": 1, "late_301": 1,
    "vot_319_2": 1, "vot_319_1": 1, "vow_ok": 1, "vow_rejected": 1,
    "rej_302": 1, "rej_306": 1, "rej_308": 1, "rej_316": 1, "rej_318": 1, "rej_320": 1,
    "credit": 1, "reject_0611": 1, "late_decl": 1, "late_325": 1,
}

# Plans of the first youths, so that a small region still has every stay pattern.
FORCED_PROFILES = [
    "replace_within", "replace_beyond", "tom_in_fail", "stay_tom_out", "parttime", "stay_switch",
    "tom_in_ok", "crisis_chain", "gesloten",
]
PROFILE_KIND = {
    "replace_within": "verblijf", "replace_beyond": "verblijf", "tom_in_fail": "tom_in", "tom_in_ok": "tom_in",
    "stay_tom_out": "verblijf", "parttime": "verblijf", "stay_switch": "verblijf", "crisis_chain": "verblijf",
    "gesloten": "verblijf",
}

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
P_VOT = {"ambulant": 0.45, "tom_instroom": 0.3, "tom_uitstroom": 0.3}  # other verblijf: 0.2, crisis: never
RETOUR_K = ([0, 1, 2, 3, 4, 5, 6], [30, 45, 14, 7, 2, 1, 1])  # working days between heenbericht and retour
END_REASONS = (["31", "34", "32", "33", "35"], [60, 18, 8, 6, 8])

RETOUR_OF = render.RETOUR_OF


@dataclass(frozen=True)
class ProviderProfile:
    p_late_startstop: float  # share of 305/307 sent more than 5 working days late
    p_decl_late: float  # share of prestaties declared months late
    p_wrong_tariff: float  # share of debits with a non-contract tariff (rejected 0611)
    p_reject: float  # share of debits rejected for other reasons
    p_wait_long: float = 0.2  # share of non-crisis starts more than 28 days after the Ingangsdatum (AP01 tail)


@dataclass(frozen=True)
class GemeenteProfile:
    p_301_late: float  # share of assignments sent on/after their Ingangsdatum
    p_vot_late: float  # share of VOT answers later than 5 working days
    p_325_late: float  # share of 325 answers later than 10 working days


@dataclass
class Seg:
    kind: str
    prod: Product
    prov: Provider
    start: date
    end: date
    end_reason: str = "31"


@dataclass
class Event:
    """One 301 message: the versions created at (date, provider) for one youth."""

    ttime: str
    changes: dict[int, Version] = field(default_factory=dict)


@dataclass
class VowSpec:
    q: date
    asg: Assignment
    ref: str
    kind: str  # "ok" (honoured by a 301 with RedenWijziging 12) or "rejected" (319 VerzoekAntwoord 1)
    change: VowChange
    answer: date
    reason: str | None = None


@dataclass
class YouthState:
    youth: Youth
    r: random.Random
    asgs: list[Assignment] = field(default_factory=list)
    events: dict[tuple[date, str], Event] = field(default_factory=dict)
    requests: list[tuple[str, date, date]] = field(default_factory=list)
    vows: list[VowSpec] = field(default_factory=list)

    def request_free(self, agb: str, a: date, b: date) -> bool:
        return all(not (x_agb == agb and x_a <= b and a <= x_b) for x_agb, x_a, x_b in self.requests)


class Writer:
    def __init__(self, root: Path):
        self.root = str(root)
        self._dirs: set[str] = set()
        self.files: Counter[str] = Counter()
        self.records: Counter[str] = Counter()

    def write(self, mtype: str, d: date, sender: str, ident: str, text: str, n_records: int) -> None:
        folder = os.path.join(self.root, str(d.year), mtype, f"{d.year:04d}-{d.month:02d}")
        if folder not in self._dirs:
            os.makedirs(folder, exist_ok=True)
            self._dirs.add(folder)
        path = os.path.join(folder, f"{mtype}_{sender}_{ident}.xml")
        with open(path, "wb") as fh:
            fh.write(text.encode("utf-8"))
        stamp = datetime.combine(d, time(12, 0)).timestamp()  # landed on its Dagtekening (docs/ingest.md)
        os.utime(path, (stamp, stamp))
        self.files[mtype] += 1
        self.records[mtype] += n_records


class Simulation:
    def __init__(self, out_berichten: Path, seed: int, catalog: Catalog, cal: WorkCalendar, start: date,
                 until: date):
        self.seed = seed
        self.cat = catalog
        self.cal = cal
        self.start = start
        self.until = until
        self.span_days = max(1, (until - start).days)
        self.writer = Writer(out_berichten)
        self.need = dict(SCENARIO_MINIMUMS)
        self._pending: set[str] = set()
        self._idents: Counter[tuple[str, str]] = Counter()
        self._refs: Counter[tuple[str, str]] = Counter()
        self._prefs: Counter[str] = Counter()
        self._nr = 100000
        self.rng_retour = random.Random(f"jeugdkpi:{seed}:retour")
        self.rng_decl = random.Random(f"jeugdkpi:{seed}:declaraties")
        self.cands: dict[tuple[str, str], list[tuple[Assignment, date, int, bool]]] = defaultdict(list)
        self.youths_seen: set[int] = set()
        self._kind_products: dict[str, list[Product]] = {}
        self._local: dict[tuple[str, str], float] = {}
        r = random.Random(f"jeugdkpi:{seed}:profielen")
        late = [0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.3, 0.45]
        decl = [0.02, 0.03, 0.05, 0.08, 0.12, 0.25]
        # waiting-time tail per provider; taken from the shuffled order (no extra draw, so the other profiles
        # and the whole region stay as they were for a given seed)
        wait = [0.06, 0.1, 0.14, 0.2, 0.28, 0.4, 0.08, 0.18, 0.12]
        provs = sorted(catalog.providers, key=lambda p: p.agb)
        order = list(range(len(provs)))
        r.shuffle(order)
        self.prov_profile = {
            prov.agb: ProviderProfile(
                p_late_startstop=late[order[i] % len(late)],
                p_decl_late=decl[order[i] % len(decl)],
                p_wrong_tariff=r.choice([0.002, 0.004, 0.008, 0.015]),
                p_reject=r.choice([0.004, 0.008, 0.015]),
                p_wait_long=wait[order[i] % len(wait)],
            )
            for i, prov in enumerate(provs)
        }
        self.gem_profile = {
            m.code: GemeenteProfile(
                p_301_late=r.choice([0.08, 0.12, 0.18, 0.25]),
                p_vot_late=r.choice([0.05, 0.1, 0.2, 0.3]),
                p_325_late=r.choice([0.03, 0.06, 0.1, 0.18]),
            )
            for m in catalog.municipalities
        }

    # ------------------------------------------------------------------ small helpers
    def _want(self, key: str, p: float, r: random.Random) -> bool:
        return self.need.get(key, 0) > 0 or r.random() < p

    def _want_once(self, key: str, p: float, r: random.Random) -> bool:
        """Like _want, but forces only one candidate at a time (for scenarios completed later)."""
        if self.need.get(key, 0) > 0 and key not in self._pending:
            self._pending.add(key)
            return True
        return r.random() < p

    def _done(self, key: str) -> None:
        self._pending.discard(key)
        if self.need.get(key, 0) > 0:
            self.need[key] -= 1

    def _hdr(self, mtype: str, sender: str, receiver: str, d: date) -> Hdr:
        return Hdr(mtype, sender, receiver, self._ident(sender, mtype), d)

    def _ident(self, sender: str, mtype: str) -> str:
        self._idents[(sender, mtype)] += 1
        return f"{mtype[2:]}{self._idents[(sender, mtype)]:09d}"

    def _ref(self, kind: str, agb: str) -> str:
        self._refs[(kind, agb)] += 1
        return f"{kind}-{agb}-{self._refs[(kind, agb)]:06d}"

    def _pref(self, agb: str) -> str:
        self._prefs[agb] += 1
        return f"P{self._prefs[agb]:09d}"

    def _next_nr(self) -> int:
        self._nr += 1
        return self._nr

    @staticmethod
    def _ttime(r: random.Random) -> str:
        return f"{r.randint(8, 17):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"

    def _write(self, h: Hdr, text: str, n: int, youth: Youth | None = None) -> None:
        self.writer.write(h.mtype, h.dag, h.sender, h.ident, text, n)
        if youth is not None:
            self.youths_seen.add(youth.idx)

    def _retour(self, h: Hdr, rc: dict | None = None, header_codes=None, **kw) -> date | None:
        """Write the retour on heenbericht h (header only unless rc gives class codes); its date or None."""
        rtype = RETOUR_OF[h.mtype]
        # a rejection is returned by the receiver's automated checks the next working day
        k = 1 if rc is not None else self.rng_retour.choices(*RETOUR_K)[0]
        rd = self._send(h.dag, k)
        if rd > self.until:
            return None
        creator = h.receiver
        ident = self._ident(creator, rtype)
        if rtype == "JW302":
            text, n = render.jw302(h, ident, rd, header_codes, kw.get("y"), kw.get("lines", ()), rc)
        elif rtype in ("JW306", "JW308"):
            text, n = render.jw306_308(rtype, h, ident, rd, kw.get("y"), kw.get("lines", ()), rc)
        elif rtype == "JW316":
            text, n = render.jw316(h, ident, rd, kw.get("y"), kw.get("lines", ()), rc)
        elif rtype == "JW318":
            text, n = render.jw318(h, ident, rd, kw.get("bsn"), kw.get("ref", ""), kw.get("reden", ""),
                                   kw.get("unchanged", ()), kw.get("changes", ()), rc)
        else:
            text, n = render.jw320(h, ident, rd, kw.get("ref", ""), kw.get("antwoord", ""), kw.get("reden"),
                                   kw.get("woonplaats"), rc)
        self.writer.write(rtype, rd, creator, ident, text, n)
        return rd

    def _send(self, d: date, k: int) -> date:
        """The date a message is sent k working days after d (k = 0: d itself, or the next working day)."""
        return self.cal.add(d, k) if k > 0 else self.cal.next_wd(d)

    @staticmethod
    def _late_k(pp: ProviderProfile, r: random.Random) -> int:
        if r.random() < pp.p_late_startstop:
            return r.randint(6, 35)
        return r.choices([0, 1, 2, 3, 4, 5], [10, 30, 25, 15, 12, 8])[0]

    # ------------------------------------------------------------------ products and providers
    def _products_of(self, kind: str) -> list[Product]:
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

    def _local_weight(self, prov: Provider, gem: str) -> float:
        key = (prov.agb, gem)
        if key not in self._local:
            lname = prov.name.lower()
            mentioned = [m.code for m in self.cat.municipalities if m.name.lower() in lname]
            self._local[key] = 1.0 if not mentioned else (4.0 if gem in mentioned else 0.4)
        return self._local[key]

    def _pick(self, kind: str, r: random.Random, gem: str, at: date, exclude: str | None = None,
              prefer: str | None = None) -> tuple[Product, Provider] | None:
        tried = kind
        for _ in range(3):
            cands = [(prod, prov) for prod in self._products_of(tried) for prov in self.cat.providers_for(prod)
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
        return r.choices(cands, [self._local_weight(p, gem) for _, p in cands])[0]

    @staticmethod
    def _volume(prod: Product, r: random.Random) -> int:
        if prod.eenheid == "14":
            return r.choice([2, 2, 3]) if prod.part_time else 7
        if prod.care_form in ("tom_instroom", "tom_uitstroom"):
            return r.choice([16, 20, 24, 32])
        return r.choice([4, 6, 8, 8, 10, 12, 16])

    # ------------------------------------------------------------------ run
    def run(self, n_youths: int) -> None:
        pool = people.bsn_pool(n_youths, random.Random(f"jeugdkpi:{self.seed}:bsn"))
        for i in range(n_youths):
            r = random.Random(f"jeugdkpi:{self.seed}:youth:{i}")
            profile = FORCED_PROFILES[i] if i < len(FORCED_PROFILES) else None
            self._youth(i, pool[i], r, profile)
        self._declarations()

    def _youth(self, i: int, bsn: str, r: random.Random, profile: str | None) -> None:
        frac = r.random()
        stock = profile is None and r.random() < 0.14
        if profile:
            t0 = self.start + days(r.randint(0, max(1, int(self.span_days * 0.1))))
            kind = PROFILE_KIND[profile]
        else:
            if stock:
                t0 = self.start - days(r.randint(20, 540))
                p_v, p_t = 0.32, 0.03
            else:
                # the region's transformation: fewer new placements, more Thuis op Maat over the years
                t0 = self.start + days(int(frac * max(1, self.span_days - 45)))
                p_v, p_t = 0.19 - 0.10 * frac, 0.02 + 0.06 * frac
            u = r.random()
            kind = "verblijf" if u < p_v else ("tom_in" if u < p_v + p_t else "ambulant")
        munis = self.cat.municipalities
        gem = r.choices(munis, [m.weight for m in munis])[0]
        y = self._make_youth(i, bsn, r, t0, kind, gem.code, gem.name)
        segs = self._plan(y, r, t0, kind, profile)
        ys = YouthState(y, r)
        for seg in sorted(segs, key=lambda s: (s.start, s.prov.agb, s.prod.code)):
            if seg.end < self.start + days(20):
                continue
            self._realise(ys, seg)
        self._standalone_vot(ys, t0)
        self._render_301(ys)
        self._render_vows(ys)

    def _make_youth(self, i: int, bsn: str, r: random.Random, t0: date, kind: str, gem: str, place: str) -> Youth:
        if r.random() < 0.05:
            age = r.randint(18, 21)
        elif kind == "verblijf":
            age = int(r.triangular(0, 18, 13))
        else:
            age = int(r.triangular(1, 18, 10))
        birth = t0 - days(int(age * 365.25) + r.randint(0, 364))
        has_parent = r.random() < 0.45
        first = people.first_name(i)
        return Youth(
            idx=i, bsn=bsn, birth=birth, gender="1" if r.random() < 0.53 else "2", gemeente=gem,
            surname=people.surname(i), first_name=first, initials=first[0].upper(),
            house_number=1 + (i * 13) % 240, postcode=people.postcode(i), place=place,
            parent_surname=people.parent_surname(i) if has_parent else None,
            phone=people.phone(i) if has_parent else None,
        )

    # ------------------------------------------------------------------ planning
    def _dur(self, kind: str, r: random.Random, short: bool) -> int:
        lo, hi, mode = DURATIONS.get(kind, DURATIONS["behandeld_wonen"])
        if short:
            hi = max(lo + 1, (lo + hi) // 3)
            mode = min(mode, hi)
        return int(r.triangular(lo, hi, mode))

    @staticmethod
    def _add(segs: list[Seg], seg: Seg) -> Seg:
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

    def _add_seg(self, segs: list[Seg], kind: str, r: random.Random, gem: str, start: date, short: bool) -> Seg | None:
        picked = self._pick(kind, r, gem, start)
        if not picked:
            return None
        prod, prov = picked
        seg = Seg(kind, prod, prov, start, start + days(self._dur(kind, r, short)),
                  r.choices(*END_REASONS)[0])
        return self._add(segs, seg)

    def _plan_ambulant(self, segs: list[Seg], r: random.Random, gem: str, start: date, n: int) -> None:
        cur = start
        for _ in range(n):
            seg = self._add_seg(segs, "ambulant", r, gem, cur, False)
            if seg is None:
                return
            if r.random() < 0.3:
                cur = cur + days(r.randint(20, max(21, (seg.end - seg.start).days)))
            else:
                cur = seg.end + days(r.randint(14, 240))

    def _plan_stay(self, segs: list[Seg], r: random.Random, gem: str, start: date, short: bool,
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
            picked = self._pick(kind, r, gem, s_date, exclude=exclude, prefer=prefer)
            if not picked:
                break
            prod, prov = picked
            length = carry if carry is not None else self._dur(kind, r, short)
            seg = self._add(segs, Seg(kind, prod, prov, s_date, s_date + days(max(7, length)),
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

    def _plan(self, y: Youth, r: random.Random, t0: date, kind: str, profile: str | None) -> list[Seg]:
        segs: list[Seg] = []
        gem = y.gemeente
        short = profile is not None
        if kind == "ambulant":
            self._plan_ambulant(segs, r, gem, t0, r.choices([1, 2, 3], [55, 30, 15])[0])
            return segs
        if kind == "tom_in":
            tom = self._add_seg(segs, "tom_instroom", r, gem, t0, short)
            if tom is None:
                return segs
            if profile is None and r.random() < 0.4:
                self._plan_ambulant(segs, r, gem, t0 + days(r.randint(0, 30)), 1)
            if profile == "tom_in_fail" or (profile is None and r.random() < 0.28):
                self._plan_stay(segs, r, gem, tom.end + days(r.randint(1, 100)), short, max_segs=2)
            elif profile is None and r.random() < 0.1:
                self._plan_stay(segs, r, gem, tom.end + days(r.randint(130, 400)), short, max_segs=2)
            return segs
        # verblijf
        start = t0
        if profile is None and r.random() < 0.4:
            self._plan_ambulant(segs, r, gem, t0, 1)
            start = t0 + days(r.randint(30, 200))
        first = {"parttime": "pleegzorg_deeltijd", "crisis_chain": "crisis", "stay_switch": "behandeld_wonen",
                 "replace_within": "behandeld_wonen", "replace_beyond": "gezinshuis",
                 "stay_tom_out": "behandeld_wonen", "gesloten": "gesloten"}.get(profile or "")
        max_segs = 1 if profile in ("replace_within", "replace_beyond", "stay_tom_out", "parttime") else 4
        last_end = self._plan_stay(segs, r, gem, start, short, first, max_segs=max_segs,
                                   force_switch=profile == "stay_switch")
        if profile == "stay_tom_out" or (profile is None and r.random() < 0.25):
            tom = self._add_seg(segs, "tom_uitstroom", r, gem, last_end + days(r.randint(1, 14)), short)
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
            self._plan_stay(segs, r, gem, last_end + days(gap), short,
                            "pleegzorg" if profile == "replace_beyond" else None,
                            max_segs=1 if profile else 2)
        if profile is None:
            u = r.random()
            if u < 0.35:
                self._plan_ambulant(segs, r, gem, last_end + days(r.randint(0, 60)), 1)
            elif u < 0.55:
                self._plan_ambulant(segs, r, gem, start + days(r.randint(0, 60)), 1)
        return segs

    # ------------------------------------------------------------------ realising one segment
    def _wait(self, r: random.Random, seg: Seg) -> int:
        """Days between Ingangsdatum and the real start (AP01: mostly <= 28, a provider-specific tail longer)."""
        if seg.prod.crisis:
            return 0
        tail = self.prov_profile[seg.prov.agb].p_wait_long
        u = r.random()
        if seg.prod.is_verblijf and seg.kind not in ("tom_instroom", "tom_uitstroom"):
            return 0 if u < 0.5 else (r.randint(1, 21) if u < 1 - tail / 2 else r.randint(22, 60))
        return int(r.triangular(0, 28, 8)) if u < 1 - tail else r.randint(29, 100)

    def _version(self, ys: YouthState, a: Assignment, d: date, ingang: date, eind: date, reden: str | None,
                 ref: str | None) -> None:
        key = (d, a.prov.agb)
        ev = ys.events.get(key)
        if ev is None:
            ev = ys.events[key] = Event(self._ttime(ys.r))
        if a.versions and d <= a.versions[-1].tdate:
            raise AssertionError("versions of an assignment must have increasing dates")
        v = Version(d, ev.ttime, ingang, eind, reden, ref)
        a.versions.append(v)
        ev.changes[a.nr] = v

    def _realise(self, ys: YouthState, seg: Seg) -> None:
        r, y, cal, until = ys.r, ys.youth, self.cal, self.until
        prov, prod, S, E = seg.prov, seg.prod, seg.start, seg.end
        gem, agb = y.gemeente, prov.agb
        gp, pp = self.gem_profile[gem], self.prov_profile[agb]
        stock = S < self.start + days(5)
        kind = seg.kind
        volume = self._volume(prod, r)

        if prod.crisis:
            months = 1
        elif kind == "ambulant":
            months = r.choice([3, 6, 6, 12])
        elif kind in ("gesloten", "tom_instroom", "tom_uitstroom"):
            months = 6
        else:
            months = 12

        # ---- Ingangsdatum, first 301 (D1) and the request behind it
        ref: str | None = None
        via_vot = False
        if stock:
            ingang = S - days(r.randint(0, 14))
            d1 = cal.next_wd(self.start + days(r.randint(0, 20)))
        else:
            ingang = max(self.start, S - days(self._wait(r, seg)))
            d1 = ingang  # placeholder
        eind0 = add_months(ingang, months) - days(1)
        while eind0 < d1 + days(30):
            eind0 = add_months(eind0 + days(1), 6) - days(1)
        if not stock:
            p_vot = 0.0 if prod.crisis else P_VOT.get(kind, 0.2)
            use_vot = p_vot > 0 and (self.need["vot_319_2"] > 0 or r.random() < p_vot)
            req = cal.prev_wd(ingang - days(r.randint(3, 25)))
            if req < self.start:
                use_vot = False
            if use_vot and ys.request_free(agb, req - days(10), req + days(60)):
                ref, d1 = self._vot_for_assignment(ys, prod, prov, ingang, eind0, volume, req)
                via_vot = True
            else:
                late = (prod.crisis and r.random() < 0.7) or self._want("late_301", gp.p_301_late, r)
                if late:
                    d1 = cal.next_wd(ingang + days(r.randint(0, 20)))
                else:
                    d1 = cal.prev_wd(ingang - days(r.randint(1, 21)))
                    if d1 < self.start:
                        d1 = cal.next_wd(self.start)
                if late and d1 <= until:
                    self._done("late_301")
            while eind0 < d1 + days(30):
                eind0 = add_months(eind0 + days(1), 6) - days(1)
        if d1 > until:
            return  # not yet assigned at peildatum

        # care that ends exactly on the assignment's end date
        if kind == "ambulant" and not stock and abs((E - eind0).days) < 45 and eind0 > S + days(30) \
                and r.random() < 0.5:
            E = eind0

        # ---- delivery: starts, (temporary) stops
        span = (E - S).days
        variant = None
        if span >= 100:
            p_temp = 0.05 if prod.is_verblijf else 0.025
            if self.need["temp_restart"] > 0:
                variant = "restart"
            elif self.need["temp_definitive"] > 0:
                variant = "definitive"
            elif r.random() < p_temp:
                variant = "restart" if r.random() < 0.55 else "definitive"
        if variant:
            t_stop = S + days(r.randint(20, span - 70))
            if variant == "restart":
                t_restart = t_stop + days(r.randint(7, 30))
                blocks = [(S, [("20", t_stop)]), (t_restart, [(seg.end_reason, E)])]
                delivered = [(S, t_stop), (t_restart, E)]
            else:
                E = t_stop + days(r.randint(0, 21))
                blocks = [(S, [("20", t_stop), (r.choice(["32", "33", "34"]), E)])]
                delivered = [(S, t_stop)]
        else:
            blocks = [(S, [(seg.end_reason, E)])]
            delivered = [(S, E)]

        # ---- the assignment and its versions
        a = Assignment(self._next_nr(), y, gem, prov, prod, ingang, volume)
        ys.asgs.append(a)
        if not via_vot and not stock and self._want("del13", 0.02, r):
            alts = [p for p in prov.products if p.code != prod.code]
            d0 = cal.prev_wd(d1 - days(r.randint(2, 10)))
            if alts and d0 >= self.start:
                alt = alts[r.randrange(len(alts))]
                w = Assignment(self._next_nr(), y, gem, prov, alt, ingang, self._volume(alt, r), deleted=True)
                ys.asgs.append(w)
                self._version(ys, w, d0, ingang, eind0, None, None)
                self._version(ys, w, d1, ingang, ingang, "13", None)
                self._done("del13")
        self._version(ys, a, d1, ingang, eind0, None, ref)

        eind = eind0
        while eind < E:
            last = a.versions[-1].tdate
            vd = max(cal.prev_wd(eind - days(r.randint(3, 25))), last + days(1))
            if vd > until:
                break
            ext = add_months(eind, r.choice([1, 2] if prod.crisis else [6, 12]))
            honoured = False
            if not stock and self._want("vow_ok", 0.03, r):
                q = max(cal.prev_wd(vd - days(r.randint(4, 12))), last + days(1))
                ans = cal.add(q, r.randint(1, 5))
                if ans <= eind and ans <= until and ys.request_free(agb, q - days(5), ans):
                    vref = self._ref("VOW", agb)
                    ys.vows.append(VowSpec(q, a, vref, "ok",
                                           VowChange(a.nr, ingang, ext, volume, prod.eenheid, prod.frequentie), ans))
                    ys.requests.append((agb, q, ans))
                    self._version(ys, a, ans, ingang, ext, "12", vref)
                    honoured = True
            if not honoured:
                self._version(ys, a, vd, ingang, ext, "04", None)
                self._done("ext04")
            eind = ext

        if E <= until and E < eind - days(14):
            if seg.end_reason == "36":
                reden = "03"
            elif seg.end_reason == "38" and r.random() < 0.5:
                reden = "09"
            else:
                reden = "05"
            if (reden == "05" and self._want("short05", 0.55, r)) or (reden != "05" and r.random() < 0.6):
                vd = max(cal.next_wd(E + days(r.randint(0, 2))), a.versions[-1].tdate + days(1))
                if vd <= until:
                    self._version(ys, a, vd, ingang, E, reden, None)
                    if reden == "05":
                        self._done("short05")

        if kind == "ambulant" and not stock and span >= 120 and self._want("vow_rejected", 0.02, r):
            q = cal.next_wd(S + days(r.randint(30, span - 60)))
            ans = cal.add(q, r.randint(1, 5))
            gewenst = month_start(add_months(q, 1))
            cur_eind = a.eind_asof(q)
            if q > d1 and ans <= until and cur_eind >= gewenst and ys.request_free(agb, q - days(5), ans):
                vref = self._ref("VOW", agb)
                ys.vows.append(VowSpec(q, a, vref, "rejected",
                                       VowChange(a.nr, gewenst, cur_eind, volume + 4, prod.eenheid, prod.frequentie),
                                       ans, reason=r.choice(["2", "4", "7"])))
                ys.requests.append((agb, q, ans))

        # ---- 305 / 307
        self._startstop(ys, a, blocks, d1, pp)
        # ---- months delivered, to be declared
        self._candidates(a, delivered, r)

    def _vot_for_assignment(self, ys: YouthState, prod: Product, prov: Provider, ingang: date, einde: date,
                            volume: int, req: date) -> tuple[str, date]:
        r, cal, until = ys.r, self.cal, self.until
        y, agb, gem = ys.youth, prov.agb, ys.youth.gemeente
        verwijzer = r.choice(["02", "02", "02", "03", "01", "04", "05"])
        if self._want("rej_316", 0.01, r) and cal.add(req, 3) <= until:
            wrong = next((p for p in self.cat.products if p.category != prod.category), None)
            if wrong is not None:
                bad = VotLine(self._ref("VOT", agb), prod.category, wrong.code, ingang, einde, volume, prod.eenheid,
                              prod.frequentie, verwijzer)
                h0 = self._hdr("JW315", agb, gem, req)
                text, n = render.jw315(h0, y, [bad])
                self._write(h0, text, n, y)
                rd = self._retour(h0, rc={"client": ("0200",), "lines": [("S329",)]}, y=y, lines=[bad])
                if rd is not None:
                    req = max(self._send(rd, r.randint(0, 1)), req + days(1))
                    self._done("rej_316")
        ref = self._ref("VOT", agb)
        line = VotLine(ref, prod.category, prod.code, ingang, einde, volume, prod.eenheid, prod.frequentie, verwijzer)
        in_onderzoek = self._want("vot_319_2", 0.12, r)
        a2 = None
        if in_onderzoek:
            a2 = cal.add(req, r.randint(1, 4))
            d1 = cal.next_wd(req + days(r.randint(15, 50)))
        else:
            k = r.randint(6, 20) if r.random() < self.gem_profile[gem].p_vot_late else r.randint(1, 5)
            d1 = cal.add(req, k)
        if req <= until:
            h = self._hdr("JW315", agb, gem, req)
            text, n = render.jw315(h, y, [line])
            self._write(h, text, n, y)
            self._retour(h)
            if a2 is not None and a2 <= until:
                self._emit_319(ys, gem, agb, a2, ref, "2", None, None, allow_reject=False)
                if d1 <= until:
                    self._done("vot_319_2")
        ys.requests.append((agb, req, d1))
        return ref, d1

    def _emit_319(self, ys: YouthState, gem: str, agb: str, d: date, ref: str, antwoord: str, reden: str | None,
                  woonplaats: str | None, allow_reject: bool) -> None:
        r = ys.r
        if allow_reject and self.cal.add(d, 3) <= self.until and self._want("rej_320", 0.02, r):
            bad_ref = ref.replace("-", "/", 1)  # a typing error: no request has this reference
            h0 = self._hdr("JW319", gem, agb, d)
            text, n = render.jw319(h0, bad_ref, antwoord, reden, woonplaats)
            self._write(h0, text, n)
            rc = {"antwoord": ("9355",), "woonplaats": ("0200",)}
            rd = self._retour(h0, rc=rc, ref=bad_ref, antwoord=antwoord, reden=reden, woonplaats=woonplaats)
            if rd is None:
                return
            d = max(self._send(rd, r.randint(0, 1)), d + days(1))
            if d > self.until:
                return
            self._done("rej_320")
        h = self._hdr("JW319", gem, agb, d)
        text, n = render.jw319(h, ref, antwoord, reden, woonplaats)
        self._write(h, text, n)
        self._retour(h)

    def _emit_startstop(self, ys: YouthState, agb: str, mtype: str, d: date, lines: list,
                        rc: dict | None = None) -> date | None:
        """Write a 305/307 and its retour; with rc the retour rejects it and its date is returned."""
        y = ys.youth
        h = self._hdr(mtype, agb, y.gemeente, d)
        text, n = (render.jw305 if mtype == "JW305" else render.jw307)(h, y, lines)
        self._write(h, text, n, y)
        if rc is not None:
            return self._retour(h, rc=rc, y=y, lines=lines)
        self._retour(h)
        return d

    def _startstop(self, ys: YouthState, a: Assignment, blocks, d1: date, pp: ProviderProfile) -> None:
        r, cal, until = ys.r, self.cal, self.until
        agb = a.prov.agb
        cat, code, ingang = a.prod.category, a.prod.code, a.ingang
        last = d1 - days(1)
        for bi, (b, stops) in enumerate(blocks):
            d = max(self._send(max(b, d1), self._late_k(pp, r)), last + days(1))
            if d > until:
                return
            line = StartLine(a.nr, cat, code, ingang, b)
            done = False
            variant = None
            for key, p in (("corr_305_key", 0.012), ("corr_305_ingang", 0.008), ("rej_306", 0.004)):
                if key == "rej_306" and cal.add(d, 3) > until:
                    continue
                if self._want(key, p, r):
                    variant = key
                    break
            if variant == "corr_305_key":
                wrong = StartLine(a.nr, cat, code, ingang, b + days(r.randint(1, 5)))
                d2 = cal.next_wd(d + days(r.randint(1, 10)))
                if d2 <= until:
                    self._emit_startstop(ys, agb, "JW305", d, [wrong])
                    self._emit_startstop(ys, agb, "JW305", d2, [wrong.deleted(), line])
                    last, done = d2, True
                    self._done(variant)
            elif variant == "corr_305_ingang":
                wrong = StartLine(a.nr, cat, code, ingang + days(r.randint(1, 14)), b)
                d2 = cal.next_wd(d + days(r.randint(1, 7)))
                d3 = cal.next_wd(d2 + days(r.randint(1, 5)))
                if d3 <= until:
                    self._emit_startstop(ys, agb, "JW305", d, [wrong])
                    self._emit_startstop(ys, agb, "JW305", d2, [wrong.deleted()])
                    self._emit_startstop(ys, agb, "JW305", d3, [line])
                    last, done = d3, True
                    self._done(variant)
            elif variant == "rej_306":
                bad = StartLine(int(f"9{a.nr}"), cat, code, ingang, b)  # mistyped ToewijzingNummer
                rd = self._emit_startstop(ys, agb, "JW305", d, [bad], rc={"client": ("0200",), "lines": [("9019",)]})
                if rd is None:
                    return
                d2 = max(self._send(rd, r.randint(0, 2)), d + days(1))
                if d2 > until:
                    return
                self._emit_startstop(ys, agb, "JW305", d2, [line])
                last, done = d2, True
                self._done(variant)
            if not done:
                self._emit_startstop(ys, agb, "JW305", d, [line])
                last = d
            if bi == 1:
                self._done("temp_restart")
            for si, (reden, einde) in enumerate(stops):
                d = max(self._send(einde, self._late_k(pp, r)), last + days(1))
                if d > until:
                    return
                line = StopLine(a.nr, cat, code, ingang, b, reden, einde)
                done = False
                variant = None
                if reden != "20":
                    for key, p in (("corr_307_reden", 0.01), ("corr_307_eind", 0.008), ("rej_308", 0.004)):
                        if key == "corr_307_eind" and (len(stops) > 1 or (einde - b).days < 10):
                            continue
                        if key == "rej_308" and cal.add(d, 3) > until:
                            continue
                        if self._want(key, p, r):
                            variant = key
                            break
                if variant == "corr_307_reden":
                    first = StopLine(a.nr, cat, code, ingang, b, "31" if reden != "31" else "34", einde)
                    d2 = cal.next_wd(d + days(r.randint(3, 20)))
                    if d2 <= until:
                        self._emit_startstop(ys, agb, "JW307", d, [first])
                        self._emit_startstop(ys, agb, "JW307", d2, [first.deleted(), line])
                        last, done = d2, True
                        self._done(variant)
                elif variant == "corr_307_eind":
                    wrong = StopLine(a.nr, cat, code, ingang, b, reden, einde - days(r.randint(1, 5)))
                    d2 = cal.next_wd(d + days(r.randint(1, 7)))
                    d3 = cal.next_wd(d2 + days(r.randint(1, 5)))
                    if d3 <= until:
                        self._emit_startstop(ys, agb, "JW307", d, [wrong])
                        self._emit_startstop(ys, agb, "JW307", d2, [wrong.deleted()])
                        self._emit_startstop(ys, agb, "JW307", d3, [line])
                        last, done = d3, True
                        self._done(variant)
                elif variant == "rej_308":
                    bad = StopLine(a.nr, cat, code, ingang, b - days(1), reden, einde)  # no start with this key
                    rc = {"client": ("0200",), "lines": [("9069",)]}
                    rd = self._emit_startstop(ys, agb, "JW307", d, [bad], rc=rc)
                    if rd is None:
                        return
                    d2 = max(self._send(rd, r.randint(0, 2)), d + days(1))
                    if d2 > until:
                        return
                    self._emit_startstop(ys, agb, "JW307", d2, [line])
                    last, done = d2, True
                    self._done(variant)
                if not done:
                    self._emit_startstop(ys, agb, "JW307", d, [line])
                    last = d
                if si == 1:
                    self._done("temp_definitive")

    def _candidates(self, a: Assignment, delivered: list[tuple[date, date]], r: random.Random) -> None:
        key = (a.prov.agb, a.gemeente)
        m = month_start(max(self.start, delivered[0][0]))
        last_day = min(delivered[-1][1], self.until)
        etmaal = a.prod.eenheid == "14"
        while m <= last_day:
            me = month_end(m)
            if etmaal:  # nights: from the first day up to the day before leaving
                units = sum(max(0, (min(b - days(1), me) - max(s, m)).days + 1) for s, b in delivered)
                if units > 0:
                    vol = max(1, round(units * a.volume / 7)) if a.prod.part_time else units
                    self.cands[key].append((a, m, vol, False))
            else:
                dd = sum(max(0, (min(b, me) - max(s, m)).days + 1) for s, b in delivered)
                if dd > 0:
                    vol = max(1, round(a.volume * dd / me.day * r.uniform(0.6, 1.0)))
                    self.cands[key].append((a, m, vol, False))
            m = add_months(m, 1)

    # ------------------------------------------------------------------ requests without an assignment
    def _standalone_vot(self, ys: YouthState, t0: date) -> None:
        r, cal, until = ys.r, self.cal, self.until
        if not self._want("vot_319_1", 0.035, r):
            return
        y, gem = ys.youth, ys.youth.gemeente
        req = cal.next_wd(max(self.start, t0) + days(r.randint(0, 200)))
        if req > until - days(20):
            return
        picked = self._pick("ambulant", r, gem, req)
        if picked is None:
            return
        prod, prov = picked
        ans = cal.add(req, r.randint(6, 12) if r.random() < 0.1 else r.randint(1, 5))
        if ans > until or not ys.request_free(prov.agb, req - days(5), ans):
            return
        ref = self._ref("VOT", prov.agb)
        ing = req + days(r.randint(7, 21))
        line = VotLine(ref, prod.category, prod.code, ing, add_months(ing, 6) - days(1), self._volume(prod, r),
                       prod.eenheid, prod.frequentie, r.choice(["01", "02", "03"]))
        h = self._hdr("JW315", prov.agb, gem, req)
        text, n = render.jw315(h, y, [line])
        self._write(h, text, n, y)
        self._retour(h)
        reden = r.choice(["1", "3", "4", "5", "7", "8"])
        woonplaats = None
        if reden == "8":
            if self.cat.other_municipalities:
                woonplaats = r.choice(self.cat.other_municipalities).code
            else:
                reden = "5"
        self._emit_319(ys, gem, prov.agb, ans, ref, "1", reden, woonplaats, allow_reject=True)
        ys.requests.append((prov.agb, req, ans))
        self._done("vot_319_1")

    # ------------------------------------------------------------------ 301 snapshots and 317s
    def _render_301(self, ys: YouthState) -> None:
        r, cal, until, y = ys.r, self.cal, self.until, ys.youth
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
            h = self._hdr("JW301", y.gemeente, agb, d)
            text, n = render.jw301(h, y, lines)
            self._write(h, text, n, y)
            if all(v.reden == "04" for v in ev.changes.values()) and cal.add(d, 3) <= until \
                    and self._want("rej_302", 0.004, r):
                rc = {"client": ("0200",), "relatie": ("0200",), "contact": ("0200",),
                      "lines": [("9332",) if ln.nr in ev.changes else ("0200",) for ln in lines]}
                rd = self._retour(h, rc=rc, y=y, lines=lines)
                if rd is not None:
                    d2 = max(self._send(rd, r.randint(0, 2)), d + days(1))
                    if d2 <= until:  # the gemeente sends the same content again
                        h2 = self._hdr("JW301", y.gemeente, agb, d2)
                        text, n = render.jw301(h2, y, lines)
                        self._write(h2, text, n, y)
                        self._retour(h2)
                        self._done("rej_302")
            else:
                self._retour(h)

    @staticmethod
    def _current(a: Assignment, q: date) -> bool:
        if a.first_dag > q:
            return False
        v = None
        for x in a.versions:
            if x.tdate <= q:
                v = x
        return v is not None and v.reden != "13" and v.eind >= q

    def _render_vows(self, ys: YouthState) -> None:
        r, cal, until, y = ys.r, self.cal, self.until, ys.youth
        for vs in sorted(ys.vows, key=lambda v: (v.q, v.asg.nr)):
            if vs.q > until:
                continue
            a = vs.asg
            agb, gem = a.prov.agb, y.gemeente
            others = [o.nr for o in sorted(ys.asgs, key=lambda o: o.nr)
                      if o is not a and o.prov.agb == agb and self._current(o, vs.q)]
            reden = "2" if vs.kind == "ok" else "1"
            if self._want("rej_318", 0.05, r):
                q0 = cal.prev_wd(vs.q - days(3))
                if q0 > a.first_dag:
                    bad_ref = self._ref("VOW", agb)
                    bad = [replace(vs.change, nr=int(f"9{a.nr}"))]  # mistyped ToewijzingNummer
                    h0 = self._hdr("JW317", agb, gem, q0)
                    text, n = render.jw317(h0, y.bsn, bad_ref, reden, others, bad)
                    self._write(h0, text, n, y)
                    rc = {"client": ("0200",), "verzoek": ("0200",), "ongewijzigd": ("0200",),
                          "tewijzigen": ("9351",)}
                    rd = self._retour(h0, rc=rc, bsn=y.bsn, ref=bad_ref, reden=reden, unchanged=others, changes=bad)
                    if rd is not None and rd <= vs.q:
                        self._done("rej_318")
            h = self._hdr("JW317", agb, gem, vs.q)
            text, n = render.jw317(h, y.bsn, vs.ref, reden, others, [vs.change])
            self._write(h, text, n, y)
            self._retour(h)
            if vs.kind == "ok":
                self._done("vow_ok")
            else:
                self._emit_319(ys, gem, agb, vs.answer, vs.ref, "1", vs.reason, None, allow_reject=True)
                self._done("vow_rejected")

    # ------------------------------------------------------------------ 323 / 325
    def _declarations(self) -> None:
        r, cal, until = self.rng_decl, self.cal, self.until
        decl_dates: dict[tuple[str, date], date] = {}
        last_m = month_start(until)
        for key in sorted(self.cands):
            agb, gem = key
            pp, gp = self.prov_profile[agb], self.gem_profile[gem]
            due: dict[date, list[tuple]] = defaultdict(list)
            for a, m, vol, _ in self.cands[key]:
                dm = max(add_months(m, 1), add_months(month_start(a.first_dag), 1))
                late = self._want_once("late_decl", pp.p_decl_late, r)
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
                    lines = self._declaration_lines(agb, m, dd, items, due, r, pp)
                    if lines:
                        self._emit_declaration(agb, gem, m, dd, lines, due, r, pp, gp)
                m = add_months(m, 1)

    def _declaration_lines(self, agb: str, m: date, dd: date, items: list[tuple], due, r: random.Random,
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
                wrong = self._want_once("reject_0611", pp.p_wrong_tariff, r)
                if wrong:
                    tariff += r.choice([125, 250, 400])
                lines.append(Prestatie(self._pref(agb), None, a, begin, end, vol, tariff, "D", wrong))
                if late:
                    self._done("late_decl")
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
                    lines.append(Prestatie(self._pref(agb), None, a, orig.begin, end, vol,
                                           a.prod.tariff(orig.begin.year), "D"))
            else:  # credit of an approved debit, usually with a corrected new debit
                lines.append(Prestatie(self._pref(agb), orig.ref, a, orig.begin, orig.end, orig.volume, orig.tariff,
                                       "C"))
                self._done("credit")
                if it[2]:
                    if a.prod.eenheid == "14":
                        vol = orig.volume - r.randint(1, 3)
                    else:
                        vol = orig.volume + r.choice([-2, -1, 1, 2])
                    end = min(orig.end, a.eind_asof(dd))
                    if vol > 0 and end >= orig.begin:
                        lines.append(Prestatie(self._pref(agb), None, a, orig.begin, end, vol, orig.tariff, "D"))
        return lines

    def _emit_declaration(self, agb: str, gem: str, m: date, dd: date, lines: list[Prestatie], due,
                          r: random.Random, pp: ProviderProfile, gp: GemeenteProfile) -> None:
        periode = add_months(m, -1)
        nummer = f"D{periode.year:04d}{periode.month:02d}{gem}"
        h = self._hdr("JW323", agb, gem, dd)
        text, n = render.jw323(h, nummer, periode, month_end(periode), lines)
        self._write(h, text, n)
        late = self._want("late_325", gp.p_325_late, r)
        d325 = self.cal.add(dd, r.randint(11, 30) if late else r.randint(1, 10))
        if d325 > self.until:
            if any(x.wrong_tariff for x in lines):
                self._pending.discard("reject_0611")
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
        h325 = self._hdr("JW325", gem, agb, d325)
        text, n = render.jw325(h325, h, nummer, lines)
        self._write(h325, text, n)
        if late:
            self._done("late_325")
        if any(x.outcome == "0611" for x in lines):
            self._done("reject_0611")
        for x in lines:
            if x.dc != "D":
                continue
            if x.outcome != "ok":
                due[add_months(m, r.randint(1, 2))].append(("redebit", x))
            elif self._want_once("credit", 0.02, r):
                due[add_months(m, r.randint(1, 3))].append(("credit", x, r.random() < 0.75))
