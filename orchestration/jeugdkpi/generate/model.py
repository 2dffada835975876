"""Plain data objects shared by the planner, the message renderer and the declaration stream."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

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
class StartLine:
    nr: int
    category: str
    code: str
    ingang: date
    begin: date
    status: str = "1"

    def deleted(self) -> "StartLine":
        return StartLine(self.nr, self.category, self.code, self.ingang, self.begin, "3")


@dataclass(frozen=True)
class StopLine:
    nr: int
    category: str
    code: str
    ingang: date
    begin: date
    reden: str
    eind: date
    status: str = "1"

    def deleted(self) -> "StopLine":
        return StopLine(self.nr, self.category, self.code, self.ingang, self.begin, self.reden, self.eind, "3")


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
