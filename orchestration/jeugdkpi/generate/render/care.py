"""Care: the assignment (JW301), its start and stop (JW305, JW307) and their retours (302, 306, 308)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from jeugdkpi.generate.model import AsgLine, Hdr, StartLine, StopLine, Youth
from jeugdkpi.generate.render import base


# ---------------------------------------------------------------- JW301 / JW302
def _client301(p: str, y: Youth, lines: Sequence[AsgLine], rc: dict | None) -> tuple[str, int]:
    r = rc or {}
    n = 0
    out = [
        "  <" + p + ":Client>\n",
        base.el(p, "Bsn", y.bsn, "    "),
        f"    <{p}:Geboortedatum>\n      <ijw:Datum>{y.birth.isoformat()}</ijw:Datum>\n    </{p}:Geboortedatum>\n",
        base.el(p, "Geslacht", y.gender, "    "),
        f"    <{p}:Naam>\n"
        f"      <ijw:Geslachtsnaam>\n        <ijw:Achternaam>{escape(y.surname)}</ijw:Achternaam>\n"
        f"      </ijw:Geslachtsnaam>\n"
        f"      <ijw:Voornamen>{escape(y.first_name)}</ijw:Voornamen>\n"
        f"      <ijw:Voorletters>{y.initials}</ijw:Voorletters>\n"
        f"      <ijw:NaamGebruik>1</ijw:NaamGebruik>\n"
        f"    </{p}:Naam>\n",
    ]
    if y.parent_surname:
        out.append(
            f"    <{p}:Relaties>\n"
            f"      <{p}:Relatie>\n"
            f"        <{p}:Nummer>R1</{p}:Nummer>\n"
            f"        <{p}:Soort>10</{p}:Soort>\n"
            f"        <{p}:Naam>\n"
            f"          <ijw:Geslachtsnaam>\n            <ijw:Achternaam>{escape(y.parent_surname)}</ijw:Achternaam>\n"
            f"          </ijw:Geslachtsnaam>\n"
            f"          <ijw:Voorletters>T</ijw:Voorletters>\n"
            f"          <ijw:NaamGebruik>1</ijw:NaamGebruik>\n"
            f"        </{p}:Naam>\n"
            f"        <{p}:Contact>\n"
            f"          <{p}:Soort>02</{p}:Soort>\n"
            f"          <{p}:Telefoon>\n"
            f"            <ijw:Telefoon01>\n"
            f"              <ijw:Telefoonnummer>{y.phone}</ijw:Telefoonnummer>\n"
            f"              <ijw:Landnummer>0031</ijw:Landnummer>\n"
            f"            </ijw:Telefoon01>\n"
            f"          </{p}:Telefoon>\n"
            + base.retourcodes(p, r.get("contact"), "          ")
            + f"        </{p}:Contact>\n"
            + base.retourcodes(p, r.get("relatie"), "        ")
            + f"      </{p}:Relatie>\n"
            f"    </{p}:Relaties>\n"
        )
    out.append(
        f"    <{p}:Contactgegevens>\n"
        f"      <{p}:Contact>\n"
        f"        <{p}:Soort>01</{p}:Soort>\n"
        f"        <{p}:Adres>\n"
        f"          <ijw:Huis>\n            <ijw:Huisnummer>{y.house_number}</ijw:Huisnummer>\n          </ijw:Huis>\n"
        f"          <ijw:Postcode>{y.postcode}</ijw:Postcode>\n"
        f"          <ijw:Straatnaam>Voorbeeldstraat</ijw:Straatnaam>\n"
        f"          <ijw:Plaatsnaam>{escape(y.place)}</ijw:Plaatsnaam>\n"
        f"          <ijw:LandCode>NL</ijw:LandCode>\n"
        f"        </{p}:Adres>\n"
        + base.retourcodes(p, r.get("contact"), "        ")
        + f"      </{p}:Contact>\n"
        f"    </{p}:Contactgegevens>\n"
        f"    <{p}:ToegewezenProducten>\n"
    )
    line_codes = r.get("lines") or [None] * len(lines)
    for ln, codes in zip(lines, line_codes):
        ind = "        "
        s = [f"      <{p}:ToegewezenProduct>\n", base.el(p, "ToewijzingNummer", ln.nr, ind)]
        if ln.ref:
            s.append(base.el(p, "ReferentieAanbieder", escape(ln.ref), ind))
        s.append(base.product(p, ln.category, ln.code, ind))
        s.append(base.el(p, "Toewijzingsdatum", ln.tdate.isoformat(), ind))
        s.append(base.el(p, "Toewijzingstijd", ln.ttime, ind))
        s.append(base.el(p, "Ingangsdatum", ln.ingang.isoformat(), ind))
        s.append(base.el(p, "Einddatum", ln.eind.isoformat(), ind))
        if ln.reden:
            s.append(base.el(p, "RedenWijziging", ln.reden, ind))
        s.append(base.omvang(p, ln.volume, ln.eenheid, ln.frequentie, ind))
        s.append(base.retourcodes(p, codes, ind))
        s.append(f"      </{p}:ToegewezenProduct>\n")
        out.append("".join(s))
        if rc:
            n += 1
    out.append(f"    </{p}:ToegewezenProducten>\n")
    out.append(base.retourcodes(p, r.get("client"), "    "))
    out.append(f"  </{p}:Client>\n")
    if rc:
        n += 1
    return "".join(out), n


def jw301(h: Hdr, y: Youth, lines: Sequence[AsgLine]) -> tuple[str, int]:
    p = "jw301"
    body, _ = _client301(p, y, lines, None)
    return base.bericht(p, base.heen_header(p, "436", h) + body), len(lines)


def jw302(heen: Hdr, ident: str, dag: date, header_codes: base.Codes = None, y: Youth | None = None,
          lines: Sequence[AsgLine] = (), rc: dict | None = None) -> tuple[str, int]:
    p = "jw302"
    body, n = _client301(p, y, lines, rc) if (rc and y) else ("", 0)
    return base.bericht(p, base.retour_header(p, "JW302", heen, ident, dag, header_codes) + body), 1 + n


# ---------------------------------------------------------------- JW305 / JW306 and JW307 / JW308
def _startstop_line(p: str, ln: StartLine | StopLine, codes: base.Codes) -> str:
    """A StartProduct, or a StopProduct (which adds RedenBeeindiging and Einddatum)."""
    ind = "        "
    tag = "StopProduct" if isinstance(ln, StopLine) else "StartProduct"
    stop = (base.el(p, "RedenBeeindiging", ln.reden, ind) + base.el(p, "Einddatum", ln.eind.isoformat(), ind)
            if isinstance(ln, StopLine) else "")
    return (
        f"      <{p}:{tag}>\n"
        + base.el(p, "ToewijzingNummer", ln.nr, ind)
        + base.product(p, ln.category, ln.code, ind)
        + base.el(p, "ToewijzingIngangsdatum", ln.ingang.isoformat(), ind)
        + base.el(p, "Begindatum", ln.begin.isoformat(), ind)
        + stop
        + base.el(p, "StatusAanlevering", ln.status, ind)
        + base.retourcodes(p, codes, ind)
        + f"      </{p}:{tag}>\n"
    )


def _client_startstop(p: str, y: Youth, lines, is_start: bool, rc: dict | None) -> str:
    r = rc or {}
    line_codes = r.get("lines") or [None] * len(lines)
    group = "StartProducten" if is_start else "StopProducten"
    return (
        f"  <{p}:Client>\n"
        + base.person_short(p, y, "    ")
        + f"    <{p}:{group}>\n"
        + "".join(_startstop_line(p, ln, c) for ln, c in zip(lines, line_codes))
        + f"    </{p}:{group}>\n"
        + base.retourcodes(p, r.get("client"), "    ")
        + f"  </{p}:Client>\n"
    )


def jw305(h: Hdr, y: Youth, lines: Sequence[StartLine], release: str = "3_2") -> tuple[str, int]:
    p = "jw305"
    sub = "2" if release == "3_2" else release[-1]
    return (
        base.open_bericht(p, release) + base.msg_header(p, "438", h, sub) + f"  </{p}:Header>\n"
        + _client_startstop(p, y, lines, True, None) + base.close_bericht(p),
        len(lines),
    )


def jw307(h: Hdr, y: Youth, lines: Sequence[StopLine]) -> tuple[str, int]:
    p = "jw307"
    return (
        base.open_bericht(p) + base.msg_header(p, "440", h) + f"  </{p}:Header>\n"
        + _client_startstop(p, y, lines, False, None) + base.close_bericht(p),
        len(lines),
    )


def jw306_308(rtype: str, heen: Hdr, ident: str, dag: date, y: Youth | None = None, lines=(),
              rc: dict | None = None) -> tuple[str, int]:
    p = base.prefix(rtype)
    body = _client_startstop(p, y, lines, rtype == "JW306", rc) if (rc and y) else ""
    n = 1 + (1 + len(lines) if body else 0)
    return base.bericht(p, base.retour_header(p, rtype, heen, ident, dag, None) + body), n

