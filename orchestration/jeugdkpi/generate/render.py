"""iJw 3.2 XML from string templates (fast, deterministic). Element order follows the XSDs exactly.

Every renderer returns ``(xml_text, n_records)`` where a record is what the ingest counts: a product line,
a Verzoek line, an Antwoord, a Prestatie, the 325 DeclaratieAntwoord plus each rejected Prestatie, and for
retour messages the header plus every class that carries RetourCodes — except the person-data classes
Relatie and Contact of a 302, which the ingest does not read (so they are not records).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from jeugdkpi.generate.model import AsgLine, Hdr, Prestatie, StartLine, StopLine, VotLine, VowChange, Youth

BASIS_NS = "http://www.istandaarden.nl/ijw/3_2/basisschema/schema"
XSD_VERSIE = "1.0.0"

BERICHTCODE = {
    "JW301": "436", "JW302": "437", "JW305": "438", "JW306": "439", "JW307": "440", "JW308": "441",
    "JW315": "446", "JW316": "447", "JW317": "486", "JW318": "487", "JW319": "488", "JW320": "489",
    "JW323": "490", "JW325": "491",
}
RETOUR_OF = {"JW301": "JW302", "JW305": "JW306", "JW307": "JW308", "JW315": "JW316", "JW317": "JW318",
             "JW319": "JW320"}

Codes = Sequence[str] | None


def _prefix(mtype: str) -> str:
    return "jw" + mtype[2:]


def _open(p: str, release: str = "3_2") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{p}:Bericht xmlns:{p}="http://www.istandaarden.nl/ijw/{release}/{p}/schema" '
        f'xmlns:ijw="http://www.istandaarden.nl/ijw/{release}/basisschema/schema">\n'
    )


def _close(p: str) -> str:
    return f"</{p}:Bericht>\n"


def _xsdversie(p: str, name: str, ind: str) -> str:
    return (
        f"{ind}<{p}:{name}>\n"
        f"{ind}  <ijw:BasisschemaXsdVersie>{XSD_VERSIE}</ijw:BasisschemaXsdVersie>\n"
        f"{ind}  <ijw:BerichtXsdVersie>{XSD_VERSIE}</ijw:BerichtXsdVersie>\n"
        f"{ind}</{p}:{name}>\n"
    )


def _ident(p: str, name: str, ident: str, dag: date, ind: str) -> str:
    return (
        f"{ind}<{p}:{name}>\n"
        f"{ind}  <ijw:Identificatie>{ident}</ijw:Identificatie>\n"
        f"{ind}  <ijw:Dagtekening>{dag.isoformat()}</ijw:Dagtekening>\n"
        f"{ind}</{p}:{name}>\n"
    )


def _rc(p: str, codes: Codes, ind: str) -> str:
    if not codes:
        return ""
    inner = "".join(f"{ind}  <{p}:RetourCode>{c}</{p}:RetourCode>\n" for c in codes)
    return f"{ind}<{p}:RetourCodes>\n{inner}{ind}</{p}:RetourCodes>\n"


def _header(p: str, code: str, h: Hdr, subversie: str = "2") -> str:
    return (
        f"  <{p}:Header>\n"
        f"    <{p}:BerichtCode>{code}</{p}:BerichtCode>\n"
        f"    <{p}:BerichtVersie>3</{p}:BerichtVersie>\n"
        f"    <{p}:BerichtSubversie>{subversie}</{p}:BerichtSubversie>\n"
        f"    <{p}:Afzender>{h.sender}</{p}:Afzender>\n"
        f"    <{p}:Ontvanger>{h.receiver}</{p}:Ontvanger>\n"
        + _ident(p, "BerichtIdentificatie", h.ident, h.dag, "    ")
        + _xsdversie(p, "XsdVersie", "    ")
    )


def _retour_header(p: str, rtype: str, heen: Hdr, ident: str, dag: date, codes: Codes) -> str:
    return (
        _header(p, BERICHTCODE[rtype], heen)
        + f"    <{p}:IdentificatieRetour>{ident}</{p}:IdentificatieRetour>\n"
        + f"    <{p}:DagtekeningRetour>{dag.isoformat()}</{p}:DagtekeningRetour>\n"
        + _xsdversie(p, "XsdVersieRetour", "    ")
        + _rc(p, codes, "    ")
        + f"  </{p}:Header>\n"
    )


def _el(p: str, name: str, value: object, ind: str) -> str:
    return f"{ind}<{p}:{name}>{value}</{p}:{name}>\n"


def _product(p: str, cat: str, code: str | None, ind: str, name: str = "Product") -> str:
    code_el = f"{ind}  <ijw:Code>{code}</ijw:Code>\n" if code else ""
    return f"{ind}<{p}:{name}>\n{ind}  <ijw:Categorie>{cat}</ijw:Categorie>\n{code_el}{ind}</{p}:{name}>\n"


def _omvang(p: str, volume: int, eenheid: str, freq: str, ind: str) -> str:
    return (
        f"{ind}<{p}:Omvang>\n"
        f"{ind}  <ijw:Volume>{volume}</ijw:Volume>\n"
        f"{ind}  <ijw:Eenheid>{eenheid}</ijw:Eenheid>\n"
        f"{ind}  <ijw:Frequentie>{freq}</ijw:Frequentie>\n"
        f"{ind}</{p}:Omvang>\n"
    )


def _person_short(p: str, y: Youth, ind: str) -> str:
    return (
        _el(p, "Bsn", y.bsn, ind)
        + f"{ind}<{p}:Geboortedatum>\n{ind}  <ijw:Datum>{y.birth.isoformat()}</ijw:Datum>\n{ind}</{p}:Geboortedatum>\n"
        + _el(p, "Geslacht", y.gender, ind)
        + f"{ind}<{p}:Naam>\n"
        f"{ind}  <ijw:Geslachtsnaam>\n{ind}    <ijw:Achternaam>{escape(y.surname)}</ijw:Achternaam>\n"
        f"{ind}  </ijw:Geslachtsnaam>\n"
        f"{ind}  <ijw:Voornamen>{escape(y.first_name)}</ijw:Voornamen>\n"
        f"{ind}  <ijw:Voorletters>{y.initials}</ijw:Voorletters>\n"
        f"{ind}</{p}:Naam>\n"
    )


# ---------------------------------------------------------------- JW301 / JW302
def _client301(p: str, y: Youth, lines: Sequence[AsgLine], rc: dict | None) -> tuple[str, int]:
    r = rc or {}
    n = 0
    out = [
        "  <" + p + ":Client>\n",
        _el(p, "Bsn", y.bsn, "    "),
        f"    <{p}:Geboortedatum>\n      <ijw:Datum>{y.birth.isoformat()}</ijw:Datum>\n    </{p}:Geboortedatum>\n",
        _el(p, "Geslacht", y.gender, "    "),
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
            + _rc(p, r.get("contact"), "          ")
            + f"        </{p}:Contact>\n"
            + _rc(p, r.get("relatie"), "        ")
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
        + _rc(p, r.get("contact"), "        ")
        + f"      </{p}:Contact>\n"
        f"    </{p}:Contactgegevens>\n"
        f"    <{p}:ToegewezenProducten>\n"
    )
    line_codes = r.get("lines") or [None] * len(lines)
    for ln, codes in zip(lines, line_codes):
        ind = "        "
        s = [f"      <{p}:ToegewezenProduct>\n", _el(p, "ToewijzingNummer", ln.nr, ind)]
        if ln.ref:
            s.append(_el(p, "ReferentieAanbieder", escape(ln.ref), ind))
        s.append(_product(p, ln.category, ln.code, ind))
        s.append(_el(p, "Toewijzingsdatum", ln.tdate.isoformat(), ind))
        s.append(_el(p, "Toewijzingstijd", ln.ttime, ind))
        s.append(_el(p, "Ingangsdatum", ln.ingang.isoformat(), ind))
        s.append(_el(p, "Einddatum", ln.eind.isoformat(), ind))
        if ln.reden:
            s.append(_el(p, "RedenWijziging", ln.reden, ind))
        s.append(_omvang(p, ln.volume, ln.eenheid, ln.frequentie, ind))
        s.append(_rc(p, codes, ind))
        s.append(f"      </{p}:ToegewezenProduct>\n")
        out.append("".join(s))
        if rc:
            n += 1
    out.append(f"    </{p}:ToegewezenProducten>\n")
    out.append(_rc(p, r.get("client"), "    "))
    out.append(f"  </{p}:Client>\n")
    if rc:
        n += 1
    return "".join(out), n


def jw301(h: Hdr, y: Youth, lines: Sequence[AsgLine]) -> tuple[str, int]:
    p = "jw301"
    body, _ = _client301(p, y, lines, None)
    return _open(p) + _header(p, "436", h) + f"  </{p}:Header>\n" + body + _close(p), len(lines)


def jw302(heen: Hdr, ident: str, dag: date, header_codes: Codes = None, y: Youth | None = None,
          lines: Sequence[AsgLine] = (), rc: dict | None = None) -> tuple[str, int]:
    p = "jw302"
    body, n = _client301(p, y, lines, rc) if (rc and y) else ("", 0)
    return _open(p) + _retour_header(p, "JW302", heen, ident, dag, header_codes) + body + _close(p), 1 + n


# ---------------------------------------------------------------- JW305 / JW306 and JW307 / JW308
def _start_line(p: str, ln: StartLine, codes: Codes) -> str:
    ind = "        "
    return (
        f"      <{p}:StartProduct>\n"
        + _el(p, "ToewijzingNummer", ln.nr, ind)
        + _product(p, ln.category, ln.code, ind)
        + _el(p, "ToewijzingIngangsdatum", ln.ingang.isoformat(), ind)
        + _el(p, "Begindatum", ln.begin.isoformat(), ind)
        + _el(p, "StatusAanlevering", ln.status, ind)
        + _rc(p, codes, ind)
        + f"      </{p}:StartProduct>\n"
    )


def _stop_line(p: str, ln: StopLine, codes: Codes) -> str:
    ind = "        "
    return (
        f"      <{p}:StopProduct>\n"
        + _el(p, "ToewijzingNummer", ln.nr, ind)
        + _product(p, ln.category, ln.code, ind)
        + _el(p, "ToewijzingIngangsdatum", ln.ingang.isoformat(), ind)
        + _el(p, "Begindatum", ln.begin.isoformat(), ind)
        + _el(p, "RedenBeeindiging", ln.reden, ind)
        + _el(p, "Einddatum", ln.eind.isoformat(), ind)
        + _el(p, "StatusAanlevering", ln.status, ind)
        + _rc(p, codes, ind)
        + f"      </{p}:StopProduct>\n"
    )


def _client_startstop(p: str, y: Youth, lines, is_start: bool, rc: dict | None) -> str:
    r = rc or {}
    line_codes = r.get("lines") or [None] * len(lines)
    group = "StartProducten" if is_start else "StopProducten"
    fn = _start_line if is_start else _stop_line
    return (
        f"  <{p}:Client>\n"
        + _person_short(p, y, "    ")
        + f"    <{p}:{group}>\n"
        + "".join(fn(p, ln, c) for ln, c in zip(lines, line_codes))
        + f"    </{p}:{group}>\n"
        + _rc(p, r.get("client"), "    ")
        + f"  </{p}:Client>\n"
    )


def jw305(h: Hdr, y: Youth, lines: Sequence[StartLine], release: str = "3_2") -> tuple[str, int]:
    p = "jw305"
    sub = "2" if release == "3_2" else release[-1]
    return (
        _open(p, release) + _header(p, "438", h, sub) + f"  </{p}:Header>\n"
        + _client_startstop(p, y, lines, True, None) + _close(p),
        len(lines),
    )


def jw307(h: Hdr, y: Youth, lines: Sequence[StopLine]) -> tuple[str, int]:
    p = "jw307"
    return (
        _open(p) + _header(p, "440", h) + f"  </{p}:Header>\n"
        + _client_startstop(p, y, lines, False, None) + _close(p),
        len(lines),
    )


def jw306_308(rtype: str, heen: Hdr, ident: str, dag: date, y: Youth | None = None, lines=(),
              rc: dict | None = None) -> tuple[str, int]:
    p = _prefix(rtype)
    body = _client_startstop(p, y, lines, rtype == "JW306", rc) if (rc and y) else ""
    n = 1 + (1 + len(lines) if body else 0)
    return _open(p) + _retour_header(p, rtype, heen, ident, dag, None) + body + _close(p), n


# ---------------------------------------------------------------- JW315 / JW316
def _client315(p: str, y: Youth, lines: Sequence[VotLine], rc: dict | None) -> str:
    r = rc or {}
    line_codes = r.get("lines") or [None] * len(lines)
    out = [f"  <{p}:Client>\n", _person_short(p, y, "    "), f"    <{p}:AangevraagdeProducten>\n"]
    ind = "        "
    for ln, codes in zip(lines, line_codes):
        out.append(
            f"      <{p}:AangevraagdProduct>\n"
            + _el(p, "ReferentieAanbieder", escape(ln.ref), ind)
            + _product(p, ln.category, ln.code, ind)
            + _el(p, "ToewijzingIngangsdatum", ln.ingang.isoformat(), ind)
            + _el(p, "ToewijzingEinddatum", ln.einde.isoformat(), ind)
            + _omvang(p, ln.volume, ln.eenheid, ln.frequentie, ind)
            + f"{ind}<{p}:Verwijzer>\n{ind}  <ijw:Type>{ln.verwijzer}</ijw:Type>\n{ind}</{p}:Verwijzer>\n"
            + _rc(p, codes, ind)
            + f"      </{p}:AangevraagdProduct>\n"
        )
    out.append(f"    </{p}:AangevraagdeProducten>\n")
    out.append(_rc(p, r.get("client"), "    "))
    out.append(f"  </{p}:Client>\n")
    return "".join(out)


def jw315(h: Hdr, y: Youth, lines: Sequence[VotLine]) -> tuple[str, int]:
    p = "jw315"
    body = _client315(p, y, lines, None)
    return _open(p) + _header(p, "446", h) + f"  </{p}:Header>\n" + body + _close(p), len(lines)


def jw316(heen: Hdr, ident: str, dag: date, y: Youth | None = None, lines: Sequence[VotLine] = (),
          rc: dict | None = None) -> tuple[str, int]:
    p = "jw316"
    body = _client315(p, y, lines, rc) if (rc and y) else ""
    n = 1 + (1 + len(lines) if body else 0)
    return _open(p) + _retour_header(p, "JW316", heen, ident, dag, None) + body + _close(p), n


# ---------------------------------------------------------------- JW317 / JW318
def _client317(p: str, bsn: str, ref: str, reden: str, unchanged: Sequence[int], changes: Sequence[VowChange],
               rc: dict | None) -> tuple[str, int]:
    r = rc or {}
    ind = "          "
    out = [f"  <{p}:Client>\n", _el(p, "Bsn", bsn, "    "), f"    <{p}:Verzoek>\n",
           _el(p, "ReferentieAanbieder", escape(ref), "      "), _el(p, "RedenVerzoek", reden, "      ")]
    if unchanged:
        out.append(f"      <{p}:OngewijzigdeProducten>\n")
        for nr in unchanged:
            out.append(f"        <{p}:OngewijzigdProduct>\n" + _el(p, "ToewijzingNummer", nr, ind)
                       + _rc(p, r.get("ongewijzigd"), ind) + f"        </{p}:OngewijzigdProduct>\n")
        out.append(f"      </{p}:OngewijzigdeProducten>\n")
    if changes:
        out.append(f"      <{p}:TeWijzigenProducten>\n")
        for c in changes:
            out.append(
                f"        <{p}:TeWijzigenProduct>\n"
                + _el(p, "ToewijzingNummer", c.nr, ind)
                + _el(p, "GewensteIngangsdatum", c.gewenst.isoformat(), ind)
                + _el(p, "Einddatum", c.eind.isoformat(), ind)
                + _omvang(p, c.volume, c.eenheid, c.frequentie, ind)
                + _rc(p, r.get("tewijzigen"), ind)
                + f"        </{p}:TeWijzigenProduct>\n"
            )
        out.append(f"      </{p}:TeWijzigenProducten>\n")
    out.append(_rc(p, r.get("verzoek"), "      "))
    out.append(f"    </{p}:Verzoek>\n")
    out.append(_rc(p, r.get("client"), "    "))
    out.append(f"  </{p}:Client>\n")
    n = max(1, len(unchanged) + len(changes))
    return "".join(out), n


def jw317(h: Hdr, bsn: str, ref: str, reden: str, unchanged: Sequence[int],
          changes: Sequence[VowChange]) -> tuple[str, int]:
    p = "jw317"
    body, n = _client317(p, bsn, ref, reden, unchanged, changes, None)
    return _open(p) + _header(p, "486", h) + f"  </{p}:Header>\n" + body + _close(p), n


def jw318(heen: Hdr, ident: str, dag: date, bsn: str | None = None, ref: str = "", reden: str = "",
          unchanged: Sequence[int] = (), changes: Sequence[VowChange] = (), rc: dict | None = None) -> tuple[str, int]:
    p = "jw318"
    if rc and bsn:
        body, _ = _client317(p, bsn, ref, reden, unchanged, changes, rc)
        n = 1 + 2 + len(unchanged) + len(changes)
    else:
        body, n = "", 1
    return _open(p) + _retour_header(p, "JW318", heen, ident, dag, None) + body + _close(p), n


# ---------------------------------------------------------------- JW319 / JW320
def _antwoord(p: str, ref: str, antwoord: str, reden: str | None, woonplaats: str | None, rc: dict | None) -> str:
    r = rc or {}
    s = [f"  <{p}:Antwoord>\n", _el(p, "ReferentieAanbieder", escape(ref), "    "),
         _el(p, "VerzoekAntwoord", antwoord, "    ")]
    if reden:
        s.append(_el(p, "RedenAfwijzingVerzoek", reden, "    "))
    if woonplaats:
        s.append(f"    <{p}:Woonplaatsbeginsel>\n" + _el(p, "Gemeente", woonplaats, "      ")
                 + _rc(p, r.get("woonplaats"), "      ") + f"    </{p}:Woonplaatsbeginsel>\n")
    s.append(_rc(p, r.get("antwoord"), "    "))
    s.append(f"  </{p}:Antwoord>\n")
    return "".join(s)


def jw319(h: Hdr, ref: str, antwoord: str, reden: str | None = None, woonplaats: str | None = None) -> tuple[str, int]:
    p = "jw319"
    body = _antwoord(p, ref, antwoord, reden, woonplaats, None)
    return _open(p) + _header(p, "488", h) + f"  </{p}:Header>\n" + body + _close(p), 1


def jw320(heen: Hdr, ident: str, dag: date, ref: str = "", antwoord: str = "", reden: str | None = None,
          woonplaats: str | None = None, rc: dict | None = None) -> tuple[str, int]:
    p = "jw320"
    body = _antwoord(p, ref, antwoord, reden, woonplaats, rc) if rc else ""
    n = 1 + ((2 if woonplaats else 1) if body else 0)
    return _open(p) + _retour_header(p, "JW320", heen, ident, dag, None) + body + _close(p), n


# ---------------------------------------------------------------- JW323 / JW325
def _bedrag(p: str, name: str, inner: str, amount: int, dc: str, ind: str) -> str:
    return (f"{ind}<{p}:{name}>\n{ind}  <ijw:{inner}>{amount}</ijw:{inner}>\n"
            f"{ind}  <ijw:DebetCredit>{dc}</ijw:DebetCredit>\n{ind}</{p}:{name}>\n")


def signed_total(total: int) -> tuple[int, str]:
    return (total, "D") if total >= 0 else (-total, "C")


def _prestatie(p: str, x: Prestatie, codes: Codes) -> str:
    ind = "          "
    vorig = f"{ind}  <ijw:VorigReferentieNummer>{x.vorig}</ijw:VorigReferentieNummer>\n" if x.vorig else ""
    a = x.asg
    return (
        f"        <{p}:Prestatie>\n"
        f"{ind}<{p}:ProductReferentie>\n{ind}  <ijw:ReferentieNummer>{x.ref}</ijw:ReferentieNummer>\n{vorig}"
        f"{ind}</{p}:ProductReferentie>\n"
        + _el(p, "ToewijzingNummer", a.nr, ind)
        + _el(p, "ProductCategorie", a.prod.category, ind)
        + _el(p, "ProductCode", a.prod.code, ind)
        + f"{ind}<{p}:ProductPeriode>\n{ind}  <ijw:Begindatum>{x.begin.isoformat()}</ijw:Begindatum>\n"
        f"{ind}  <ijw:Einddatum>{x.end.isoformat()}</ijw:Einddatum>\n{ind}</{p}:ProductPeriode>\n"
        + _el(p, "GeleverdVolume", x.volume, ind)
        + _el(p, "Eenheid", a.prod.eenheid, ind)
        + _el(p, "ProductTarief", x.tariff, ind)
        + _bedrag(p, "IngediendBedrag", "Bedrag", x.amount, x.dc, ind)
        + _rc(p, codes, ind)
        + f"        </{p}:Prestatie>\n"
    )


def _clients(p: str, prestaties: Sequence[Prestatie], with_codes: bool) -> str:
    by_bsn: dict[str, list[Prestatie]] = {}
    for x in prestaties:
        by_bsn.setdefault(x.asg.youth.bsn, []).append(x)
    out = [f"    <{p}:Clienten>\n"]
    for bsn in sorted(by_bsn):
        out.append(f"      <{p}:Client>\n" + _el(p, "Bsn", bsn, "        ") + f"        <{p}:Prestaties>\n")
        for x in by_bsn[bsn]:
            out.append(_prestatie(p, x, (x.outcome,) if with_codes else None))
        out.append(f"        </{p}:Prestaties>\n")
        if with_codes:
            out.append(_rc(p, ("0200",), "        "))
        out.append(f"      </{p}:Client>\n")
    out.append(f"    </{p}:Clienten>\n")
    return "".join(out)


def jw323(h: Hdr, nummer: str, periode_begin: date, periode_end: date,
          prestaties: Sequence[Prestatie]) -> tuple[str, int]:
    p = "jw323"
    total, dc = signed_total(sum(x.amount if x.dc == "D" else -x.amount for x in prestaties))
    return (
        _open(p) + _header(p, "490", h) + f"  </{p}:Header>\n"
        + f"  <{p}:Declaratie>\n"
        + _el(p, "DeclaratieNummer", nummer, "    ")
        + f"    <{p}:DeclaratiePeriode>\n      <ijw:Begindatum>{periode_begin.isoformat()}</ijw:Begindatum>\n"
        f"      <ijw:Einddatum>{periode_end.isoformat()}</ijw:Einddatum>\n    </{p}:DeclaratiePeriode>\n"
        + _el(p, "DeclaratieDagtekening", h.dag.isoformat(), "    ")
        + _bedrag(p, "TotaalIngediendBedrag", "TotaalBedrag", total, dc, "    ")
        + _clients(p, prestaties, False)
        + f"  </{p}:Declaratie>\n"
        + _close(p),
        len(prestaties),
    )


def jw325(h: Hdr, decl: Hdr, nummer: str, prestaties: Sequence[Prestatie]) -> tuple[str, int]:
    """The answer on a 323: rejected prestaties carry x.outcome as their RetourCode."""
    p = "jw325"
    ingediend = sum(x.amount if x.dc == "D" else -x.amount for x in prestaties)
    rejected = [x for x in prestaties if x.outcome not in (None, "ok")]
    toegekend = ingediend - sum(x.amount if x.dc == "D" else -x.amount for x in rejected)
    ti, tidc = signed_total(ingediend)
    tt, ttdc = signed_total(toegekend)
    header = (
        _header(p, "491", h)
        + _ident(p, "DeclaratieIdentificatie", decl.ident, decl.dag, "    ")
        + _xsdversie(p, "XsdVersieDeclaratie", "    ")
        + _rc(p, ("0200",), "    ")
        + f"  </{p}:Header>\n"
    )
    body = (
        f"  <{p}:DeclaratieAntwoord>\n"
        + _el(p, "DeclaratieNummer", nummer, "    ")
        + _bedrag(p, "TotaalIngediendBedrag", "TotaalBedrag", ti, tidc, "    ")
        + _bedrag(p, "TotaalToegekendBedrag", "TotaalBedrag", tt, ttdc, "    ")
        + (_clients(p, rejected, True) if rejected else "")
        + _rc(p, ("0200",) if rejected else ("8001",), "    ")
        + f"  </{p}:DeclaratieAntwoord>\n"
    )
    return _open(p) + header + body + _close(p), 1 + len(rejected)
