"""The building blocks of every iJw 3.2 message: namespaces, header, retour header, RetourCodes, common elements.

Indentation is part of the output (two spaces a level); `ind` is the indentation of the element written.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from xml.sax.saxutils import escape

from jeugdkpi.generate.model import Hdr, Youth

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


def prefix(mtype: str) -> str:
    return "jw" + mtype[2:]


def open_bericht(p: str, release: str = "3_2") -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<{p}:Bericht xmlns:{p}="http://www.istandaarden.nl/ijw/{release}/{p}/schema" '
        f'xmlns:ijw="http://www.istandaarden.nl/ijw/{release}/basisschema/schema">\n'
    )


def close_bericht(p: str) -> str:
    return f"</{p}:Bericht>\n"


def ijw_group(p: str, name: str, ind: str, **children: object) -> str:
    """<p:name> holding one basisschema element per child, in the order given."""
    inner = "".join(f"{ind}  <ijw:{tag}>{value}</ijw:{tag}>\n" for tag, value in children.items())
    return f"{ind}<{p}:{name}>\n{inner}{ind}</{p}:{name}>\n"


def xsdversie(p: str, name: str, ind: str) -> str:
    return ijw_group(p, name, ind, BasisschemaXsdVersie=XSD_VERSIE, BerichtXsdVersie=XSD_VERSIE)


def ident_el(p: str, name: str, ident: str, dag: date, ind: str) -> str:
    return ijw_group(p, name, ind, Identificatie=ident, Dagtekening=dag.isoformat())


def retourcodes(p: str, codes: Codes, ind: str) -> str:
    if not codes:
        return ""
    inner = "".join(f"{ind}  <{p}:RetourCode>{c}</{p}:RetourCode>\n" for c in codes)
    return f"{ind}<{p}:RetourCodes>\n{inner}{ind}</{p}:RetourCodes>\n"


def bericht(p: str, content: str) -> str:
    """A whole iJw 3.2 message of prefix p: its header and body inside <p:Bericht>."""
    return open_bericht(p) + content + close_bericht(p)


def heen_header(p: str, code: str, h: Hdr) -> str:
    """The complete header of a heenbericht."""
    return msg_header(p, code, h) + f"  </{p}:Header>\n"


def msg_header(p: str, code: str, h: Hdr, subversie: str = "2") -> str:
    return (
        f"  <{p}:Header>\n"
        f"    <{p}:BerichtCode>{code}</{p}:BerichtCode>\n"
        f"    <{p}:BerichtVersie>3</{p}:BerichtVersie>\n"
        f"    <{p}:BerichtSubversie>{subversie}</{p}:BerichtSubversie>\n"
        f"    <{p}:Afzender>{h.sender}</{p}:Afzender>\n"
        f"    <{p}:Ontvanger>{h.receiver}</{p}:Ontvanger>\n"
        + ident_el(p, "BerichtIdentificatie", h.ident, h.dag, "    ")
        + xsdversie(p, "XsdVersie", "    ")
    )


def retour_header(p: str, rtype: str, heen: Hdr, ident: str, dag: date, codes: Codes) -> str:
    return (
        msg_header(p, BERICHTCODE[rtype], heen)
        + f"    <{p}:IdentificatieRetour>{ident}</{p}:IdentificatieRetour>\n"
        + f"    <{p}:DagtekeningRetour>{dag.isoformat()}</{p}:DagtekeningRetour>\n"
        + xsdversie(p, "XsdVersieRetour", "    ")
        + retourcodes(p, codes, "    ")
        + f"  </{p}:Header>\n"
    )


def el(p: str, name: str, value: object, ind: str) -> str:
    return f"{ind}<{p}:{name}>{value}</{p}:{name}>\n"


def product(p: str, cat: str, code: str | None, ind: str, name: str = "Product") -> str:
    code_el = f"{ind}  <ijw:Code>{code}</ijw:Code>\n" if code else ""
    return f"{ind}<{p}:{name}>\n{ind}  <ijw:Categorie>{cat}</ijw:Categorie>\n{code_el}{ind}</{p}:{name}>\n"


def omvang(p: str, volume: int, eenheid: str, freq: str, ind: str) -> str:
    return ijw_group(p, "Omvang", ind, Volume=volume, Eenheid=eenheid, Frequentie=freq)


def person_short(p: str, y: Youth, ind: str) -> str:
    return (
        el(p, "Bsn", y.bsn, ind)
        + f"{ind}<{p}:Geboortedatum>\n{ind}  <ijw:Datum>{y.birth.isoformat()}</ijw:Datum>\n{ind}</{p}:Geboortedatum>\n"
        + el(p, "Geslacht", y.gender, ind)
        + f"{ind}<{p}:Naam>\n"
        f"{ind}  <ijw:Geslachtsnaam>\n{ind}    <ijw:Achternaam>{escape(y.surname)}</ijw:Achternaam>\n"
        f"{ind}  </ijw:Geslachtsnaam>\n"
        f"{ind}  <ijw:Voornamen>{escape(y.first_name)}</ijw:Voornamen>\n"
        f"{ind}  <ijw:Voorletters>{y.initials}</ijw:Voorletters>\n"
        f"{ind}</{p}:Naam>\n"
    )

