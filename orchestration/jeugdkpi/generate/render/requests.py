"""Requests: VOT (JW315), VOW (JW317), the answer (JW319) and their retours (316, 318, 320)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from jeugdkpi.generate.model import Hdr, VotLine, VowChange, Youth
from jeugdkpi.generate.render.base import (
    close_bericht,
    el,
    msg_header,
    omvang,
    open_bericht,
    person_short,
    product,
    retour_header,
    retourcodes,
)


# ---------------------------------------------------------------- JW315 / JW316
def _client315(p: str, y: Youth, lines: Sequence[VotLine], rc: dict | None) -> str:
    r = rc or {}
    line_codes = r.get("lines") or [None] * len(lines)
    out = [f"  <{p}:Client>\n", person_short(p, y, "    "), f"    <{p}:AangevraagdeProducten>\n"]
    ind = "        "
    for ln, codes in zip(lines, line_codes):
        out.append(
            f"      <{p}:AangevraagdProduct>\n"
            + el(p, "ReferentieAanbieder", escape(ln.ref), ind)
            + product(p, ln.category, ln.code, ind)
            + el(p, "ToewijzingIngangsdatum", ln.ingang.isoformat(), ind)
            + el(p, "ToewijzingEinddatum", ln.einde.isoformat(), ind)
            + omvang(p, ln.volume, ln.eenheid, ln.frequentie, ind)
            + f"{ind}<{p}:Verwijzer>\n{ind}  <ijw:Type>{ln.verwijzer}</ijw:Type>\n{ind}</{p}:Verwijzer>\n"
            + retourcodes(p, codes, ind)
            + f"      </{p}:AangevraagdProduct>\n"
        )
    out.append(f"    </{p}:AangevraagdeProducten>\n")
    out.append(retourcodes(p, r.get("client"), "    "))
    out.append(f"  </{p}:Client>\n")
    return "".join(out)


def jw315(h: Hdr, y: Youth, lines: Sequence[VotLine]) -> tuple[str, int]:
    p = "jw315"
    body = _client315(p, y, lines, None)
    return open_bericht(p) + msg_header(p, "446", h) + f"  </{p}:Header>\n" + body + close_bericht(p), len(lines)


def jw316(heen: Hdr, ident: str, dag: date, y: Youth | None = None, lines: Sequence[VotLine] = (),
          rc: dict | None = None) -> tuple[str, int]:
    p = "jw316"
    body = _client315(p, y, lines, rc) if (rc and y) else ""
    n = 1 + (1 + len(lines) if body else 0)
    return open_bericht(p) + retour_header(p, "JW316", heen, ident, dag, None) + body + close_bericht(p), n


# ---------------------------------------------------------------- JW317 / JW318
def _client317(p: str, bsn: str, ref: str, reden: str, unchanged: Sequence[int], changes: Sequence[VowChange],
               rc: dict | None) -> tuple[str, int]:
    r = rc or {}
    ind = "          "
    out = [f"  <{p}:Client>\n", el(p, "Bsn", bsn, "    "), f"    <{p}:Verzoek>\n",
           el(p, "ReferentieAanbieder", escape(ref), "      "), el(p, "RedenVerzoek", reden, "      ")]
    if unchanged:
        out.append(f"      <{p}:OngewijzigdeProducten>\n")
        for nr in unchanged:
            out.append(f"        <{p}:OngewijzigdProduct>\n" + el(p, "ToewijzingNummer", nr, ind)
                       + retourcodes(p, r.get("ongewijzigd"), ind) + f"        </{p}:OngewijzigdProduct>\n")
        out.append(f"      </{p}:OngewijzigdeProducten>\n")
    if changes:
        out.append(f"      <{p}:TeWijzigenProducten>\n")
        for c in changes:
            out.append(
                f"        <{p}:TeWijzigenProduct>\n"
                + el(p, "ToewijzingNummer", c.nr, ind)
                + el(p, "GewensteIngangsdatum", c.gewenst.isoformat(), ind)
                + el(p, "Einddatum", c.eind.isoformat(), ind)
                + omvang(p, c.volume, c.eenheid, c.frequentie, ind)
                + retourcodes(p, r.get("tewijzigen"), ind)
                + f"        </{p}:TeWijzigenProduct>\n"
            )
        out.append(f"      </{p}:TeWijzigenProducten>\n")
    out.append(retourcodes(p, r.get("verzoek"), "      "))
    out.append(f"    </{p}:Verzoek>\n")
    out.append(retourcodes(p, r.get("client"), "    "))
    out.append(f"  </{p}:Client>\n")
    n = max(1, len(unchanged) + len(changes))
    return "".join(out), n


def jw317(h: Hdr, bsn: str, ref: str, reden: str, unchanged: Sequence[int],
          changes: Sequence[VowChange]) -> tuple[str, int]:
    p = "jw317"
    body, n = _client317(p, bsn, ref, reden, unchanged, changes, None)
    return open_bericht(p) + msg_header(p, "486", h) + f"  </{p}:Header>\n" + body + close_bericht(p), n


def jw318(heen: Hdr, ident: str, dag: date, bsn: str | None = None, ref: str = "", reden: str = "",
          unchanged: Sequence[int] = (), changes: Sequence[VowChange] = (), rc: dict | None = None) -> tuple[str, int]:
    p = "jw318"
    if rc and bsn:
        body, _ = _client317(p, bsn, ref, reden, unchanged, changes, rc)
        n = 1 + 2 + len(unchanged) + len(changes)
    else:
        body, n = "", 1
    return open_bericht(p) + retour_header(p, "JW318", heen, ident, dag, None) + body + close_bericht(p), n


# ---------------------------------------------------------------- JW319 / JW320
def _antwoord(p: str, ref: str, antwoord: str, reden: str | None, woonplaats: str | None, rc: dict | None) -> str:
    r = rc or {}
    s = [f"  <{p}:Antwoord>\n", el(p, "ReferentieAanbieder", escape(ref), "    "),
         el(p, "VerzoekAntwoord", antwoord, "    ")]
    if reden:
        s.append(el(p, "RedenAfwijzingVerzoek", reden, "    "))
    if woonplaats:
        s.append(f"    <{p}:Woonplaatsbeginsel>\n" + el(p, "Gemeente", woonplaats, "      ")
                 + retourcodes(p, r.get("woonplaats"), "      ") + f"    </{p}:Woonplaatsbeginsel>\n")
    s.append(retourcodes(p, r.get("antwoord"), "    "))
    s.append(f"  </{p}:Antwoord>\n")
    return "".join(s)


def jw319(h: Hdr, ref: str, antwoord: str, reden: str | None = None, woonplaats: str | None = None) -> tuple[str, int]:
    p = "jw319"
    body = _antwoord(p, ref, antwoord, reden, woonplaats, None)
    return open_bericht(p) + msg_header(p, "488", h) + f"  </{p}:Header>\n" + body + close_bericht(p), 1


def jw320(heen: Hdr, ident: str, dag: date, ref: str = "", antwoord: str = "", reden: str | None = None,
          woonplaats: str | None = None, rc: dict | None = None) -> tuple[str, int]:
    p = "jw320"
    body = _antwoord(p, ref, antwoord, reden, woonplaats, rc) if rc else ""
    n = 1 + ((2 if woonplaats else 1) if body else 0)
    return open_bericht(p) + retour_header(p, "JW320", heen, ident, dag, None) + body + close_bericht(p), n

