"""How punctual each provider and each municipality is: drawn once per seed, so the KPIs differ per party."""

from __future__ import annotations

import random
from dataclasses import dataclass

from jeugdkpi.generate.catalog import Catalog


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


def draw_profiles(seed: int, catalog: Catalog) -> tuple[dict[str, ProviderProfile], dict[str, GemeenteProfile]]:
    """The profile of every provider (by AGB) and of every municipality (by code), from a stream of their own."""
    r = random.Random(f"jeugdkpi:{seed}:profielen")
    late = [0.03, 0.04, 0.05, 0.06, 0.08, 0.1, 0.12, 0.15, 0.3, 0.45]
    decl = [0.02, 0.03, 0.05, 0.08, 0.12, 0.25]
    # waiting-time tail per provider; taken from the shuffled order (no extra draw, so the other profiles
    # and the whole region stay as they were for a given seed)
    wait = [0.06, 0.1, 0.14, 0.2, 0.28, 0.4, 0.08, 0.18, 0.12]
    provs = sorted(catalog.providers, key=lambda p: p.agb)
    order = list(range(len(provs)))
    r.shuffle(order)
    providers = {
        prov.agb: ProviderProfile(
            p_late_startstop=late[order[i] % len(late)],
            p_decl_late=decl[order[i] % len(decl)],
            p_wrong_tariff=r.choice([0.002, 0.004, 0.008, 0.015]),
            p_reject=r.choice([0.004, 0.008, 0.015]),
            p_wait_long=wait[order[i] % len(wait)],
        )
        for i, prov in enumerate(provs)
    }
    municipalities = {
        m.code: GemeenteProfile(
            p_301_late=r.choice([0.08, 0.12, 0.18, 0.25]),
            p_vot_late=r.choice([0.05, 0.1, 0.2, 0.3]),
            p_325_late=r.choice([0.03, 0.06, 0.1, 0.18]),
        )
        for m in catalog.municipalities
    }
    return providers, municipalities
