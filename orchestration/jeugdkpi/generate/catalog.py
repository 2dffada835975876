"""The region's reference data for the demo generator, read from the seeds (the single source of truth).

* products: `seeds/products.csv` — only rows with a regional product code are assigned (a 323 always needs a
  code); the row's care_form decides the unit (etmalen for verblijf, hours for ambulant and TOM).
* providers: `seeds/providers.csv` — AGB code, contract dates. Which products a provider delivers is derived
  from its *name* with the keyword rules below (the pleegzorg provider does pleegzorg, ...); the product codes
  themselves always come from products.csv.
* municipalities: `seeds/municipalities.csv` — default: the rows with region "Flevoland".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from jeugdkpi import seeds
from jeugdkpi.regions import DEMO_REGION

VERBLIJF_FORMS = frozenset(
    {"behandeld_wonen", "verblijf_overig", "gesloten", "gezinshuis", "pleegzorg", "tom_instroom", "tom_uitstroom"}
)
TOM_FORMS = frozenset({"tom_instroom", "tom_uitstroom"})
DEFAULT_REGION = DEMO_REGION  # the default of JEUGDKPI_REGIO (jeugdkpi/regions.py)

# Provider-name keyword -> [(care_form, product-name keyword or None, product-name exclusion or None)].
# All matching rules apply; a provider matching none gets GENERAL_ROLE (a broad youth-care foundation).
ROLE_RULES: list[tuple[str, list[tuple[str, str | None, str | None]]]] = [
    ("pleegzorg", [("pleegzorg", None, None)]),
    ("gezinshui", [("gezinshuis", None, None)]),
    ("ggz", [("ambulant", "ggz", None), ("behandeld_wonen", "ggz", None)]),
    ("behandelcentrum", [("behandeld_wonen", None, "ggz"), ("ambulant", "behandeling", "gezins")]),
    ("gesloten", [("gesloten", None, None)]),
    ("thuis op maat", [("tom_instroom", None, None), ("tom_uitstroom", None, None)]),
    ("kamertraining", [("verblijf_overig", "kamertraining", None)]),
    ("dagbehandeling", [("ambulant", "dagbehandeling", None)]),
    ("crisis", [("verblijf_overig", "crisis", None)]),
    ("ambulant", [("ambulant", "ambulante", None)]),
    ("jeugdzorg", [("ambulant", "ambulante", None), ("verblijf_overig", "logeer", None)]),
]
GENERAL_ROLE: list[tuple[str, str | None, str | None]] = [
    ("ambulant", "ambulante begeleiding", None),
    ("ambulant", "ambulante behandeling", None),
    ("behandeld_wonen", "behandelgroep verblijf", None),
    ("verblijf_overig", "begeleid wonen", None),
]

# Contract tariffs in euro cents per unit (etmaal or hour) in BASE_TARIFF_YEAR, indexed 3 % a year.
BASE_TARIFF_YEAR = 2022
BASE_TARIFFS = {
    "pleegzorg": 5200,
    "gezinshuis": 16500,
    "behandeld_wonen": 29500,
    "gesloten": 61000,
    "verblijf_overig": 13800,
    "tom_instroom": 10400,
    "tom_uitstroom": 10400,
    "ambulant": 9800,
}
TARIFF_FACTORS = [("crisis", 2.6), ("klinisch", 1.4), ("intensieve", 1.25), ("ggz", 1.25), ("dagbehandeling", 0.8),
                  ("behandeling", 1.12)]

# Approximate number of 0-22 year olds (share of the region), used to spread youths over municipalities.
MUNICIPALITY_WEIGHTS = {"0034": 45, "0995": 18, "0303": 10, "0171": 11, "0184": 8, "0050": 8}


@dataclass(frozen=True)
class Product:
    category: str
    code: str
    care_form: str
    name: str
    eenheid: str  # 14 etmaal, 04 uur
    frequentie: str  # 2 per week (etmalen), 4 per month (hours)
    base_tariff: int
    part_time: bool  # part-time / weekend foster care: fewer than 4 etmalen a week
    crisis: bool

    @property
    def is_verblijf(self) -> bool:
        return self.care_form in VERBLIJF_FORMS

    def tariff(self, year: int) -> int:
        return round(self.base_tariff * 1.03 ** (year - BASE_TARIFF_YEAR))


@dataclass(frozen=True)
class Provider:
    agb: str
    name: str
    contract_from: date
    contract_to: date | None
    products: tuple[Product, ...]

    def under_contract(self, d: date) -> bool:
        return self.contract_from <= d and (self.contract_to is None or d <= self.contract_to)


@dataclass(frozen=True)
class Municipality:
    code: str
    name: str
    region: str
    weight: float


@dataclass
class Catalog:
    products: list[Product]
    providers: list[Provider]
    municipalities: list[Municipality]  # the generated region
    other_municipalities: list[Municipality]  # for woonplaatsbeginsel answers
    _by_product: dict[str, list[Provider]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for prov in self.providers:
            for prod in prov.products:
                self._by_product.setdefault(prod.code, []).append(prov)

    def providers_for(self, prod: Product) -> list[Provider]:
        return self._by_product.get(prod.code, [])

    def municipality(self, code: str) -> Municipality:
        for m in self.municipalities:
            if m.code == code:
                return m
        raise KeyError(code)


def _read(path: Path) -> list[dict[str, str]]:
    return [{k: (v or "").strip() for k, v in row.items()} for row in seeds.rows(path.name, path.parent)]


def _tariff(care_form: str, name: str) -> int:
    base = BASE_TARIFFS.get(care_form, BASE_TARIFFS["ambulant"])
    lname = name.lower()
    for keyword, factor in TARIFF_FACTORS:
        if keyword in lname:
            return round(base * factor)
    return base


def _products(seeds_dir: Path) -> list[Product]:
    out = []
    for row in _read(seeds_dir / "products.csv"):
        code, form = row["product_code"], row["care_form"]
        if not code or form in ("geen_jeugdhulp", "onbekend", ""):
            continue
        lname = row["name"].lower()
        verblijf = form in VERBLIJF_FORMS and form not in TOM_FORMS
        out.append(
            Product(
                category=row["product_category"],
                code=code,
                care_form=form,
                name=row["name"],
                eenheid="14" if verblijf else "04",
                frequentie="2" if verblijf else "4",
                base_tariff=_tariff(form, row["name"]),
                part_time=form == "pleegzorg" and ("deeltijd" in lname or "weekend" in lname),
                crisis="crisis" in lname,
            )
        )
    return out


def _matches(prod: Product, rule: tuple[str, str | None, str | None]) -> bool:
    form, include, exclude = rule
    lname = prod.name.lower()
    return (
        prod.care_form == form
        and (include is None or include in lname)
        and (exclude is None or exclude not in lname)
    )


def _provider_products(name: str, products: list[Product]) -> list[Product]:
    lname = name.lower()
    rules = [r for keyword, rs in ROLE_RULES if keyword in lname for r in rs]
    if not rules:
        rules = GENERAL_ROLE
    return [p for p in products if any(_matches(p, r) for r in rules)]


def load_catalog(seeds_dir: Path, municipalities: list[str] | None = None) -> Catalog:
    products = _products(seeds_dir)
    providers: list[Provider] = []
    for row in _read(seeds_dir / "providers.csv"):
        providers.append(
            Provider(
                agb=row["provider_agb"],
                name=row["name"],
                contract_from=date.fromisoformat(row["contract_from"]) if row["contract_from"] else date(2015, 1, 1),
                contract_to=date.fromisoformat(row["contract_to"]) if row["contract_to"] else None,
                products=tuple(_provider_products(row["name"], products)),
            )
        )
    if not providers:
        raise ValueError("seeds/providers.csv has no providers")
    # Every product must be deliverable: products no provider's name claims go to the general provider(s).
    claimed = {p.code for prov in providers for p in prov.products}
    orphans = tuple(p for p in products if p.code not in claimed)
    if orphans:
        general = [i for i, prov in enumerate(providers) if not any(k in prov.name.lower() for k, _ in ROLE_RULES)]
        i = general[0] if general else 0
        prov = providers[i]
        providers[i] = Provider(prov.agb, prov.name, prov.contract_from, prov.contract_to, prov.products + orphans)

    rows = _read(seeds_dir / "municipalities.csv")
    known = {r["municipality_code"]: r for r in rows}
    if municipalities is None:
        codes = [r["municipality_code"] for r in rows if r["region"] == DEFAULT_REGION]
    else:
        codes = []
        for c in municipalities:
            c = c.strip()
            if c.isdigit() and len(c) < 4:
                c = c.zfill(4)
            if c not in known:
                raise ValueError(f"municipality {c!r} is not in seeds/municipalities.csv")
            if c not in codes:
                codes.append(c)
    if not codes:
        raise ValueError("no municipalities to generate")
    avg = sum(MUNICIPALITY_WEIGHTS.values()) / len(MUNICIPALITY_WEIGHTS)
    chosen = [
        Municipality(c, known[c]["name"], known[c]["region"], float(MUNICIPALITY_WEIGHTS.get(c, avg))) for c in codes
    ]
    others = [
        Municipality(r["municipality_code"], r["name"], r["region"], 1.0)
        for r in rows
        if r["municipality_code"] not in codes
    ]
    return Catalog(products=products, providers=providers, municipalities=chosen, other_municipalities=others)
