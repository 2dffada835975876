"""Declarations (JW323) and their answers (JW325)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from jeugdkpi.generate.model import Hdr, Prestatie
from jeugdkpi.generate.render import base


# ---------------------------------------------------------------- JW323 / JW325
def _bedrag(p: str, name: str, inner: str, amount: int, dc: str, ind: str) -> str:
    return (f"{ind}<{p}:{name}>\n{ind}  <ijw:{inner}>{amount}</ijw:{inner}>\n"
            f"{ind}  <ijw:DebetCredit>{dc}</ijw:DebetCredit>\n{ind}</{p}:{name}>\n")


def signed_total(total: int) -> tuple[int, str]:
    return (total, "D") if total >= 0 else (-total, "C")


def _prestatie(p: str, x: Prestatie, codes: base.Codes) -> str:
    ind = "          "
    vorig = f"{ind}  <ijw:VorigReferentieNummer>{x.vorig}</ijw:VorigReferentieNummer>\n" if x.vorig else ""
    a = x.asg
    return (
        f"        <{p}:Prestatie>\n"
        f"{ind}<{p}:ProductReferentie>\n{ind}  <ijw:ReferentieNummer>{x.ref}</ijw:ReferentieNummer>\n{vorig}"
        f"{ind}</{p}:ProductReferentie>\n"
        + base.el(p, "ToewijzingNummer", a.nr, ind)
        + base.el(p, "ProductCategorie", a.prod.category, ind)
        + base.el(p, "ProductCode", a.prod.code, ind)
        + f"{ind}<{p}:ProductPeriode>\n{ind}  <ijw:Begindatum>{x.begin.isoformat()}</ijw:Begindatum>\n"
        f"{ind}  <ijw:Einddatum>{x.end.isoformat()}</ijw:Einddatum>\n{ind}</{p}:ProductPeriode>\n"
        + base.el(p, "GeleverdVolume", x.volume, ind)
        + base.el(p, "Eenheid", a.prod.eenheid, ind)
        + base.el(p, "ProductTarief", x.tariff, ind)
        + _bedrag(p, "IngediendBedrag", "Bedrag", x.amount, x.dc, ind)
        + base.retourcodes(p, codes, ind)
        + f"        </{p}:Prestatie>\n"
    )


def _clients(p: str, prestaties: Sequence[Prestatie], with_codes: bool) -> str:
    by_bsn: dict[str, list[Prestatie]] = {}
    for x in prestaties:
        by_bsn.setdefault(x.asg.youth.bsn, []).append(x)
    out = [f"    <{p}:Clienten>\n"]
    for bsn in sorted(by_bsn):
        out.append(f"      <{p}:Client>\n" + base.el(p, "Bsn", bsn, "        ") + f"        <{p}:Prestaties>\n")
        for x in by_bsn[bsn]:
            out.append(_prestatie(p, x, (x.outcome,) if with_codes else None))
        out.append(f"        </{p}:Prestaties>\n")
        if with_codes:
            out.append(base.retourcodes(p, ("0200",), "        "))
        out.append(f"      </{p}:Client>\n")
    out.append(f"    </{p}:Clienten>\n")
    return "".join(out)


def jw323(h: Hdr, nummer: str, periode_begin: date, periode_end: date,
          prestaties: Sequence[Prestatie]) -> tuple[str, int]:
    p = "jw323"
    total, dc = signed_total(sum(x.amount if x.dc == "D" else -x.amount for x in prestaties))
    return (
        base.open_bericht(p) + base.msg_header(p, "490", h) + f"  </{p}:Header>\n"
        + f"  <{p}:Declaratie>\n"
        + base.el(p, "DeclaratieNummer", nummer, "    ")
        + f"    <{p}:DeclaratiePeriode>\n      <ijw:Begindatum>{periode_begin.isoformat()}</ijw:Begindatum>\n"
        f"      <ijw:Einddatum>{periode_end.isoformat()}</ijw:Einddatum>\n    </{p}:DeclaratiePeriode>\n"
        + base.el(p, "DeclaratieDagtekening", h.dag.isoformat(), "    ")
        + _bedrag(p, "TotaalIngediendBedrag", "TotaalBedrag", total, dc, "    ")
        + _clients(p, prestaties, False)
        + f"  </{p}:Declaratie>\n"
        + base.close_bericht(p),
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
        base.msg_header(p, "491", h)
        + base.ident_el(p, "DeclaratieIdentificatie", decl.ident, decl.dag, "    ")
        + base.xsdversie(p, "XsdVersieDeclaratie", "    ")
        + base.retourcodes(p, ("0200",), "    ")
        + f"  </{p}:Header>\n"
    )
    body = (
        f"  <{p}:DeclaratieAntwoord>\n"
        + base.el(p, "DeclaratieNummer", nummer, "    ")
        + _bedrag(p, "TotaalIngediendBedrag", "TotaalBedrag", ti, tidc, "    ")
        + _bedrag(p, "TotaalToegekendBedrag", "TotaalBedrag", tt, ttdc, "    ")
        + (_clients(p, rejected, True) if rejected else "")
        + base.retourcodes(p, ("0200",) if rejected else ("8001",), "    ")
        + f"  </{p}:DeclaratieAntwoord>\n"
    )
    return base.open_bericht(p) + header + body + base.close_bericht(p), 1 + len(rejected)
