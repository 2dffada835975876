"""The region's youths: who they are (synthetic people), where they live, when their care starts and what kind."""

from __future__ import annotations

import random
from datetime import date, timedelta

from jeugdkpi.generate import people
from jeugdkpi.generate.catalog import Catalog
from jeugdkpi.generate.model import Youth

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


def forced_profile(i: int) -> str | None:
    """The stay pattern youth i must follow, or None (a random plan)."""
    return FORCED_PROFILES[i] if i < len(FORCED_PROFILES) else None


def draw_youth(i: int, bsn: str, r: random.Random, profile: str | None, cat: Catalog, start: date,
               span_days: int) -> tuple[Youth, date, str]:
    """Youth i, the day its care starts (t0; before `start` for the stock already in care) and the kind of care
    (ambulant, verblijf or tom_in)."""
    frac = r.random()
    stock = profile is None and r.random() < 0.14
    if profile:
        t0 = start + timedelta(days=r.randint(0, max(1, int(span_days * 0.1))))
        kind = PROFILE_KIND[profile]
    else:
        if stock:
            t0 = start - timedelta(days=r.randint(20, 540))
            p_v, p_t = 0.32, 0.03
        else:
            # the region's transformation: fewer new placements, more Thuis op Maat over the years
            t0 = start + timedelta(days=int(frac * max(1, span_days - 45)))
            p_v, p_t = 0.19 - 0.10 * frac, 0.02 + 0.06 * frac
        u = r.random()
        kind = "verblijf" if u < p_v else ("tom_in" if u < p_v + p_t else "ambulant")
    munis = cat.municipalities
    gem = r.choices(munis, [m.weight for m in munis])[0]
    return _make_youth(i, bsn, r, t0, kind, gem.code, gem.name), t0, kind


def _make_youth(i: int, bsn: str, r: random.Random, t0: date, kind: str, gem: str, place: str) -> Youth:
    if r.random() < 0.05:
        age = r.randint(18, 21)
    elif kind == "verblijf":
        age = int(r.triangular(0, 18, 13))
    else:
        age = int(r.triangular(1, 18, 10))
    birth = t0 - timedelta(days=int(age * 365.25) + r.randint(0, 364))
    has_parent = r.random() < 0.45
    first = people.first_name(i)
    return Youth(
        idx=i, bsn=bsn, birth=birth, gender="1" if r.random() < 0.53 else "2", gemeente=gem,
        surname=people.surname(i), first_name=first, initials=first[0].upper(),
        house_number=1 + (i * 13) % 240, postcode=people.postcode(i), place=place,
        parent_surname=people.parent_surname(i) if has_parent else None,
        phone=people.phone(i) if has_parent else None,
    )
