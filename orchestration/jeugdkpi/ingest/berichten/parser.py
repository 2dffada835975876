"""Parse one iJw 3.2 message (bytes) into raw records and quarantine entries.

Pure and picklable: runs in worker processes. Hardening: DOCTYPE/ENTITY declarations are refused in any
encoding (a byte search before parsing, the parsed document's docinfo after decoding), the lxml parser never
resolves entities, never loads a DTD and never touches the network, and the file size is capped by the caller.
The BSN is checked (11-proof) and replaced by `youth_key` here; names, addresses, phone numbers and free-text
comments are never read (only the elements in FIELDS are).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from jeugdkpi.ingest.berichten.schema import RECORD_TABLES
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

TABLE_FIELDS = {t: tuple(c for c, _ in RECORD_TABLES[t]) for t in RECORD_TABLES}  # emit()'s column order

_FORBIDDEN = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")
_QUOTED = re.compile(r"'([^']*)'")


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_comments=True, remove_pis=True, collect_ids=False,
                           remove_blank_text=True)


class ExternalResourceRefused(Exception):
    pass


class _RefuseExternal(etree.Resolver):
    """Refuses every external resource a message names. libxml2 opens a DOCTYPE's external subset (SYSTEM
    "file:///...") even with load_dtd=False; a resolver that raises keeps the file unopened."""

    def resolve(self, url, pubid, context):
        raise ExternalResourceRefused(f"external resource refused: {url}")


def _message_parser() -> etree.XMLParser:
    parser = _parser()  # the XSDs keep the plain parser: they import the basisschema from their folder
    parser.resolvers.add(_RefuseExternal())
    return parser


_PARSER = _message_parser()

# Byte-order marks and, without one, the first four bytes of `<?xm` (XML 1.0 appendix F) of the encodings
# in which a DOCTYPE escapes a byte search; UTF-32 before UTF-16 (FF FE starts both little-endian marks).
_WIDE_ENCODINGS = ((b"\x00\x00\xfe\xff", "utf-32-be", 4), (b"\xff\xfe\x00\x00", "utf-32-le", 4),
                   (b"\xfe\xff", "utf-16-be", 2), (b"\xff\xfe", "utf-16-le", 2),
                   (b"\x00\x00\x00<", "utf-32-be", 0), (b"<\x00\x00\x00", "utf-32-le", 0),
                   (b"\x00<\x00", "utf-16-be", 0), (b"<\x00", "utf-16-le", 0))
_DTD_TEXT = re.compile(r"<!(DOCTYPE|ENTITY)", re.IGNORECASE)


def declares_dtd(data: bytes) -> bool:
    """Whether the message holds a DOCTYPE or ENTITY declaration, decoded first when it is in UTF-16 or
    UTF-32 (with or without a byte-order mark). Checked before parsing, so that libxml2 never sees a DTD;
    parse_message checks the parsed document's docinfo as well (any other encoding libxml2 decodes)."""
    if b"<!" in data and any(tok in data for tok in _FORBIDDEN):
        return True
    if b"\x00" not in data[:4] and data[:1] not in (b"\xfe", b"\xff"):
        return False  # (every wide mark below has one of these; a UTF-8 message is done in one test)
    for mark, codec, bom in _WIDE_ENCODINGS:
        if data.startswith(mark):
            return _DTD_TEXT.search(data[bom:].decode(codec, "replace")) is not None
    return False


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

    def __post_init__(self) -> None:
        self.peildatum_iso = self.peildatum.isoformat()  # compared with validated YYYY-MM-DD strings

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

    def reject_file(self, reason: str, message: str) -> ParseResult:
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


_DTD_MESSAGE = ("the file contains a DOCTYPE or ENTITY declaration; iJw messages never do, "
                "and DTDs are not processed (XXE / entity-expansion protection)")


def parse_message(data: bytes, file_path: str, sha256: str, ctx: ParseContext) -> ParseResult:
    result = ParseResult()
    if declares_dtd(data):
        return result.reject_file("dtd_forbidden", _DTD_MESSAGE)
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        return result.reject_file("malformed_xml", f"not well-formed XML: {redact(str(exc))}")
    except ExternalResourceRefused:  # (lxml passes the resolver's exception on, or reports the DOCTYPE below)
        return result.reject_file("dtd_forbidden", _DTD_MESSAGE)
    except (etree.LxmlError, ValueError) as exc:  # e.g. an encoding lxml cannot handle
        return result.reject_file("malformed_xml", f"not readable as XML: {type(exc).__name__}: {redact(str(exc))}")
    # Second line, after decoding by libxml2 (an encoding declaration declares_dtd does not decode): the
    # parser keeps a DOCTYPE (its external subset refused by _RefuseExternal, its entities never resolved).
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        return result.reject_file("dtd_forbidden", _DTD_MESSAGE)
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


# The only elements the parser reads, by local name: the fields it loads, the containers on their path, and
# the retour classes. Everything else (Naam, Relaties, Contactgegevens, Commentaar, ...) is skipped unread:
# names, addresses, phone numbers and free text never reach Python, not even in memory.
FIELDS = frozenset("""
    Header BerichtCode BerichtVersie BerichtSubversie Afzender Ontvanger BerichtIdentificatie Identificatie
    Dagtekening IdentificatieRetour DagtekeningRetour DeclaratieIdentificatie RetourCodes RetourCode
    Client Bsn Geboortedatum Datum DatumGebruik Geslacht JuridischeStatus
    ToegewezenProducten ToegewezenProduct StartProducten StartProduct StopProducten StopProduct
    AangevraagdeProducten AangevraagdProduct Verzoek OngewijzigdeProducten OngewijzigdProduct
    TeWijzigenProducten TeWijzigenProduct NieuweProducten NieuwProduct Antwoord Woonplaatsbeginsel Gemeente
    ToewijzingNummer ReferentieAanbieder Product Categorie Code Ingangsdatum Einddatum Toewijzingstijd
    Toewijzingsdatum RedenWijziging Budget Omvang Volume Eenheid Frequentie StatusAanlevering
    ToewijzingIngangsdatum Begindatum RedenBeeindiging ToewijzingEinddatum BeschikkingNummer
    BeschikkingIngangsdatum Verwijzer Type Raamcontract RedenVerzoek GewensteIngangsdatum VerzoekAntwoord
    RedenAfwijzingVerzoek Declaratie DeclaratieNummer DeclaratiePeriode DeclaratieDagtekening
    TotaalIngediendBedrag TotaalToegekendBedrag TotaalBedrag DebetCredit Clienten Prestaties Prestatie
    ProductReferentie ReferentieNummer VorigReferentieNummer ProductCategorie ProductCode ProductPeriode
    GeleverdVolume ProductTarief IngediendBedrag Bedrag DeclaratieAntwoord
""".split())


# The fields that iJw 3.2 takes from the basisschema namespace (always as the child of a container in the
# message's own namespace); every other field is in the message's own namespace.
BASIS_KEYS = frozenset("""
    BerichtIdentificatie/Identificatie BerichtIdentificatie/Dagtekening DeclaratieIdentificatie/Identificatie
    DeclaratieIdentificatie/Dagtekening DeclaratiePeriode/Begindatum DeclaratiePeriode/Einddatum
    Geboortedatum/Datum Geboortedatum/DatumGebruik Product/Categorie Product/Code Omvang/Volume Omvang/Eenheid
    Omvang/Frequentie Verwijzer/Type ProductReferentie/ReferentieNummer ProductReferentie/VorigReferentieNummer
    ProductPeriode/Begindatum ProductPeriode/Einddatum IngediendBedrag/Bedrag IngediendBedrag/DebetCredit
    TotaalIngediendBedrag/TotaalBedrag TotaalIngediendBedrag/DebetCredit TotaalToegekendBedrag/TotaalBedrag
    TotaalToegekendBedrag/DebetCredit
""".split())


class _Names(dict):
    """'{namespace}Name' -> prefix + 'Name' for a field (FIELDS) in its own namespace (BASIS_KEYS or the
    message's); None for any other element, which is then skipped unread. An element in the wrong namespace,
    or in none, reads as absent, as with find() on the namespaced tag. One dict lookup per element instead
    of rfind, slice, concatenation and a namespace check (the tags are the same few dozen strings in every
    message of a type)."""

    def __init__(self, own_ns: str, prefix: str = ""):
        super().__init__()
        self.own_ns = own_ns
        self.prefix = prefix
        self.nested: dict[str, _Names] = {}  # only used on the top-level table: level-2 key tables

    def __missing__(self, tag) -> str | None:
        name = None
        if isinstance(tag, str):  # not a comment, PI or entity node
            i = tag.rfind("}")
            local = tag[i + 1:]
            key = self.prefix + local
            if local in FIELDS and tag[:i + 1] == (BASIS_NS if key in BASIS_KEYS else self.own_ns):
                name = key
        self[tag] = name
        return name

    def under(self, parent: str) -> _Names:
        names = self.nested.get(parent)
        if names is None:
            names = self.nested[parent] = _Names(self.own_ns, parent + "/")
        return names


_NAMES: dict[str, _Names] = {}
_TIME = re.compile(r"[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?")
_JOINED = frozenset({"RetourCodes/RetourCode"})  # repeated leaves kept as one space-separated value
# Containers of records: listed by items(), never read as fields of their parent.
_LISTS = frozenset({"ToegewezenProducten", "StartProducten", "StopProducten", "AangevraagdeProducten",
                    "OngewijzigdeProducten", "TeWijzigenProducten", "NieuweProducten", "Clienten", "Prestaties"})


def _leaves(el, names: _Names) -> dict:
    """The fields (FIELDS) of `el`, two levels deep, by local path, in one pass over its children:
      'Eenheid' / 'ProductPeriode/Begindatum' -> the stripped text, None when empty;
      'Omvang' -> None as well for an element with children (present, but no text of its own);
      'Omvang/' -> the element itself for every child with children (to list or descend into it);
    a container of records (_LISTS) is not descended into: items() lists its records.
    The first of a repeated element wins (as with find()); the repeated RetourCode leaves are joined.
    Reading every field of a record this way costs about half a microsecond per element; a find() or a
    child lookup per field cost several (see docs/ingest.md, performance)."""
    out: dict = {}
    for child in el:
        name = names[child.tag]
        if name is None:
            continue
        if len(child):
            sub = names.under(name)
            if sub.prefix in out:
                continue  # a repeated container: the first wins
            out[sub.prefix] = child
            if name not in out:
                out[name] = None
            if name in _LISTS:
                continue  # its records are read one by one (items()), not as fields of `el`
            for leaf in child:
                key = sub[leaf.tag]
                if key is None:
                    continue
                if key not in out:
                    text = leaf.text
                    out[key] = (text.strip() or None) if text else None
                elif key in _JOINED:
                    text = leaf.text
                    out[key] = " ".join(filter(None, (out[key], (text or "").strip())))
        elif name not in out:
            text = child.text
            out[name] = (text.strip() or None) if text else None
    return out


def _missing(message_type: str, path: str, state: str = "missing") -> RecordError:
    return RecordError("structure_invalid", f"{message_type}: required element {path} is {state}")


def _req(m: dict, key: str, message_type: str, where: str = "") -> str:
    value = m.get(key)
    if value is None:
        raise _missing(message_type, where + key, "empty" if key in m else "missing")
    return value


def _digits(value: str | None, n: int, name: str, message_type: str) -> str | None:
    """`value` if it is exactly n ASCII digits (a code such as Categorie or RedenBeeindiging)."""
    if value is not None and not (len(value) == n and value.isdigit() and value.isascii()):
        raise RecordError("structure_invalid", f"{message_type}: {name} has the wrong form")
    return value


def _match(value: str | None, pattern: re.Pattern, name: str, message_type: str) -> str | None:
    if value is not None and not pattern.fullmatch(value):
        raise RecordError("structure_invalid", f"{message_type}: {name} has the wrong form")
    return value


def _order(start: str | None, end: str | None, what: str) -> None:
    if start and end and end < start:
        raise RecordError("impossible_dates", f"{what}: Einddatum lies before Begindatum")


class _MessageParser:
    """Reads one message into rows. Every record (and the header, the client and the declaration) is read
    with one `_leaves` pass into a dict of its fields; the rules below then work on plain strings."""

    def __init__(self, root, code: str, file_path: str, sha256: str, ctx: ParseContext, result: ParseResult):
        self.root = root
        self.code = code
        self.ns = f"{{http://www.istandaarden.nl/ijw/3_2/jw{code}/schema}}"
        names = _NAMES.get(code)
        if names is None:
            names = _NAMES[code] = _Names(self.ns)
        self.names = names
        self.file_path = file_path
        self.sha = sha256
        self.ctx = ctx
        self.result = result
        self.mt = f"JW{code}"

    def leaves(self, el) -> dict:
        return _leaves(el, self.names)

    def top(self) -> dict:
        """The children of the Bericht by local name (the first of each)."""
        top: dict = {}
        names = self.names
        for child in self.root:
            top.setdefault(names[child.tag], child)
        return top

    def part(self, parent: dict, name: str, where: str = ""):
        """The element `name` of `parent` (a top() dict, or 'Name/' in a _leaves dict), required."""
        node = parent.get(name)
        if node is None:
            raise _missing(self.mt, where + name.rstrip("/"))
        return node

    def items(self, m: dict, container: str, record: str, where: str = "") -> list:
        """The `record` children of the container `container` of `m` ([] for an empty container)."""
        node = m.get(container + "/")
        if node is None:
            if container not in m:
                raise _missing(self.mt, where + container)
            return []
        return list(node.iterchildren(self.ns + record))

    # ---- field rules -------------------------------------------------------------------------------
    def date(self, m: dict, key: str, required: bool = True, where: str = "") -> str | None:
        value = _req(m, key, self.mt, where) if required else m.get(key)
        return None if value is None else _date(value, key, self.mt)

    def integer(self, m: dict, key: str, required: bool = True) -> int | None:
        value = _req(m, key, self.mt) if required else m.get(key)
        return None if value is None else _int(value, key, self.mt)

    def product(self, m: dict) -> tuple[str | None, str | None]:
        if "Product" not in m:
            return None, None
        cat = _digits(_req(m, "Product/Categorie", self.mt), 2, "Product/Categorie", self.mt)
        return cat, m.get("Product/Code")

    def omvang(self, m: dict) -> dict:
        out = {"budget": self.integer(m, "Budget", required=False)}
        if "Omvang" in m:
            out.update(omvang_volume=self.integer(m, "Omvang/Volume"),
                       omvang_eenheid=_req(m, "Omvang/Eenheid", self.mt),
                       omvang_frequentie=_req(m, "Omvang/Frequentie", self.mt))
        return out

    def signed_total(self, m: dict, name: str) -> int:
        amount = self.integer(m, name + "/TotaalBedrag")
        dc = _req(m, name + "/DebetCredit", self.mt)
        if dc not in ("D", "C"):
            raise RecordError("structure_invalid", f"{self.mt}: {name}/DebetCredit must be D or C")
        return amount if dc == "D" else -amount

    # ---- client ----------------------------------------------------------------------------------
    def youth(self, client: dict) -> str:
        bsn = _req(client, "Bsn", self.mt)
        if not elfproef(bsn):
            raise RecordError("bsn_invalid", f"{self.mt}: the client's BSN fails the 11-proof (value not stored)")
        return self.ctx.pseudonymiser.youth_key(bsn)

    def demographics(self, client: dict) -> tuple[int | None, bool | None, str | None]:
        birth_year = born_jan_1 = None
        if "Geboortedatum" in client:
            value = _req(client, "Geboortedatum/Datum", self.mt)
            try:
                d = dt.date.fromisoformat(value)
            except ValueError:
                raise RecordError("invalid_date", f"{self.mt}: Geboortedatum is not a valid date") from None
            usage = client.get("Geboortedatum/DatumGebruik")
            birth_year = d.year if usage != "3" else None
            born_jan_1 = (d.month, d.day) == (1, 1) if usage is None else None
        return birth_year, born_jan_1, client.get("Geslacht")

    # ---- run ---------------------------------------------------------------------------------------
    def run(self) -> None:
        mt = self.mt
        self.parts = top = self.top()
        h = self.header = self.leaves(self.part(top, "Header"))
        berichtcode = _req(h, "BerichtCode", mt, "Header/")
        if berichtcode != BERICHTCODES[self.code]:
            raise RecordError("structure_invalid",
                              f"{mt}: Header/BerichtCode is {berichtcode}, expected {BERICHTCODES[self.code]}")
        if _req(h, "BerichtVersie", mt, "Header/") != "3" or _req(h, "BerichtSubversie", mt, "Header/") != "2":
            raise RecordError("unsupported_release", f"{mt}: BerichtVersie/Subversie is not 3.2")
        sender = _req(h, "Afzender", mt, "Header/")
        receiver = _req(h, "Ontvanger", mt, "Header/")
        self.message_id = _req(h, "BerichtIdentificatie/Identificatie", mt, "Header/")
        self.dagtekening = self.date(h, "BerichtIdentificatie/Dagtekening", where="Header/")
        gemeente, agb = (sender, receiver) if self.code in GEMEENTE_SENDS else (receiver, sender)
        _digits(gemeente, 4, "the municipality code in the header", mt)
        _digits(agb, 8, "the AGB code in the header", mt)
        if self.dagtekening > self.ctx.peildatum_iso:  # both validated YYYY-MM-DD
            raise RecordError("after_peildatum",
                              f"{mt} dated {self.dagtekening} is after the peildatum "
                              f"{self.ctx.peildatum_iso}; it is loaded by a run whose peildatum covers it")
        self.lineage_head = (self.sha, self.file_path)
        self.lineage_tail = (mt, self.message_id, self.dagtekening, gemeente, agb, self.ctx.run_id)
        handler = getattr(self, f"jw{self.code}", None) or self.retour
        handler()
        res = self.result
        n_loaded = res.n_loaded
        if n_loaded == 0:
            return  # every record was rejected: the file counts as quarantined, no message row
        res.message_row = (self.sha, self.file_path, mt, berichtcode, "3.2", self.message_id,
                           self.dagtekening, sender, receiver, gemeente, agb, res.n_in, n_loaded,
                           len(res.quarantine))

    def emit(self, table: str, locator: str, values: dict) -> None:
        row = (*self.lineage_head, locator, *self.lineage_tail, *map(values.get, TABLE_FIELDS[table]))
        records = self.result.records.get(table)
        if records is None:
            records = self.result.records[table] = []
        records.append(row)

    def each_record(self, items, locators, build) -> None:
        """Run `build(item, locator)` per record; a broken record goes to quarantine, the others load."""
        result = self.result
        for item, locator in zip(items, locators):
            result.n_in += 1
            try:
                build(item, locator)
            except RecordError as exc:
                result.quarantine.append((locator, exc.reason, exc.message))

    def quarantine_all(self, locators, exc: RecordError) -> None:
        for locator in locators:
            self.result.n_in += 1
            self.result.quarantine.append((locator, exc.reason, exc.message))

    def client_records(self, container: str, record: str, build) -> None:
        """301/305/307/315: one client, a list of product records. A bad client quarantines all its records."""
        client = self.leaves(self.part(self.parts, "Client"))
        items = self.items(client, container, record, where="Client/")
        if not items:
            raise RecordError("structure_invalid", f"{self.mt}: no {record} in Client/{container}")
        base = f"/Bericht/Client/{container}/{record}"
        locators = [f"{base}[{i}]" for i in range(1, len(items) + 1)]
        try:
            youth = self.youth(client)
            demo = self.demographics(client)
        except RecordError as exc:
            self.quarantine_all(locators, exc)
            return
        head = {"youth_key": youth, "birth_year": demo[0], "born_jan_1": demo[1], "geslacht": demo[2]}
        self.each_record(items, locators, lambda item, loc: build(self.leaves(item), loc, client, head))

    # ---- message types -----------------------------------------------------------------------------
    def jw301(self) -> None:
        mt = self.mt

        def build(p, loc, client, head):
            cat, code = self.product(p)
            start, end = self.date(p, "Ingangsdatum"), self.date(p, "Einddatum", required=False)
            _order(start, end, "ToegewezenProduct")
            tijd = _match(_req(p, "Toewijzingstijd", mt), _TIME, "Toewijzingstijd", mt)
            self.emit("jw301_toegewezen_product", loc, {
                **head, "juridische_status": client.get("JuridischeStatus"),
                "toewijzingnummer": self.integer(p, "ToewijzingNummer"),
                "referentie_aanbieder": p.get("ReferentieAanbieder"),
                "product_categorie": cat, "product_code": code,
                "toewijzingsdatum": self.date(p, "Toewijzingsdatum"), "toewijzingstijd": tijd[:8],
                "ingangsdatum": start, "einddatum": end, "reden_wijziging": p.get("RedenWijziging"),
                **self.omvang(p)})

        self.client_records("ToegewezenProducten", "ToegewezenProduct", build)

    def _start_stop(self, p: dict, head: dict) -> dict:
        cat, code = self.product(p)
        status = _req(p, "StatusAanlevering", self.mt)
        if status not in ("1", "3"):
            raise RecordError("structure_invalid",
                              f"{self.mt}: StatusAanlevering {status} is not allowed (only 1 and 3)")
        return {**head, "toewijzingnummer": self.integer(p, "ToewijzingNummer", required=False),
                "product_categorie": cat, "product_code": code,
                "toewijzing_ingangsdatum": self.date(p, "ToewijzingIngangsdatum", required=False),
                "begindatum": self.date(p, "Begindatum"), "status_aanlevering": status}

    def jw305(self) -> None:
        def build(p, loc, client, head):
            self.emit("jw305_start_product", loc, self._start_stop(p, head))

        self.client_records("StartProducten", "StartProduct", build)

    def jw307(self) -> None:
        def build(p, loc, client, head):
            values = self._start_stop(p, head)
            values["reden_beeindiging"] = _digits(_req(p, "RedenBeeindiging", self.mt), 2,
                                                 "RedenBeeindiging", self.mt)
            values["einddatum"] = self.date(p, "Einddatum")
            _order(values["begindatum"], values["einddatum"], "StopProduct")
            self.emit("jw307_stop_product", loc, values)

        self.client_records("StopProducten", "StopProduct", build)

    def jw315(self) -> None:
        def build(p, loc, client, head):
            cat, code = self.product(p)
            start = self.date(p, "ToewijzingIngangsdatum")
            end = self.date(p, "ToewijzingEinddatum", required=False)
            _order(start, end, "AangevraagdProduct")
            verwijzer = _req(p, "Verwijzer/Type", self.mt) if "Verwijzer" in p else None
            self.emit("jw315_aangevraagd_product", loc, {
                **head, "referentie_aanbieder": _req(p, "ReferentieAanbieder", self.mt),
                "beschikkingnummer": self.integer(p, "BeschikkingNummer", required=False),
                "product_categorie": cat, "product_code": code,
                "beschikking_ingangsdatum": self.date(p, "BeschikkingIngangsdatum", required=False),
                "toewijzing_ingangsdatum": start, "toewijzing_einddatum": end, **self.omvang(p),
                "verwijzer_type": verwijzer, "raamcontract": p.get("Raamcontract")})

        self.client_records("AangevraagdeProducten", "AangevraagdProduct", build)

    def jw317(self) -> None:
        client = self.leaves(self.part(self.parts, "Client"))
        verzoek = self.leaves(self.part(client, "Verzoek/", where="Client/"))
        groups = [("OngewijzigdeProducten", "OngewijzigdProduct", "ongewijzigd"),
                  ("TeWijzigenProducten", "TeWijzigenProduct", "te_wijzigen"),
                  ("NieuweProducten", "NieuwProduct", "nieuw")]
        lines, locators = [], []
        for container, record, kind in groups:
            if container in verzoek:
                for i, item in enumerate(self.items(verzoek, container, record), start=1):
                    lines.append((item, kind))
                    locators.append(f"/Bericht/Client/Verzoek/{container}/{record}[{i}]")
        if not lines:
            lines, locators = [(None, None)], ["/Bericht/Client/Verzoek"]
        try:
            youth = self.youth(client)
            ref = _req(verzoek, "ReferentieAanbieder", self.mt)
            reden = _req(verzoek, "RedenVerzoek", self.mt)
        except RecordError as exc:
            self.quarantine_all(locators, exc)
            return

        def build(line, loc):
            item, kind = line
            values = {"youth_key": youth, "referentie_aanbieder": ref, "reden_verzoek": reden, "line_type": kind}
            if item is not None:
                p = self.leaves(item)
                cat, code = self.product(p)
                start = self.date(p, "GewensteIngangsdatum", required=kind != "ongewijzigd")
                end = self.date(p, "Einddatum", required=False)
                _order(start, end, "Verzoek product line")
                values.update(toewijzingnummer=self.integer(p, "ToewijzingNummer", required=kind != "nieuw"),
                              product_categorie=cat, product_code=code, gewenste_ingangsdatum=start,
                              einddatum=end, **self.omvang(p))
            self.emit("jw317_verzoek", loc, values)

        self.each_record(lines, locators, build)

    def jw319(self) -> None:
        antwoord = self.part(self.parts, "Antwoord")

        def build(item, loc):
            a = self.leaves(item)
            wpb = _req(a, "Woonplaatsbeginsel/Gemeente", self.mt) if "Woonplaatsbeginsel" in a else None
            self.emit("jw319_antwoord", loc, {
                "referentie_aanbieder": _req(a, "ReferentieAanbieder", self.mt),
                "verzoek_antwoord": _req(a, "VerzoekAntwoord", self.mt),
                "reden_afwijzing_verzoek": a.get("RedenAfwijzingVerzoek"),
                "woonplaatsbeginsel_gemeente": wpb})

        self.each_record([antwoord], ["/Bericht/Antwoord"], build)

    def prestatie(self, p: dict) -> dict:
        """The hottest record (a 323 holds dozens): checked on the dict of its fields."""
        mt = self.mt
        begin = _date(_req(p, "ProductPeriode/Begindatum", mt), "Begindatum", mt)
        end = _date(_req(p, "ProductPeriode/Einddatum", mt), "Einddatum", mt)
        _order(begin, end, "Prestatie/ProductPeriode")
        dc = _req(p, "IngediendBedrag/DebetCredit", mt)
        if dc not in ("D", "C"):
            raise RecordError("structure_invalid", f"{mt}: DebetCredit must be D or C")
        categorie = _digits(_req(p, "ProductCategorie", mt), 2, "ProductCategorie", mt)
        tarief = p.get("ProductTarief")
        return {"referentienummer": _req(p, "ProductReferentie/ReferentieNummer", mt),
                "vorig_referentienummer": p.get("ProductReferentie/VorigReferentieNummer"),
                "toewijzingnummer": _int(_req(p, "ToewijzingNummer", mt), "ToewijzingNummer", mt),
                "product_categorie": categorie,
                "product_code": _req(p, "ProductCode", mt), "begindatum": begin, "einddatum": end,
                "geleverd_volume": _int(_req(p, "GeleverdVolume", mt), "GeleverdVolume", mt),
                "eenheid": _req(p, "Eenheid", mt),
                "product_tarief": None if tarief is None else _int(tarief, "ProductTarief", mt),
                "ingediend_bedrag": _int(_req(p, "IngediendBedrag/Bedrag", mt), "Bedrag", mt), "debet_credit": dc}

    def clients_prestaties(self, m: dict, base: str, table: str, extra: dict, with_codes: bool) -> None:
        """The Clienten of a 323 Declaratie or a 325 DeclaratieAntwoord: one record per Prestatie; a client
        whose BSN fails quarantines its prestaties only."""
        for ci, element in enumerate(self.items(m, "Clienten", "Client"), start=1):
            client = self.leaves(element)
            prestaties = self.items(client, "Prestaties", "Prestatie")
            cbase = f"{base}/Client[{ci}]/Prestaties/Prestatie"
            locators = [f"{cbase}[{i}]" for i in range(1, len(prestaties) + 1)]
            try:
                youth = self.youth(client)
            except RecordError as exc:
                self.quarantine_all(locators, exc)
                continue
            client_codes = client.get("RetourCodes/RetourCode") if with_codes else None

            def build(element, loc, youth=youth, client_codes=client_codes):
                p = self.leaves(element)
                values = {**extra, "youth_key": youth, **self.prestatie(p)}
                if with_codes:
                    values["client_retourcodes"] = client_codes
                    values["retourcodes"] = p.get("RetourCodes/RetourCode") or client_codes or ""
                self.emit(table, loc, values)

            self.each_record(prestaties, locators, build)

    def jw323(self) -> None:
        d = self.leaves(self.part(self.parts, "Declaratie"))
        begin = self.date(d, "DeclaratiePeriode/Begindatum")
        end = self.date(d, "DeclaratiePeriode/Einddatum")
        _order(begin, end, "DeclaratiePeriode")
        extra = {"declaratienummer": _req(d, "DeclaratieNummer", self.mt),
                 "declaratie_begindatum": begin, "declaratie_einddatum": end,
                 "declaratie_dagtekening": self.date(d, "DeclaratieDagtekening"),
                 "totaal_ingediend_bedrag": self.signed_total(d, "TotaalIngediendBedrag")}
        self.clients_prestaties(d, "/Bericht/Declaratie/Clienten", "jw323_prestatie", extra, with_codes=False)

    def jw325(self) -> None:
        h = self.header
        if "DeclaratieIdentificatie" not in h:
            raise _missing(self.mt, "Header/DeclaratieIdentificatie")
        decl_msg = _req(h, "DeclaratieIdentificatie/Identificatie", self.mt, "Header/")
        decl_dag = self.date(h, "DeclaratieIdentificatie/Dagtekening", where="Header/")
        header_codes = h.get("RetourCodes/RetourCode") or ""
        element = self.parts.get("DeclaratieAntwoord")
        antwoord = None if element is None else self.leaves(element)

        def build(a, loc):
            values = {"declaratie_message_id": decl_msg, "declaratie_message_dagtekening": decl_dag,
                      "header_retourcodes": header_codes}
            if a is not None:
                values.update(declaratienummer=_req(a, "DeclaratieNummer", self.mt),
                              totaal_ingediend_bedrag=self.signed_total(a, "TotaalIngediendBedrag"),
                              totaal_toegekend_bedrag=self.signed_total(a, "TotaalToegekendBedrag"),
                              antwoord_retourcodes=a.get("RetourCodes/RetourCode"))
            self.emit("jw325_declaratie_antwoord", loc, values)

        self.each_record([antwoord], ["/Bericht/Header" if antwoord is None else "/Bericht/DeclaratieAntwoord"],
                         build)
        if antwoord is not None and "Clienten" in antwoord:
            extra = {"declaratie_message_id": decl_msg,
                     "declaratienummer": _req(antwoord, "DeclaratieNummer", self.mt)}
            self.clients_prestaties(antwoord, "/Bericht/DeclaratieAntwoord/Clienten", "jw325_prestatie",
                                    extra, with_codes=True)

    def retour(self) -> None:
        h = self.header
        common = {"heen_message_type": f"JW{RETOUR_OF[self.code]}",
                  "identificatie_retour": _req(h, "IdentificatieRetour", self.mt, "Header/"),
                  "dagtekening_retour": self.date(h, "DagtekeningRetour")}
        client_el = self.parts.get("Client")
        client = None if client_el is None else self.leaves(client_el)
        units = [(h, "Header")]
        locators = ["/Bericht/Header"]
        classes = set(RETOUR_CLASSES[self.code])
        names = self.names
        # Walk the payload in document order; every class that carries RetourCodes is one record.
        for node in self.root.iterchildren():
            if names[node.tag] == "Header":
                continue
            for el in node.iter(self.ns + "*"):
                name = names[el.tag]
                if name in classes:
                    m = client if el is client_el else self.leaves(el)
                    if "RetourCodes" in m:
                        units.append((m, name))
                        locators.append(_locator(self.root, el))

        youth = None
        if client is not None:
            try:
                youth = self.youth(client)
            except RecordError as exc:
                self.quarantine_all(locators, exc)
                return

        def build(unit, loc):
            m, name = unit
            values = {**common, "class_name": name, "youth_key": youth if name != "Header" else None,
                      "retourcodes": m.get("RetourCodes/RetourCode")}
            if name not in ("Header", "Client"):  # a product class
                cat, code = self.product(m)
                values.update(product_categorie=cat, product_code=code,
                              toewijzingnummer=self.integer(m, "ToewijzingNummer", required=False),
                              begindatum=self.date(m, "Begindatum", required=False),
                              referentie_aanbieder=m.get("ReferentieAanbieder"))
            self.emit("retour", loc, values)

        self.each_record(units, locators, build)



def _date(value: str, name: str, message_type: str) -> str:
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise RecordError("invalid_date", f"{message_type}: {name} is not a valid date (YYYY-MM-DD)") from None
    if len(value) != 10:
        raise RecordError("invalid_date", f"{message_type}: {name} is not in the form YYYY-MM-DD")
    return value


def _int(value: str, name: str, message_type: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise RecordError("structure_invalid", f"{message_type}: {name} is not a non-negative integer")
    if len(value) > 18:  # the raw columns are BIGINT; iJw numbers have at most 15 digits
        raise RecordError("structure_invalid", f"{message_type}: {name} has more than 18 digits")
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
