"""Parse one iJw 3.2 message (bytes) into raw records and quarantine entries.

Pure and picklable: runs in worker processes. Hardening: DOCTYPE/ENTITY declarations are refused before
parsing, the lxml parser never resolves entities, never loads a DTD and never touches the network, and the
file size is capped by the caller. The BSN is checked (11-proof) and replaced by `youth_key` here; names,
addresses, phone numbers and free-text comments are never read.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from jeugdkpi.ingest.berichten.schema import RECORD_TABLES, table_columns
from jeugdkpi.pseudonym import Pseudonymiser, elfproef

IJW_NS_RE = re.compile(r"^\{http://www\.istandaarden\.nl/ijw/(\d+)_(\d+)/jw(\d{3})/schema\}Bericht$")
BASIS_NS = "{http://www.istandaarden.nl/ijw/3_2/basisschema/schema}"
SUPPORTED_RELEASE = ("3", "2")

BERICHTCODES = {
    "301": "436", "302": "437", "305": "438", "306": "439", "307": "440", "308": "441",
    "315": "446", "316": "447", "317": "486", "318": "487", "319": "488", "320": "489",
    "323": "490", "325": "491",
}
# Messages sent by the municipality: Afzender = gemeente, Ontvanger = AGB (retours copy the heen header).
GEMEENTE_SENDS = {"301", "302", "319", "320", "325"}
RETOUR_OF = {"302": "301", "306": "305", "308": "307", "316": "315", "318": "317", "320": "319"}
RETOUR_CLASSES = {
    "302": ("Client", "ToegewezenProduct"),
    "306": ("Client", "StartProduct"),
    "308": ("Client", "StopProduct"),
    "316": ("Client", "AangevraagdProduct"),
    "318": ("Client", "Verzoek", "OngewijzigdProduct", "TeWijzigenProduct", "NieuwProduct"),
    "320": ("Antwoord", "Woonplaatsbeginsel"),
}
TABLE_INDEX = {t: {c: i for i, (c, _) in enumerate(table_columns(t))} for t in RECORD_TABLES}

_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_QUOTED = re.compile(r"'([^']*)'")
_PATTERNS: dict[str, re.Pattern] = {}


def _compiled(regex: str) -> re.Pattern:
    pattern = _PATTERNS.get(regex)
    if pattern is None:
        pattern = _PATTERNS[regex] = re.compile(regex)
    return pattern


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, collect_ids=False)


_PARSER = _parser()


class RecordError(Exception):
    """A record (or the whole message) breaks a structural rule."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class ParseContext:
    pseudonymiser: Pseudonymiser
    peildatum: dt.date
    run_id: str
    xsd_dir: Path | None = None
    _schemas: dict[str, etree.XMLSchema] = field(default_factory=dict)

    def schema_for(self, code: str) -> etree.XMLSchema:
        if code not in self._schemas:
            xsd = self.xsd_dir / f"JW{code}.xsd"
            if not xsd.exists():
                raise FileNotFoundError(f"no XSD for JW{code} in {self.xsd_dir}")
            self._schemas[code] = etree.XMLSchema(etree.parse(str(xsd), _parser()))
        return self._schemas[code]


@dataclass
class ParseResult:
    message_row: tuple | None = None  # raw.berichten row when the message loaded (fully or partly)
    records: dict[str, list[tuple]] = field(default_factory=dict)
    quarantine: list[tuple[str | None, str, str]] = field(default_factory=list)  # (locator, reason, message)
    n_in: int = 0

    @property
    def n_loaded(self) -> int:
        return sum(len(v) for v in self.records.values())

    def reject_file(self, reason: str, message: str) -> "ParseResult":
        self.records.clear()
        self.message_row = None
        self.quarantine = [(None, reason, message)]
        self.n_in = 1
        return self


def redact(text: str) -> str:
    """Keep element and type names in parser messages, drop every quoted value (it may be a BSN or a name)."""

    def repl(m: re.Match) -> str:
        inner = m.group(1)
        if inner.startswith("{") and "}" in inner:
            return "'" + inner.split("}", 1)[1] + "'"
        if inner.startswith(("xs:", "LDT_", "CDT_")) or re.fullmatch(r"[A-Z][A-Za-z]+", inner or "-"):
            return m.group(0)
        return "'…'"

    return _QUOTED.sub(repl, text)


def parse_message(data: bytes, file_path: str, sha256: str, ctx: ParseContext) -> ParseResult:
    result = ParseResult()
    if b"<!" in data and any(tok in data for tok in _FORBIDDEN):
        return result.reject_file("dtd_forbidden",
                                  "the file contains a DOCTYPE or ENTITY declaration; iJw messages never do, "
                                  "and DTDs are not processed (XXE / entity-expansion protection)")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        return result.reject_file("malformed_xml", f"not well-formed XML: {redact(str(exc))}")
    m = IJW_NS_RE.match(root.tag if isinstance(root.tag, str) else "")
    if not m:
        tag = root.tag if isinstance(root.tag, str) else "?"
        return result.reject_file("unknown_message",
                                  f"root element {redact(repr(tag))} is not an iJw Bericht "
                                  "(expected {http://www.istandaarden.nl/ijw/3_2/jwNNN/schema}Bericht)")
    major, minor, code = m.groups()
    if (major, minor) != SUPPORTED_RELEASE:
        return result.reject_file("unsupported_release",
                                  f"JW{code} in iJw release {major}.{minor}: only release 3.2 is mapped; "
                                  "add an explicit mapping for this release before loading it")
    if code not in BERICHTCODES:
        return result.reject_file("unknown_message", f"JW{code} is not an iJw 3.2 message this warehouse loads")
    if ctx.xsd_dir is not None:
        schema = ctx.schema_for(code)
        if not schema.validate(root):
            errors = "; ".join(f"line {e.line}: {redact(e.message)}" for e in list(schema.error_log)[:3])
            return result.reject_file("xsd_invalid", f"JW{code} does not validate against JW{code}.xsd: {errors}")
    try:
        _MessageParser(root, code, file_path, sha256, ctx, result).run()
    except RecordError as exc:
        return result.reject_file(exc.reason, exc.message)
    return result


class _TagNames(dict):
    """Local name -> '{namespace}name', kept per namespace: the same str objects (with their cached hash)
    are used for every lookup instead of concatenating and hashing a new 70-character key each time."""

    def __init__(self, ns: str):
        super().__init__()
        self.ns = ns

    def __missing__(self, name: str) -> str:
        tag = self[name] = self.ns + name
        return tag


_TAGS: dict[str, _TagNames] = {}
_BASIS_TAGS = _TagNames(BASIS_NS)


class _MessageParser:
    def __init__(self, root, code: str, file_path: str, sha256: str, ctx: ParseContext, result: ParseResult):
        self.root = root
        self.code = code
        self.ns = "{http://www.istandaarden.nl/ijw/3_2/jw%s/schema}" % code
        self.tags = _TAGS.setdefault(code, _TagNames(self.ns))
        self.file_path = file_path
        self.sha = sha256
        self.ctx = ctx
        self.result = result
        self.message_type = f"JW{code}"
        self._kids: dict = {}

    # ---- element helpers -------------------------------------------------------------------------
    def kids(self, parent) -> dict:
        """First child of `parent` per tag, built once per element: lxml's find() goes through ElementPath
        and costs microseconds a call, a dict lookup a few dozen nanoseconds (the ingest's hot path)."""
        kids = self._kids.get(parent)
        if kids is None:
            kids = {}
            for child in parent:
                tag = child.tag
                if tag not in kids:
                    kids[tag] = child
            self._kids[parent] = kids
        return kids

    def child(self, parent, name: str, basis: bool = False):
        return self.kids(parent).get((_BASIS_TAGS if basis else self.tags)[name])

    def children(self, parent, name: str) -> list:
        return list(parent.iterchildren(self.tags[name]))

    def el(self, parent, name: str, required: bool = True, basis: bool = False, where: str = ""):
        node = self.kids(parent).get((_BASIS_TAGS if basis else self.tags)[name])
        if node is None and required:
            raise RecordError("structure_invalid", f"{self.message_type}: required element {where}{name} is missing")
        return node

    def text(self, parent, name: str, required: bool = True, basis: bool = False, where: str = "") -> str | None:
        kids = self._kids.get(parent)
        node = (kids if kids is not None else self.kids(parent)).get((_BASIS_TAGS if basis else self.tags)[name])
        if node is None:
            if required:
                raise RecordError("structure_invalid",
                                  f"{self.message_type}: required element {where}{name} is missing")
            return None
        value = node.text
        if value:
            value = value.strip()
        if not value:
            if required:
                raise RecordError("structure_invalid", f"{self.message_type}: element {where}{name} is empty")
            return None
        return value

    def pattern(self, value: str | None, regex: str, name: str) -> str | None:
        if value is not None and not _compiled(regex).fullmatch(value):
            raise RecordError("structure_invalid", f"{self.message_type}: {name} has the wrong form")
        return value

    def date(self, parent, name: str, required: bool = True, basis: bool = False) -> str | None:
        value = self.text(parent, name, required, basis)
        return None if value is None else _date(value, name, self.message_type)

    def integer(self, parent, name: str, required: bool = True, basis: bool = False) -> int | None:
        value = self.text(parent, name, required, basis)
        return None if value is None else _int(value, name, self.message_type)

    def codes(self, parent) -> str | None:
        node = self.child(parent, "RetourCodes")
        if node is None:
            return None
        return " ".join((c.text or "").strip() for c in self.children(node, "RetourCode")) or None

    @staticmethod
    def order(start: str | None, end: str | None, what: str):
        if start and end and end < start:
            raise RecordError("impossible_dates", f"{what}: Einddatum lies before Begindatum")

    # ---- client ----------------------------------------------------------------------------------
    def youth(self, client) -> str:
        bsn = self.text(client, "Bsn")
        if not elfproef(bsn):
            raise RecordError("bsn_invalid", f"{self.message_type}: the client's BSN fails the 11-proof (value not stored)")
        return self.ctx.pseudonymiser.youth_key(bsn)

    def demographics(self, client) -> tuple[int | None, bool | None, str | None]:
        geb = self.child(client, "Geboortedatum")
        birth_year = born_jan_1 = None
        if geb is not None:
            value = self.text(geb, "Datum", basis=True)
            try:
                d = dt.date.fromisoformat(value)
            except ValueError:
                raise RecordError("invalid_date", f"{self.message_type}: Geboortedatum is not a valid date")
            usage = self.text(geb, "DatumGebruik", required=False, basis=True)
            birth_year = d.year if usage != "3" else None
            born_jan_1 = (d.month, d.day) == (1, 1) if usage in (None, "") else None
        geslacht = self.text(client, "Geslacht", required=False)
        return birth_year, born_jan_1, geslacht

    # ---- run ---------------------------------------------------------------------------------------
    def run(self) -> None:
        header = self.el(self.root, "Header")
        berichtcode = self.text(header, "BerichtCode", where="Header/")
        if berichtcode != BERICHTCODES[self.code]:
            raise RecordError("structure_invalid",
                              f"{self.message_type}: Header/BerichtCode is {berichtcode}, expected {BERICHTCODES[self.code]}")
        if self.text(header, "BerichtVersie") != "3" or self.text(header, "BerichtSubversie") != "2":
            raise RecordError("unsupported_release", f"{self.message_type}: BerichtVersie/Subversie is not 3.2")
        sender = self.text(header, "Afzender", where="Header/")
        receiver = self.text(header, "Ontvanger", where="Header/")
        ident = self.el(header, "BerichtIdentificatie", where="Header/")
        self.message_id = self.text(ident, "Identificatie", basis=True)
        self.dagtekening = self.date(ident, "Dagtekening", basis=True)
        gemeente, agb = (sender, receiver) if self.code in GEMEENTE_SENDS else (receiver, sender)
        self.pattern(gemeente, r"[0-9]{4}", "the municipality code in the header")
        self.pattern(agb, r"[0-9]{8}", "the AGB code in the header")
        self.gemeente, self.agb = gemeente, agb
        if dt.date.fromisoformat(self.dagtekening) > self.ctx.peildatum:
            raise RecordError("after_peildatum",
                              f"{self.message_type} dated {self.dagtekening} is after the peildatum "
                              f"{self.ctx.peildatum.isoformat()}; it is loaded by a run whose peildatum covers it")
        self.header = header
        handler = getattr(self, f"jw{self.code}", None) or self.retour
        handler()
        res = self.result
        n_loaded = res.n_loaded
        if n_loaded == 0:
            return  # every record was rejected: the file counts as quarantined, no message row
        res.message_row = (self.sha, self.file_path, self.message_type, berichtcode, "3.2", self.message_id,
                           self.dagtekening, sender, receiver, gemeente, agb, res.n_in, n_loaded,
                           len(res.quarantine))

    def lineage(self, locator: str) -> list:
        return [self.sha, self.file_path, locator, self.message_type, self.message_id, self.dagtekening,
                self.gemeente, self.agb, self.ctx.run_id]

    def emit(self, table: str, locator: str, values: dict) -> None:
        row = self.lineage(locator) + [None] * len(RECORD_TABLES[table])
        idx = TABLE_INDEX[table]
        for key, value in values.items():
            row[idx[key]] = value
        self.result.records.setdefault(table, []).append(tuple(row))

    def each_record(self, items, locator_fn, build):
        """Run `build` per record; a broken record goes to quarantine, the others load."""
        for i, item in enumerate(items, start=1):
            locator = locator_fn(i)
            self.result.n_in += 1
            try:
                build(item, locator)
            except RecordError as exc:
                self.result.quarantine.append((locator, exc.reason, exc.message))

    def client_records(self, container: str, record: str, build) -> None:
        """301/305/307/315: one client, a list of product records. A bad client quarantines all its records."""
        client = self.el(self.root, "Client")
        lst = self.el(client, container, where="Client/")
        items = self.children(lst, record)
        if not items:
            raise RecordError("structure_invalid", f"{self.message_type}: no {record} in Client/{container}")
        base = f"/Bericht/Client/{container}/{record}"
        try:
            youth = self.youth(client)
            demo = self.demographics(client)
        except RecordError as exc:
            for i in range(1, len(items) + 1):
                self.result.n_in += 1
                self.result.quarantine.append((f"{base}[{i}]", exc.reason, exc.message))
            return
        self.each_record(items, lambda i: f"{base}[{i}]", lambda item, loc: build(item, loc, youth, demo))

    def product(self, parent) -> tuple[str | None, str | None]:
        node = self.child(parent, "Product")
        if node is None:
            return None, None
        cat = self.pattern(self.text(node, "Categorie", basis=True), r"[0-9]{2}", "Product/Categorie")
        return cat, self.text(node, "Code", required=False, basis=True)

    def omvang(self, parent) -> dict:
        node = self.child(parent, "Omvang")
        out = {"budget": self.integer(parent, "Budget", required=False)}
        if node is not None:
            out.update(omvang_volume=self.integer(node, "Volume", basis=True),
                       omvang_eenheid=self.text(node, "Eenheid", basis=True),
                       omvang_frequentie=self.text(node, "Frequentie", basis=True))
        return out

    # ---- message types -----------------------------------------------------------------------------
    def jw301(self) -> None:
        client = self.el(self.root, "Client")
        juridisch = self.text(client, "JuridischeStatus", required=False)

        def build(item, loc, youth, demo):
            cat, code = self.product(item)
            start, end = self.date(item, "Ingangsdatum"), self.date(item, "Einddatum", required=False)
            self.order(start, end, "ToegewezenProduct")
            tijd = self.text(item, "Toewijzingstijd")
            self.pattern(tijd, r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?", "Toewijzingstijd")
            self.emit("jw301_toegewezen_product", loc, {
                "youth_key": youth, "birth_year": demo[0], "born_jan_1": demo[1], "geslacht": demo[2],
                "juridische_status": juridisch, "toewijzingnummer": self.integer(item, "ToewijzingNummer"),
                "referentie_aanbieder": self.text(item, "ReferentieAanbieder", required=False),
                "product_categorie": cat, "product_code": code,
                "toewijzingsdatum": self.date(item, "Toewijzingsdatum"), "toewijzingstijd": tijd[:8],
                "ingangsdatum": start, "einddatum": end,
                "reden_wijziging": self.text(item, "RedenWijziging", required=False),
                **self.omvang(item)})

        self.client_records("ToegewezenProducten", "ToegewezenProduct", build)

    def _start_stop(self, item, youth, demo) -> dict:
        cat, code = self.product(item)
        status = self.text(item, "StatusAanlevering")
        if status not in ("1", "3"):
            raise RecordError("structure_invalid",
                              f"{self.message_type}: StatusAanlevering {status} is not allowed (only 1 and 3)")
        return {"youth_key": youth, "birth_year": demo[0], "born_jan_1": demo[1], "geslacht": demo[2],
                "toewijzingnummer": self.integer(item, "ToewijzingNummer", required=False),
                "product_categorie": cat, "product_code": code,
                "toewijzing_ingangsdatum": self.date(item, "ToewijzingIngangsdatum", required=False),
                "begindatum": self.date(item, "Begindatum"), "status_aanlevering": status}

    def jw305(self) -> None:
        def build(item, loc, youth, demo):
            self.emit("jw305_start_product", loc, self._start_stop(item, youth, demo))

        self.client_records("StartProducten", "StartProduct", build)

    def jw307(self) -> None:
        def build(item, loc, youth, demo):
            values = self._start_stop(item, youth, demo)
            values["reden_beeindiging"] = self.pattern(self.text(item, "RedenBeeindiging"), r"[0-9]{2}",
                                                       "RedenBeeindiging")
            values["einddatum"] = self.date(item, "Einddatum")
            self.order(values["begindatum"], values["einddatum"], "StopProduct")
            self.emit("jw307_stop_product", loc, values)

        self.client_records("StopProducten", "StopProduct", build)

    def jw315(self) -> None:
        def build(item, loc, youth, demo):
            cat, code = self.product(item)
            start = self.date(item, "ToewijzingIngangsdatum")
            end = self.date(item, "ToewijzingEinddatum", required=False)
            self.order(start, end, "AangevraagdProduct")
            verwijzer = self.child(item, "Verwijzer")
            self.emit("jw315_aangevraagd_product", loc, {
                "youth_key": youth, "birth_year": demo[0], "born_jan_1": demo[1], "geslacht": demo[2],
                "referentie_aanbieder": self.text(item, "ReferentieAanbieder"),
                "beschikkingnummer": self.integer(item, "BeschikkingNummer", required=False),
                "product_categorie": cat, "product_code": code,
                "beschikking_ingangsdatum": self.date(item, "BeschikkingIngangsdatum", required=False),
                "toewijzing_ingangsdatum": start, "toewijzing_einddatum": end, **self.omvang(item),
                "verwijzer_type": self.text(verwijzer, "Type", basis=True) if verwijzer is not None else None,
                "raamcontract": self.text(item, "Raamcontract", required=False)})

        self.client_records("AangevraagdeProducten", "AangevraagdProduct", build)

    def jw317(self) -> None:
        client = self.el(self.root, "Client")
        verzoek = self.el(client, "Verzoek", where="Client/")
        groups = [("OngewijzigdeProducten", "OngewijzigdProduct", "ongewijzigd"),
                  ("TeWijzigenProducten", "TeWijzigenProduct", "te_wijzigen"),
                  ("NieuweProducten", "NieuwProduct", "nieuw")]
        lines = []
        for container, record, kind in groups:
            node = self.child(verzoek, container)
            if node is not None:
                lines += [(item, f"/Bericht/Client/Verzoek/{container}/{record}[{i}]", kind)
                          for i, item in enumerate(self.children(node, record), start=1)]
        if not lines:
            lines = [(None, "/Bericht/Client/Verzoek", None)]
        try:
            youth = self.youth(client)
            ref = self.text(verzoek, "ReferentieAanbieder")
            reden = self.text(verzoek, "RedenVerzoek")
        except RecordError as exc:
            for _, loc, _ in lines:
                self.result.n_in += 1
                self.result.quarantine.append((loc, exc.reason, exc.message))
            return

        def build(line, loc):
            item, _, kind = line
            values = {"youth_key": youth, "referentie_aanbieder": ref, "reden_verzoek": reden, "line_type": kind}
            if item is not None:
                cat, code = self.product(item)
                start = self.date(item, "GewensteIngangsdatum", required=kind != "ongewijzigd")
                end = self.date(item, "Einddatum", required=False)
                self.order(start, end, "Verzoek product line")
                values.update(toewijzingnummer=self.integer(item, "ToewijzingNummer", required=kind != "nieuw"),
                              product_categorie=cat, product_code=code, gewenste_ingangsdatum=start,
                              einddatum=end, **self.omvang(item))
            self.emit("jw317_verzoek", loc, values)

        self.each_record(lines, lambda i: lines[i - 1][1], build)

    def jw319(self) -> None:
        antwoord = self.el(self.root, "Antwoord")

        def build(item, loc):
            wpb = self.child(item, "Woonplaatsbeginsel")
            self.emit("jw319_antwoord", loc, {
                "referentie_aanbieder": self.text(item, "ReferentieAanbieder"),
                "verzoek_antwoord": self.text(item, "VerzoekAntwoord"),
                "reden_afwijzing_verzoek": self.text(item, "RedenAfwijzingVerzoek", required=False),
                "woonplaatsbeginsel_gemeente": self.text(wpb, "Gemeente") if wpb is not None else None})

        self.each_record([antwoord], lambda i: "/Bericht/Antwoord", build)

    def _prestatie(self, p) -> dict:
        # The hottest record (a 323 holds dozens): its leaves are read in one pass into a dict instead of a
        # lookup per field (see docs/ingest.md, performance). Element names are matched by local name here;
        # JEUGDKPI_XSD_DIR validation checks their namespaces when it is set.
        m = _leaves(p)
        mt = self.message_type
        begin = _date(_req(m, "ProductPeriode/Begindatum", mt), "Begindatum", mt)
        end = _date(_req(m, "ProductPeriode/Einddatum", mt), "Einddatum", mt)
        self.order(begin, end, "Prestatie/ProductPeriode")
        dc = _req(m, "IngediendBedrag/DebetCredit", mt)
        if dc not in ("D", "C"):
            raise RecordError("structure_invalid", f"{mt}: DebetCredit must be D or C")
        categorie = _req(m, "ProductCategorie", mt)
        if not _TWO_DIGITS.fullmatch(categorie):
            raise RecordError("structure_invalid", f"{mt}: ProductCategorie has the wrong form")
        tarief = m.get("ProductTarief")
        return {"referentienummer": _req(m, "ProductReferentie/ReferentieNummer", mt),
                "vorig_referentienummer": m.get("ProductReferentie/VorigReferentieNummer"),
                "toewijzingnummer": _int(_req(m, "ToewijzingNummer", mt), "ToewijzingNummer", mt),
                "product_categorie": categorie,
                "product_code": _req(m, "ProductCode", mt), "begindatum": begin, "einddatum": end,
                "geleverd_volume": _int(_req(m, "GeleverdVolume", mt), "GeleverdVolume", mt),
                "eenheid": _req(m, "Eenheid", mt),
                "product_tarief": None if tarief is None else _int(tarief, "ProductTarief", mt),
                "ingediend_bedrag": _int(_req(m, "IngediendBedrag/Bedrag", mt), "Bedrag", mt), "debet_credit": dc}

    def signed_total(self, parent, name: str) -> int:
        node = self.el(parent, name)
        amount = self.integer(node, "TotaalBedrag", basis=True)
        dc = self.text(node, "DebetCredit", basis=True)
        if dc not in ("D", "C"):
            raise RecordError("structure_invalid", f"{self.message_type}: {name}/DebetCredit must be D or C")
        return amount if dc == "D" else -amount

    def _clients_prestaties(self, clienten, base: str, table: str, extra: dict, with_codes: bool) -> None:
        for ci, client in enumerate(self.children(clienten, "Client"), start=1):
            prestaties = self.children(self.el(client, "Prestaties"), "Prestatie")
            cbase = f"{base}/Client[{ci}]/Prestaties/Prestatie"
            try:
                youth = self.youth(client)
            except RecordError as exc:
                for i in range(1, len(prestaties) + 1):
                    self.result.n_in += 1
                    self.result.quarantine.append((f"{cbase}[{i}]", exc.reason, exc.message))
                continue
            client_codes = self.codes(client) if with_codes else None

            def build(p, loc):
                values = {**extra, "youth_key": youth, **self._prestatie(p)}
                if with_codes:
                    values["client_retourcodes"] = client_codes
                    values["retourcodes"] = self.codes(p) or client_codes or ""
                self.emit(table, loc, values)

            self.each_record(prestaties, lambda i: f"{cbase}[{i}]", build)

    def jw323(self) -> None:
        decl = self.el(self.root, "Declaratie")
        periode = self.el(decl, "DeclaratiePeriode")
        begin, end = self.date(periode, "Begindatum", basis=True), self.date(periode, "Einddatum", basis=True)
        self.order(begin, end, "DeclaratiePeriode")
        extra = {"declaratienummer": self.text(decl, "DeclaratieNummer"),
                 "declaratie_begindatum": begin, "declaratie_einddatum": end,
                 "declaratie_dagtekening": self.date(decl, "DeclaratieDagtekening"),
                 "totaal_ingediend_bedrag": self.signed_total(decl, "TotaalIngediendBedrag")}
        self._clients_prestaties(self.el(decl, "Clienten"), "/Bericht/Declaratie/Clienten", "jw323_prestatie",
                                 extra, with_codes=False)

    def jw325(self) -> None:
        decl_id = self.el(self.header, "DeclaratieIdentificatie", where="Header/")
        decl_msg = self.text(decl_id, "Identificatie", basis=True)
        decl_dag = self.date(decl_id, "Dagtekening", basis=True)
        header_codes = self.codes(self.header) or ""
        antwoord = self.child(self.root, "DeclaratieAntwoord")

        def build(item, loc):
            values = {"declaratie_message_id": decl_msg, "declaratie_message_dagtekening": decl_dag,
                      "header_retourcodes": header_codes}
            if item is not None:
                values.update(declaratienummer=self.text(item, "DeclaratieNummer"),
                              totaal_ingediend_bedrag=self.signed_total(item, "TotaalIngediendBedrag"),
                              totaal_toegekend_bedrag=self.signed_total(item, "TotaalToegekendBedrag"),
                              antwoord_retourcodes=self.codes(item))
            self.emit("jw325_declaratie_antwoord", loc, values)

        self.each_record([antwoord], lambda i: "/Bericht/DeclaratieAntwoord" if antwoord is not None
                         else "/Bericht/Header", build)
        if antwoord is not None:
            clienten = self.child(antwoord, "Clienten")
            if clienten is not None:
                extra = {"declaratie_message_id": decl_msg,
                         "declaratienummer": self.text(antwoord, "DeclaratieNummer")}
                self._clients_prestaties(clienten, "/Bericht/DeclaratieAntwoord/Clienten", "jw325_prestatie",
                                         extra, with_codes=True)

    def retour(self) -> None:
        ident_retour = self.text(self.header, "IdentificatieRetour", where="Header/")
        dag_retour = self.date(self.header, "DagtekeningRetour")
        common = {"heen_message_type": f"JW{RETOUR_OF[self.code]}", "identificatie_retour": ident_retour,
                  "dagtekening_retour": dag_retour}
        units = [(self.header, "/Bericht/Header", "Header", None)]
        classes = set(RETOUR_CLASSES[self.code])
        # Walk the payload in document order; every class that carries RetourCodes is one record.
        for node in self.root.iterchildren():
            if node is self.header:
                continue
            for el in node.iter(self.ns + "*"):
                name = etree.QName(el).localname
                if name in classes and self.child(el, "RetourCodes") is not None:
                    units.append((el, _locator(self.root, el), name, el))

        youth = None
        client = self.child(self.root, "Client")
        if client is not None:
            try:
                youth = self.youth(client)
            except RecordError as exc:
                for _, loc, _, _ in units:
                    self.result.n_in += 1
                    self.result.quarantine.append((loc, exc.reason, exc.message))
                return

        def build(unit, loc):
            el, _, name, payload = unit
            values = {**common, "class_name": name, "youth_key": youth if name != "Header" else None,
                      "retourcodes": self.codes(el)}
            if payload is not None and name != "Client":
                cat, code = self.product(payload)
                values.update(product_categorie=cat, product_code=code,
                              toewijzingnummer=self.integer(payload, "ToewijzingNummer", required=False),
                              begindatum=self.date(payload, "Begindatum", required=False),
                              referentie_aanbieder=self.text(payload, "ReferentieAanbieder", required=False))
            self.emit("retour", loc, values)

        self.each_record(units, lambda i: units[i - 1][1], build)


_TWO_DIGITS = re.compile(r"[0-9]{2}")


class _LocalNames(dict):
    """'{namespace}Name' -> 'prefix' + 'Name': one dict lookup per leaf instead of rfind, slice and concat
    (the tags of a 323 prestatie are the same few dozen strings in every message)."""

    def __init__(self, prefix: str = ""):
        super().__init__()
        self.prefix = prefix

    def __missing__(self, tag: str) -> str:
        name = self[tag] = self.prefix + tag[tag.rfind("}") + 1:]
        return name


_LOCAL = _LocalNames()
_NESTED: dict[str, _LocalNames] = {}


def _leaves(el) -> dict[str, str | None]:
    """The leaf texts of `el`, two levels deep, by local path ('Eenheid', 'ProductPeriode/Begindatum'),
    stripped, empty as None; the first of a repeated element wins (as with find())."""
    out: dict[str, str | None] = {}
    for child in el:
        name = _LOCAL[child.tag]
        if len(child):
            names = _NESTED.get(name)
            if names is None:
                names = _NESTED[name] = _LocalNames(name + "/")
            for leaf in child:
                key = names[leaf.tag]
                if key not in out:
                    text = leaf.text
                    out[key] = (text.strip() or None) if text else None
        elif name not in out:
            text = child.text
            out[name] = (text.strip() or None) if text else None
    return out


def _req(leaves: dict, key: str, message_type: str) -> str:
    value = leaves.get(key)
    if value is None:
        raise RecordError("structure_invalid", f"{message_type}: required element {key} is missing or empty")
    return value


def _date(value: str, name: str, message_type: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise RecordError("invalid_date", f"{message_type}: {name} is not a valid date (YYYY-MM-DD)")
    if len(value) != 10:
        raise RecordError("invalid_date", f"{message_type}: {name} is not in the form YYYY-MM-DD")
    return value


def _int(value: str, name: str, message_type: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise RecordError("structure_invalid", f"{message_type}: {name} is not a non-negative integer")
    return int(value)


def _locator(root, el) -> str:
    """An XPath-like locator without namespace prefixes: /Bericht/Client/StartProducten/StartProduct[2]."""
    parts = []
    node = el
    while node is not None and node is not root:
        parent = node.getparent()
        name = etree.QName(node).localname
        same = [c for c in parent.iterchildren(node.tag)]
        parts.append(f"{name}[{same.index(node) + 1}]" if len(same) > 1 else name)
        node = parent
    return "/Bericht/" + "/".join(reversed(parts))
