"""The synthetic region: youths, their care trajectories, and the iJw messages that describe them.

How it works (see docs/demo-region.md for the story), one module per phase:

1. every youth is drawn (population.py) and gets a *plan*: a list of care segments (product, provider, real
   start, real end) — ambulant care, stays made of one or more verblijf segments (with provider switches and
   re-placements), TOM (planning.py);
2. each segment is *realised* as one assignment: its 301 versions (first version, verlengingen, intrekking,
   sometimes a deleted predecessor) (assignments.py), the request that led to it (315/319, care_requests.py),
   its 305/307 messages (with temporary stops, corrections, lateness; startstop.py) and the months it was
   delivered (declarations.py);
3. per youth the 301 snapshots (all current assignments of the client at that provider) and the 317s are
   rendered once all of the youth's assignments are known;
4. per provider × municipality the delivered months become monthly 323 declarations, answered by 325s
   (rejections, credits, re-debits, late declaring; declarations.py).

Every message goes through the outbox (outbox.py: identification, files, retours); scenarios.py makes sure a
small region still holds every scenario; profiles.py gives each provider and municipality its punctuality.

Determinism: one `random.Random` per youth (seeded from the seed and the youth number) plus fixed streams for
retours, declarations and profiles; everything is iterated in sorted order; no wall-clock time is used.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date
from pathlib import Path

from jeugdkpi.generate import people
from jeugdkpi.generate.assignments import realise, render_301
from jeugdkpi.generate.calendar import WorkCalendar
from jeugdkpi.generate.care_requests import render_vows, standalone_vot
from jeugdkpi.generate.catalog import Catalog
from jeugdkpi.generate.declarations import declarations
from jeugdkpi.generate.model import Assignment, YouthState
from jeugdkpi.generate.outbox import Outbox
from jeugdkpi.generate.planning import Planner, days
from jeugdkpi.generate.population import draw_youth, forced_profile
from jeugdkpi.generate.profiles import draw_profiles
from jeugdkpi.generate.scenarios import Scenarios


class Simulation:
    """The state the phases share: the region's reference data, calendar and period, the outbox, the scenarios
    still needed, the parties' profiles, and the months delivered per (provider, municipality)."""

    def __init__(self, out_berichten: Path, seed: int, catalog: Catalog, cal: WorkCalendar, start: date,
                 until: date):
        self.seed = seed
        self.cat = catalog
        self.cal = cal
        self.start = start
        self.until = until
        self.span_days = max(1, (until - start).days)
        self.out = Outbox(out_berichten, seed, cal, until)
        self.scen = Scenarios()
        self.planner = Planner(catalog)
        self.rng_decl = random.Random(f"jeugdkpi:{seed}:declaraties")
        # (provider, municipality) -> [(assignment, month, volume, _)]: what is to be declared
        self.cands: dict[tuple[str, str], list[tuple[Assignment, date, int, bool]]] = defaultdict(list)
        self.prov_profile, self.gem_profile = draw_profiles(seed, catalog)

    def run(self, n_youths: int) -> None:
        pool = people.bsn_pool(n_youths, random.Random(f"jeugdkpi:{self.seed}:bsn"))
        for i in range(n_youths):
            r = random.Random(f"jeugdkpi:{self.seed}:youth:{i}")
            self._youth(i, pool[i], r, forced_profile(i))
        declarations(self)

    def _youth(self, i: int, bsn: str, r: random.Random, profile: str | None) -> None:
        y, t0, kind = draw_youth(i, bsn, r, profile, self.cat, self.start, self.span_days)
        segs = self.planner.plan(y, r, t0, kind, profile)
        ys = YouthState(y, r)
        for seg in sorted(segs, key=lambda s: (s.start, s.prov.agb, s.prod.code)):
            if seg.end < self.start + days(20):
                continue
            realise(self, ys, seg)
        standalone_vot(self, ys, t0)
        render_301(self, ys)
        render_vows(self, ys)
