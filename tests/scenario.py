"""Write small, named scenarios as real iJw 3.2 messages (for end-to-end tests).

Uses the demo generator's message renderers, so scenario files are the same XML the demo region uses.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from jeugdkpi.generate import render
from jeugdkpi.generate.catalog import Product, Provider
from jeugdkpi.generate.model import AsgLine, Assignment, Hdr, Prestatie, StartLine, StopLine, VotLine, Youth
from jeugdkpi.pseudonym import elfproef

D = dt.date.fromisoformat
# (eenheid, frequentie) per care form: etmalen per week for verblijf, hours per month for ambulant.
UNITS = {"ambulant": ("04", "4")}


def valid_bsns(start: int = 999_900_006):
    n = start
    while True:
        if elfproef(f"{n:09d}"):
            yield f"{n:09d}"
        n += 1


@dataclass
class Scenario:
    landing: Path
    _bsns: object = field(default_factory=valid_bsns)
    _seq: int = 0
    _nr: int = 700000
    youths: dict[str, Youth] = field(default_factory=dict)

    def _ident(self, prefix: str) -> str:
        self._seq += 1
        return f"{prefix}{self._seq:08d}"

    def _write(self, folder: str, xml: str) -> None:
        path = self.landing / "berichten" / "scenario" / folder / f"{self._seq:05d}.xml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(xml, encoding="utf-8")

    def youth(self, name: str, gemeente: str, birth: str = "2012-06-18") -> Youth:
        y = Youth(idx=len(self.youths), bsn=next(self._bsns), birth=D(birth), gender="2", gemeente=gemeente,
                  surname=f"Scenario{name}", first_name=name, initials=name[0], house_number=1,
                  postcode="1315AB", place="Almere", parent_surname=None, phone=None)
        self.youths[name] = y
        return y

    def assignment(self, y: Youth, agb: str, category: str, code: str, care_form: str, ingang: str,
                   eind: str, volume: int = 7, sent: str | None = None, ref: str | None = None) -> Assignment:
        """A JW301 with one assignment (Toewijzingsdatum = sent, default 10 days before Ingangsdatum); `ref` =
        the ReferentieAanbieder of the 315 it answers."""
        self._nr += 1
        eenheid, freq = UNITS.get(care_form, ("14", "2"))
        prod = Product(category, code, care_form, code, eenheid, freq, 10000, False, False)
        prov = Provider(agb, agb, D("2019-01-01"), None, (prod,))
        asg = Assignment(nr=self._nr, youth=y, gemeente=y.gemeente, prov=prov, prod=prod, ingang=D(ingang),
                         volume=volume)
        sent_d = D(sent) if sent else D(ingang) - dt.timedelta(days=10)
        line = AsgLine(self._nr, ref, category, code, sent_d, "10:00:00", D(ingang), D(eind), None, volume,
                       eenheid, freq)
        xml, _ = render.jw301(Hdr("301", y.gemeente, agb, self._ident("T"), sent_d), y, [line])
        self._write("301", xml)
        return asg

    def start(self, asg: Assignment, begin: str, sent: str | None = None) -> None:
        line = StartLine(asg.nr, asg.prod.category, asg.prod.code, asg.ingang, D(begin))
        sent_d = D(sent) if sent else D(begin) + dt.timedelta(days=2)
        xml, _ = render.jw305(Hdr("305", asg.prov.agb, asg.gemeente, self._ident("S"), sent_d), asg.youth, [line])
        self._write("305", xml)

    def stop(self, asg: Assignment, begin: str, end: str, reden: str = "31", sent: str | None = None) -> None:
        line = StopLine(asg.nr, asg.prod.category, asg.prod.code, asg.ingang, D(begin), reden, D(end))
        sent_d = D(sent) if sent else D(end) + dt.timedelta(days=2)
        xml, _ = render.jw307(Hdr("307", asg.prov.agb, asg.gemeente, self._ident("E"), sent_d), asg.youth, [line])
        self._write("307", xml)

    def care(self, y: Youth, agb: str, category: str, code: str, care_form: str, begin: str,
             end: str | None, volume: int = 7, assignment_end: str | None = None) -> Assignment:
        """Assignment + start (+ definitive stop when `end` is given)."""
        asg = self.assignment(y, agb, category, code, care_form, begin, assignment_end or end or "2027-12-31",
                              volume)
        self.start(asg, begin)
        if end:
            self.stop(asg, begin, end)
        return asg

    def request(self, y: Youth, agb: str, category: str, code: str, care_form: str, ingang: str, sent: str,
                ref: str) -> str:
        """A JW315 (verzoek om toewijzing) for one product; returns its ReferentieAanbieder."""
        eenheid, freq = UNITS.get(care_form, ("14", "2"))
        line = VotLine(ref, category, code, D(ingang), D(ingang) + dt.timedelta(days=180), 7, eenheid, freq, "02")
        xml, _ = render.jw315(Hdr("315", agb, y.gemeente, self._ident("Q"), D(sent)), y, [line])
        self._write("315", xml)
        return ref

    def answer(self, gemeente: str, agb: str, ref: str, antwoord: str, sent: str, reden: str | None = None) -> None:
        """A JW319 on a 315 (VerzoekAntwoord 1 = afgewezen with a reden, 2 = in onderzoek)."""
        xml, _ = render.jw319(Hdr("319", gemeente, agb, self._ident("W"), D(sent)), ref, antwoord, reden)
        self._write("319", xml)

    def prestatie(self, asg: Assignment, ref: str, begin: str, end: str, volume: int, dc: str = "D",
                  vorig: str | None = None, outcome: str = "ok") -> Prestatie:
        return Prestatie(ref, vorig, asg, D(begin), D(end), volume, 10000, dc, outcome=outcome)

    def declaration(self, agb: str, gemeente: str, month: str, sent: str, prestaties: list[Prestatie],
                    answered: str | None) -> None:
        """A JW323 for one calendar month, answered by a JW325 (rejections = prestaties with outcome != ok);
        answered=None: no 325 (yet)."""
        begin = D(month + "-01")
        end = (begin.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        h = Hdr("323", agb, gemeente, self._ident("V"), D(sent))
        nummer = f"D{self._seq:08d}"
        xml, _ = render.jw323(h, nummer, begin, end, prestaties)
        self._write("323", xml)
        if answered is None:
            return
        xml, _ = render.jw325(Hdr("325", gemeente, agb, self._ident("A"), D(answered)), h, nummer, prestaties)
        self._write("325", xml)


def run_scenario(root: Path, build, peildatum: str = "2026-06-30"):
    """Land a scenario (`build(landing)`) under `root`, run the whole pipeline on it in-process and return
    its settings. The pipeline exports its settings to os.environ (for dbt); they are restored afterwards."""
    from jeugdkpi.settings import load_settings

    settings = load_settings({"JEUGDKPI_LANDING": str(root / "landing"), "JEUGDKPI_WAREHOUSE": str(root / "w.duckdb"),
                              "JEUGDKPI_PUBLISH": str(root / "pub"), "JEUGDKPI_PEILDATUM": peildatum,
                              "JEUGDKPI_PSEUDONYM_KEY": "e2e", "JEUGDKPI_WORKERS": "1"})
    build(settings.landing)
    result = run_in_process(settings)
    assert result.success, (result.failed_steps, result.failed_checks)
    return settings


def run_in_process(settings):
    """One pipeline run on `settings` in this process; its result. os.environ is restored afterwards."""
    import os

    from jeugdkpi.pipeline import run_pipeline

    saved = dict(os.environ)
    try:
        return run_pipeline(settings)
    finally:
        os.environ.clear()
        os.environ.update(saved)
