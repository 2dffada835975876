"""Plain data objects shared by the planner, the message phases, the renderer and the declaration stream."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Self

from jeugdkpi.generate.catalog import Product, Provider


@dataclass(frozen=True)
class Youth:
    idx: int
    bsn: str
    birth: date
    gender: str
    gemeente: str
    surname: str
    first_name: str
    initials: str
    house_number: int
    postcode: str
    place: str
    parent_surname: str | None
    phone: str | None


@dataclass(frozen=True)
class Hdr:
    """The header of a heenbericht (or a 325): message type, parties, identification."""

    mtype: str
    sender: str
    receiver: str
    ident: str
    dag: date


@dataclass(frozen=True)
class AsgLine:
    """One ToegewezenProduct line of a 301 (one version of an assignment)."""

    nr: int
    ref: str | None
    category: str
    code: str
    tdate: date
    ttime: str
    ingang: date
    eind: date
    reden: str | None
    volume: int
    eenheid: str
    frequentie: str


@dataclass(frozen=True)
class _ProductLine:
    """What a StartProduct (305) and a StopProduct (307) line have in common: the assignment it belongs to."""

    nr: int
    category: str
    code: str
    ingang: date
    begin: date

    def deleted(self) -> Self:
        """The same line with StatusAanlevering 3: it deletes what an earlier message said."""
        return replace(self, status="3")


@dataclass(frozen=True)
class StartLine(_ProductLine):
    status: str = "1"


@dataclass(frozen=True)
class StopLine(_ProductLine):
    reden: str
    eind: date
    status: str = "1"


@dataclass(frozen=True)
class VotLine:
    """One AangevraagdProduct of a 315."""

    ref: str
    category: str
    code: str
    ingang: date
    einde: date
    volume: int
    eenheid: str
    frequentie: str
    verwijzer: str


@dataclass(frozen=True)
class VowChange:
    nr: int
    gewenst: date
    eind: date
    volume: int
    eenheid: str
    frequentie: str


@dataclass
class Version:
    tdate: date
    ttime: str
    ingang: date
    eind: date
    reden: str | None
    ref: str | None


@dataclass
class Assignment:
    nr: int
    youth: Youth
    gemeente: str
    prov: Provider
    prod: Product
    ingang: date
    volume: int
    versions: list[Version] = field(default_factory=list)
    deleted: bool = False

    @property
    def first_dag(self) -> date:
        return self.versions[0].tdate

    def version_before(self, d: date) -> Version | None:
        """The latest version with Toewijzingsdatum < d."""
        found = None
        for v in self.versions:
            if v.tdate < d:
                found = v
            else:
                break
        return found

    def eind_asof(self, d: date) -> date:
        found = self.versions[0]
        for v in self.versions:
            if v.tdate <= d:
                found = v
            else:
                break
        return found.eind

    def line(self, v: Version, with_ref: bool) -> AsgLine:
        return AsgLine(
            nr=self.nr,
            ref=v.ref if with_ref else None,
            category=self.prod.category,
            code=self.prod.code,
            tdate=v.tdate,
            ttime=v.ttime,
            ingang=v.ingang,
            eind=v.eind,
            reden=v.reden,
            volume=self.volume,
            eenheid=self.prod.eenheid,
            frequentie=self.prod.frequentie,
        )


@dataclass
class Prestatie:
    ref: str
    vorig: str | None
    asg: Assignment
    begin: date
    end: date
    volume: int
    tariff: int
    dc: str  # D or C
    wrong_tariff: bool = False
    outcome: str | None = None  # None = no answer yet, "ok" or the rejection code
    answered_on: date | None = None

    @property
    def amount(self) -> int:
        return self.volume * self.tariff


@dataclass
class Seg:
    """One care segment of a youth's plan: a product at a provider from start to end (planning.py)."""

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
    """Everything generated for one youth so far, with the youth's own random stream."""

    youth: Youth
    r: random.Random
    asgs: list[Assignment] = field(default_factory=list)
    events: dict[tuple[date, str], Event] = field(default_factory=dict)
    requests: list[tuple[str, date, date]] = field(default_factory=list)
    vows: list[VowSpec] = field(default_factory=list)

    def request_free(self, agb: str, a: date, b: date) -> bool:
        return all(not (x_agb == agb and x_a <= b and a <= x_b) for x_agb, x_a, x_b in self.requests)
