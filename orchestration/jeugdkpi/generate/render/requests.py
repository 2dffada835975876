"""Requests: VOT (JW315), VOW (JW317), the answer (JW319) and their retours (316, 318, 320)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from jeugdkpi.generate.model import Hdr, VotLine, VowChange, Youth
from jeugdkpi.generate.render import base


# ---------------------------------------------------------------- JW315 / JW316
def _client315(p: str, y: Youth, lines: Sequence[VotLine], rc: dict | None) -> str:
    r = rc or {}
    line_codes = r.get("lines") or [None] * len(lines)
    out = [f"  <{p}:Client>\n", base.person_short(p, y, "    "), f"    <{p}:AangevraagdeProducten>\n"]
    ind = "        "
    for ln, codes in zip(lines, line_codes):
        out.append(
            f"      <{p}:AangevraagdProduct>\n"
            + base.el(p, "ReferentieAanbieder", escape(ln.ref), ind)
            + base.product(p, ln.category, ln.code, ind)
            + base.el(p, "ToewijzingIngangsdatum", ln.ingang.isoformat(), ind)
            + base.el(p, "ToewijzingEinddatum", ln.einde.isoformat(), ind)
            + base.omvang(p, ln.volume, ln.eenheid, ln.frequentie, ind)
            + f"{ind}<{p}:Verwijzer>\n{ind}  <ijw:Type>{ln.verwijzer}</ijw:Type>\n{ind}</{p}:Verwijzer>\n"
            + base.retourcodes(p, codes, ind)
            + f"      </{p}:AangevraagdProduct>\n"
        )
    out.append(f"    </{p}:AangevraagdeProducten>\n")
    out.append(base.retourcodes(p, r.get("client"), "    "))
    out.append(f"  </{p}:Client>\n")
    return "".join(out)


def jw315(h: Hdr, y: Youth, lines: Sequence[VotLine]) -> tuple[str, int]:
    p = "jw315"
    body = _client315(p, y, lines, None)
    return base.bericht(p, base.heen_header(p, "446", h) + body), len(lines)


def jw316(heen: Hdr, ident: str, dag: date, y: Youth | None = None, lines: Sequence[VotLine] = (),
          rc: dict | None = None) -> tuple[str, int]:
    p = "jw316"
    body = _client315(p, y, lines, rc) if (rc and y) else ""
    n = 1 + (1 + len(lines) if body else 0)
    return base.bericht(p, base.retour_header(p, "JW316", heen, ident, dag, None) + body), n


# ---------------------------------------------------------------- JW317 / JW318
def _client317(p: str, bsn: str, ref: str, reden: str, unchanged: Sequence[int], changes: Sequence[VowChange],
               rc: dict | None) -> tuple[str, int]:
    r = rc or {}
    ind = "          "
    out = [f"  <{p}:Client>\n", base.el(p, "Bsn", bsn, "    "), f"    <{p}:Verzoek>\n",
           base.el(p, "ReferentieAanbieder", escape(ref), "      "), base.el(p, "RedenVerzoek", reden, "      ")]
    if unchanged:
        out.append(f"      <{p}:OngewijzigdeProducten>\n")
        for nr in unchanged:
            out.append(f"        <{p}:OngewijzigdProduct>\n" + base.el(p, "ToewijzingNummer", nr, ind)
                       + base.retourcodes(p, r.get("ongewijzigd"), ind) + f"        </{p}:OngewijzigdProduct>\n")
        out.append(f"      </{p}:OngewijzigdeProducten>\n")
    if changes:
        out.append(f"      <{p}:TeWijzigenProducten>\n")
        for c in changes:
            out.append(
                f"        <{p}:TeWijzigenProduct>\n"
                + base.el(p, "ToewijzingNummer", c.nr, ind)
                + base.el(p, "GewensteIngangsdatum", c.gewenst.isoformat(), ind)
                + base.el(p, "Einddatum", c.eind.isoformat(), ind)
                + base.omvang(p, c.volume, c.eenheid, c.frequentie, ind)
                + base.retourcodes(p, r.get("tewijzigen"), ind)
                + f"        </{p}:TeWijzigenProduct>\n"
            )
        out.append(f"      </{p}:TeWijzigenProducten>\n")
    out.append(base.retourcodes(p, r.get("verzoek"), "      "))
    out.append(f"    </{p}:Verzoek>\n")
    out.append(base.retourcodes(p, r.get("client"), "    "))
    out.append(f"  </{p}:Client>\n")
    n = max(1, len(unchanged) + len(changes))
    return "".join(out), n


def jw317(h: Hdr, bsn: str, ref: str, reden: str, unchanged: Sequence[int],
          changes: Sequence[VowChange]) -> tuple[str, int]:
    p = "jw317"
    body, n = _client317(p, bsn, ref, reden, unchanged, changes, None)
    return base.bericht(p, base.heen_header(p, "486", h) + body), n


def jw318(heen: Hdr, ident: str, dag: date, bsn: str | None = None, ref: str = "", reden: str = "",
          unchanged: Sequence[int] = (), changes: Sequence[VowChange] = (), rc: dict | None = None) -> tuple[str, int]:
    p = "jw318"
    if rc and bsn:
        body, _ = _client317(p, bsn, ref, reden, unchanged, changes, rc)
        n = 1 + 2 + len(unchanged) + len(changes)
    else:
        body, n = "", 1
    return base.bericht(p, base.retour_header(p, "JW318", heen, ident, dag, None) + body), n


# ---------------------------------------------------------------- JW319 / JW320
def _antwoord(p: str, ref: str, antwoord: str, reden: str | None, woonplaats: str | None, rc: dict | None) -> str:
    r = rc or {}
    s = [f"  <{p}:Antwoord>\n", base.el(p, "ReferentieAanbieder", escape(ref), "    "),
         base.el(p, "VerzoekAntwoord", antwoord, "    ")]
    if reden:
        s.append(base.el(p, "RedenAfwijzingVerzoek", reden, "    "))
    if woonplaats:
        s.append(f"    <{p}:Woonplaatsbeginsel>\n" + base.el(p, "Gemeente", woonplaats, "      ")
                 + base.retourcodes(p, r.get("woonplaats"), "      ") + f"    </{p}:Woonplaatsbeginsel>\n")
    s.append(base.retourcodes(p, r.get("antwoord"), "    "))
    s.append(f"  </{p}:Antwoord>\n")
    return "".join(s)


def jw319(h: Hdr, ref: str, antwoord: str, reden: str | None = None, woonplaats: str | None = None) -> tuple[str, int]:
    p = "jw319"
    body = _antwoord(p, ref, antwoord, reden, woonplaats, None)
    return base.bericht(p, base.heen_header(p, "488", h) + body), 1


def jw320(heen: Hdr, ident: str, dag: date, ref: str = "", antwoord: str = "", reden: str | None = None,
          woonplaats: str | None = None, rc: dict | None = None) -> tuple[str, int]:
    p = "jw320"
    body = _antwoord(p, ref, antwoord, reden, woonplaats, rc) if rc else ""
    n = 1 + ((2 if woonplaats else 1) if body else 0)
    return base.bericht(p, base.retour_header(p, "JW320", heen, ident, dag, None) + body), n

