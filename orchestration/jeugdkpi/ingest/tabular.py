"""Tabular landing sources (CSV/XLSX): reading with cell locators, cell validation, and the shared loader.

Used by the sub-packages cbs_spiegel, cbs_bevolking, cbs_benchmark, aanbieders, gemeente and kwaliteitsgesprekken
(docs/inputs.md). The file mechanics (discovery, SHA-256 identity, duplicates, audit rows, reconciliation)
are those of `files.py`, exactly as for the iJw messages.

Locators: `KPI!D7` (sheet!cell) for workbooks, `row 7, column teller` for CSV (row 1 = the header).

Each source supplies a `SourceSpec`: its raw tables and a `parse(tables, ctx)` that turns the file's tables
into records and cell-level errors. A source either rejects a file whole on any error (`reject_whole`:
deliveries such as a CBS report or a provider workbook, where the earlier delivery then stays in force) or
quarantines the bad rows and loads the rest (event exports). Every file that is loaded or rejected also
writes one row per delivery it holds into `raw.leveringen_<source>`; the staging models resolve replacement
(latest delivery wins) from there, so raw keeps every version.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from jeugdkpi import periods
from jeugdkpi.ingest import files
from jeugdkpi.seeds import Kpi, catalogue
from jeugdkpi.seeds import column as seeds_column
from jeugdkpi.settings import SEEDS_DIR, Settings
from jeugdkpi.warehouse import ensure_audit_schema

LINEAGE_COLUMNS: list[tuple[str, str]] = [
    ("file_sha256", "VARCHAR NOT NULL"),
    ("file_path", "VARCHAR NOT NULL"),
    ("record_locator", "VARCHAR NOT NULL"),
    ("loaded_at", "TIMESTAMP NOT NULL"),  # when the file was loaded; later delivery = later loaded_at
    ("run_id", "VARCHAR NOT NULL"),
]

DELIVERY_COLUMNS: list[tuple[str, str]] = [
    ("kind", "VARCHAR NOT NULL"),  # cbs_spiegel, cbs_bevolking, aanbieder_kpi, aanbieder_klachten, gemeente_*, ...
    ("aanbieder_agb", "VARCHAR"),
    ("gemeentecode", "VARCHAR"),
    ("periode", "VARCHAR"),  # YYYY-H1 / YYYY-H2; population: the peildatum YYYY-01-01
    ("status", "VARCHAR NOT NULL"),  # loaded | quarantined
    ("n_records", "INTEGER NOT NULL"),
    ("n_errors", "INTEGER NOT NULL"),
    ("first_error", "VARCHAR"),  # reason code of the first error (rejected deliveries)
    ("file_sha256", "VARCHAR NOT NULL"),
    ("file_path", "VARCHAR NOT NULL"),
    ("loaded_at", "TIMESTAMP NOT NULL"),
    ("run_id", "VARCHAR NOT NULL"),
    ("landed_at", "TIMESTAMP"),  # when the file arrived in the landing folder (files.landing_moment); NULL before
]

# What every column of the tabular raw tables means, in Dutch, for the auditor reading them in the Dagster UI
# (their `dagster/column_schema`; the sources' columns are defined in ingest/<source>/load.py). A key
# "table.column" holds for that one table, a plain column name for every table that has it.
# tests/test_descriptions.py requires one for every column.
COLUMN_DESCRIPTIONS: dict[str, str] = {
    # lineage (every data table) and the delivery logs raw.leveringen_<source>
    "file_sha256": "SHA-256 van het bronbestand: de identiteit van het bestand in de audit-tabellen.",
    "file_path": "Bronbestand, relatief ten opzichte van de landing-map van de bron (zip-leden als a.zip!b.csv).",
    "record_locator": "Plaats van de rij in het bestand: regelnummer (CSV) of blad en cel (Excel).",
    "loaded_at": "Moment waarop het bestand werd ingelezen; een latere levering heeft een later moment.",
    "landed_at": "Moment waarop het bestand in de landing-map aankwam (wijzigingstijd, of eerder gezien door de "
                 "sensor); NULL bij leveringen die werden ingelezen voordat dit werd vastgelegd.",
    "run_id": "Dagster-run die het bestand inlas.",
    "kind": "Soort levering: cbs_spiegel, cbs_bevolking, cbs_benchmark, aanbieder_kpi, aanbieder_klachten, "
            "gemeente_aanvragen, gemeente_afwijzingen, gemeente_betalingen of kwaliteitsgesprekken.",
    "status": "loaded = geladen, quarantined = afgewezen (de reden staat in first_error en audit.quarantine).",
    "n_records": "Aantal rijen in de levering.",
    "n_errors": "Aantal gevonden fouten; groter dan 0 bij een afgewezen levering.",
    "first_error": "Redencode van de eerste fout van een afgewezen levering; NULL bij een geladen levering.",
    # the sources' own columns
    "aanbieder_agb": "AGB-code (8 cijfers) van de aanbieder; NULL in een leveringslog als de levering niet per "
                     "aanbieder is.",
    "gemeentecode": "CBS-code (4 cijfers) van de gemeente; NULL = niet per gemeente (bij CBS: alle gemeenten).",
    "periode": "Halfjaar: YYYY-H1 of YYYY-H2; in het leveringslog van de bevolking de peildatum YYYY-01-01.",
    "versie": "Versie van de CBS-rapportage: volledig (elke cel een getal) of deelbaar (CBS heeft kleine aantallen "
              "onderdrukt).",
    "cbs_status": "Status van de CBS-rapportage: voorlopig, nader_voorlopig of definitief; alles behalve definitief "
                  "maakt de KPI-rijen voorlopig.",
    "hulpvorm": "Hulpvorm volgens de indeling van CBS (01-04 zonder verblijf, 11 pleegzorg, 12 gezinsgericht, "
                "13 gesloten, 14 overig verblijf); NULL = alle hulpvormen.",
    "indicator": "Indicator van de CBS-spiegelrapportage (intake-indeling).",
    "informant": "Wie de vraag beantwoordde: jeugdige of ouder (ouder/opvoeder); NULL = niet uitgesplitst naar "
                 "informant.",
    "categorie": "Categorie binnen de indicator: bij uitval de reden beëindiging (01-05), bij tevredenheid het "
                 "rapportcijfer (1-10); NULL als de indicator geen categorie heeft.",
    "aantal": "Aantal zoals aangeleverd.",
    "cbs_spiegel.aantal": "Aantal in de cel; NULL = door CBS onderdrukt (kleine aantallen), nooit als 0 gelezen.",
    "cbs_bevolking.aantal": "Aantal inwoners op 1 januari.",
    "cbs_benchmark.gemeentecode": "CBS-code (4 cijfers) van de gemeente bij een gemeenterij; NULL bij Nederland en "
                                  "een jeugdzorgregio.",
    "cbs_benchmark.periode": "Periode van de CBS-waarde: YYYY-H1, YYYY-H2 of YYYY (jaar).",
    "cbs_benchmark.onderdrukt": "true als CBS de cel niet publiceerde (kleine aantallen; waarde NULL, nooit 0).",
    "maat": "Referentiemaat (stabiele code, docs/benchmark.md): pct_verblijf_van_jeugdhulp, trajecten_beeindigd, "
            "trajecten_voortijdig, duur_beeindigd_maanden of jeugdigen_verblijf.",
    "gebied_type": "Soort gebied van de CBS-waarde: gemeente, regio (jeugdzorgregio) of nederland.",
    "gebied_code": "Code van het gebied: gemeentecode (4 cijfers), JZnn (jeugdzorgregio) of NL.",
    "gebied_naam": "Naam van het gebied zoals CBS die geeft (bijv. Flevoland (JZ)); NULL als niet opgegeven.",
    "waarde": "Waarde zoals CBS die publiceert, in de eenheid van eenheid; NULL = onderdrukt.",
    "eenheid": "Eenheid van de waarde: aantal, % of maanden.",
    "afgerond": "Veelvoud waarop CBS het aantal afrondde (5); NULL bij percentages en gemiddelden.",
    "bron_status": "Status van de CBS-periode: voorlopig, nader voorlopig of definitief.",
    "opgehaald_op": "Datum waarop de cijfers bij CBS StatLine werden opgehaald.",
    "aanbieder_klachten.aantal": "Aantal ontvangen klachten in het halfjaar (KL01).",
    "onderdrukt": "true als CBS de cel onderdrukte (aantal NULL).",
    "onderdrukt_symbool": "Het teken waarmee CBS de onderdrukte cel aangaf (., x, *, -, geheim of leeg); NULL als "
                          "de cel niet is onderdrukt.",
    "peildatum": "Peildatum van de bevolkingscijfers (1 januari).",
    "leeftijd": "Leeftijd in jaren op 1 januari.",
    "geslacht": "Geslacht zoals CBS het aanlevert (man, vrouw of totaal).",
    "bron_tabel": "CBS-tabel waaruit de cijfers komen (bijvoorbeeld 03759ned).",
    "bron_periode": "Periode van de CBS-tabel zoals aangeleverd; NULL als niet opgegeven.",
    "kpi_id": "KPI-code uit de KPI-catalogus waarvoor teller en noemer gelden.",
    "teller": "Teller zoals de aanbieder die aanleverde (bij CT01 de gemiddelde score, anders een geheel getal).",
    "noemer": "Noemer zoals de aanbieder die aanleverde.",
    "aantal_clienten_met_klacht": "Aantal cliënten met ten minste één klacht in het halfjaar (KL02).",
    "aantal_afgehandeld": "Aantal in het halfjaar afgehandelde klachten (KL03).",
    "aantal_gegrond": "Aantal gegrond verklaarde klachten (KL04).",
    "aantal_clienten": "Aantal cliënten uit de regio dat in het halfjaar zorg kreeg bij de aanbieder (noemer van "
                       "KL02).",
    "request_id": "Kenmerk van de aanvraag in de gemeentelijke export.",
    "aanvraagdatum": "Datum waarop de aanvraag bij de gemeente binnenkwam.",
    "besluitdatum": "Datum van het besluit op de aanvraag; NULL = nog niet besloten.",
    "toewijzingnummer": "Toewijzingnummer van de gemeente dat de aanbieder afwees.",
    "afwijzingsdatum": "Datum waarop de aanbieder de toewijzing afwees.",
    "declaratienummer": "Declaratienummer van de aanbieder.",
    "betaaldatum": "Datum waarop de gemeente de declaratie betaalde.",
    "gespreksdatum": "Datum van het kwaliteitsgesprek.",
    "onderdeel": "Onderdeel van het kwaliteitsgesprek waarvoor de score geldt.",
    "score": "Score van de contractmanager: 0, 4, 7 of 10.",
}

SUPPRESSION_SYMBOLS = {"", ".", "x", "X", "*", "-", "geheim"}


# --------------------------------------------------------------------------------------------- reading

@dataclass
class Cell:
    value: object  # str for CSV; str/int/float/date/None for XLSX
    locator: str
    no_value: bool = False  # XLSX: a formula saved without its cached value (value None, never evaluated)

    @property
    def text(self) -> str:
        v = self.value
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        if isinstance(v, dt.datetime):
            return v.date().isoformat()
        if isinstance(v, dt.date):
            return v.isoformat()
        return str(v).strip()


@dataclass
class Table:
    name: str  # sheet name, or "csv"
    header: list[str]
    header_locator: str
    rows: list[tuple[str, dict[str, Cell]]]  # (row locator, cells by column name)
    raw: list[list[Cell]] = field(default_factory=list)  # every row incl. header (workbooks: for key cells)


class UnreadableFile(Exception):
    """The file cannot be read at all; `reason` is its quarantine reason code (ingest/files.py REASONS)."""

    def __init__(self, message: str, reason: str = "unreadable_file") -> None:
        super().__init__(message)
        self.reason = reason


def _norm(name: object) -> str:
    return str(name or "").strip().lower()


def read_csv(data: bytes) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]  # '#' = comment (e.g. a label)
    if not lines:
        raise UnreadableFile("the file is empty")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    try:
        parsed = list(csv.reader(lines, delimiter=delimiter))
    except csv.Error as exc:
        raise UnreadableFile(f"not a valid CSV: {exc}") from exc
    # row numbers count the comment lines too, so that a locator matches what an editor shows
    numbers = [i + 1 for i, ln in enumerate(text.splitlines()) if not ln.startswith("#")]
    header = [_norm(h) for h in parsed[0]]
    rows = []
    for n, values in zip(numbers[1:], parsed[1:]):
        if not any(v.strip() for v in values):
            continue
        cells = {col: Cell(values[i] if i < len(values) else "", f"row {n}, column {col}")
                 for i, col in enumerate(header) if col}
        rows.append((f"row {n}", cells))
    return Table("csv", header, "row 1 (header)", rows)


# Workbook limits, checked from the zip directory before any XML is parsed (issue 15): a provider template is
# some 10 kB and expands to under 100 kB; a CBS report a few hundred kB. An XLSX past these limits is refused
# as `workbook_too_large` without being read (a 4.4 MB file expanding to 50 MB took minutes and ~1 GB; reading
# costs about 3 s and 60 MB of memory per 8 MB of sheet XML, so the limits keep one workbook to seconds).
XLSX_MAX_MEMBER_BYTES = 20 * 1024 * 1024  # one part (a sheet's XML, the shared strings) expanded
XLSX_MAX_TOTAL_BYTES = 20 * 1024 * 1024  # all parts together, expanded
XLSX_MAX_RATIO = 100  # expanded / compressed size of one part ...
XLSX_RATIO_FLOOR = 1024 * 1024  # ... for parts that expand past 1 MB (tiny XML parts compress far better)
XLSX_MAX_CELLS = 500_000  # cells read, and held with the padding of their rows (a cell at XFD pads 16,384)


def check_workbook_size(data: bytes) -> None:
    """Refuse a workbook whose zip directory promises more expansion than the limits, before parsing it.
    A member whose real size exceeds what the directory declares fails its CRC check when read (zipfile
    stops at the declared size), so the declared sizes bound what reading the workbook can expand to."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except Exception as exc:  # not a zip at all
        raise UnreadableFile(f"not a readable XLSX workbook ({type(exc).__name__})") from exc
    total = 0
    for m in members:
        total += m.file_size
        if m.file_size > XLSX_MAX_MEMBER_BYTES:
            problem = f"part {m.filename} expands to {m.file_size} bytes (limit {XLSX_MAX_MEMBER_BYTES})"
        elif m.file_size > XLSX_RATIO_FLOOR and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1):
            problem = (f"part {m.filename} expands {m.file_size // max(m.compress_size, 1)} times "
                       f"(limit {XLSX_MAX_RATIO})")
        elif total > XLSX_MAX_TOTAL_BYTES:
            problem = f"the parts expand to more than {XLSX_MAX_TOTAL_BYTES} bytes together"
        else:
            continue
        raise UnreadableFile(f"workbook refused unread: {problem}", "workbook_too_large")


def _sheet_parser():
    """openpyxl's sheet parser, marking a formula saved without a cached value (`<c><f>..</f></c>` with no
    `<v>`, or an empty `<v></v>` as openpyxl writes it; only a text result, `t="str"`, may cache "") instead
    of reading it as empty. A formula WITH a cached value is read as that value, as Excel shows it to the
    provider who saved it; no formula is ever evaluated."""
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        def parse_cell(self, element):
            cell = super().parse_cell(element)
            cached = element.findtext(VALUE_TAG)
            if element.find(FORMULA_TAG) is not None and (
                    cached is None or (cached == "" and element.get("t", "n") != "str")):
                cell["value"] = FORMULA_WITHOUT_VALUE
            return cell

    return Parser


class _FormulaWithoutValue:
    def __repr__(self) -> str:
        return "FORMULA_WITHOUT_VALUE"


FORMULA_WITHOUT_VALUE = _FormulaWithoutValue()


def _read_sheet(ws, parser_class, budget: list[int]) -> list[list[Cell]]:
    """Every row of one sheet as cells, row i at index i-1, read to the sheet's real end whatever its
    `<dimension ref>` says (openpyxl's read-only iter_rows stops at the dimension)."""
    from openpyxl.utils import get_column_letter

    wb = ws.parent
    grid: dict[int, dict[int, object]] = {}  # row -> column -> value (a repeated row number merges)
    with ws._get_source() as src:
        parser = parser_class(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                              date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for r, row in parser.parse():
            budget[0] -= len(row)
            if budget[0] < 0:  # counted while parsing: a dense sheet is refused before it is all read
                raise _too_many_cells()
            present = grid.setdefault(r, {})
            present.update((c["column"], c["value"]) for c in row if c["value"] is not None)
    all_rows: list[list[Cell]] = []
    padded = 0
    for r in range(1, max(grid, default=0) + 1):
        present = grid.get(r, {})
        width = max(present, default=0)
        padded += width + 1
        if padded > XLSX_MAX_CELLS:  # sparse cells far apart (row 1048576, column XFD) would pad to millions
            raise _too_many_cells()
        cells = []
        for c in range(1, width + 1):
            v, loc = present.get(c), f"{ws.title}!{get_column_letter(c)}{r}"
            cells.append(Cell(None, loc, no_value=True) if v is FORMULA_WITHOUT_VALUE else Cell(v, loc))
        all_rows.append(cells)
    return all_rows


def _unreadable(exc: Exception, where: str) -> UnreadableFile:
    """The quarantine for an exception met while reading workbook XML, by the first known cause in its
    chain (openpyxl wraps a sheet's parse error in a ValueError while it opens the workbook)."""
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException

    cause: BaseException | None = exc
    for _ in range(10):
        if cause is None:
            break
        if isinstance(cause, UnreadableFile):
            return cause
        if isinstance(cause, DefusedXmlException):
            return UnreadableFile(f"{where}: the XML declares entities, which are never expanded "
                                  f"({type(cause).__name__})", "dtd_forbidden")
        if isinstance(cause, ParseError):
            return UnreadableFile(f"{where}: not well-formed XML ({type(cause).__name__}: {cause})", "malformed_xml")
        cause = cause.__cause__ or cause.__context__
    return UnreadableFile(f"{where}: not a readable XLSX workbook ({type(exc).__name__})")


def _too_many_cells() -> UnreadableFile:
    return UnreadableFile(f"the workbook holds more than {XLSX_MAX_CELLS} cells", "workbook_too_large")


def read_workbook(data: bytes) -> dict[str, Table]:
    from openpyxl import load_workbook

    check_workbook_size(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # zipfile.BadZipFile, KeyError, InvalidFileException, a sheet's ParseError ...
        raise _unreadable(exc, "workbook") from exc
    tables: dict[str, Table] = {}
    parser_class, budget = _sheet_parser(), [XLSX_MAX_CELLS]
    try:
        for ws in wb.worksheets:
            try:
                all_rows = _read_sheet(ws, parser_class, budget)
            except Exception as exc:
                raise _unreadable(exc, f"sheet {ws.title}") from exc
            header_cells = all_rows[0] if all_rows else []
            header = [_norm(c.value) for c in header_cells]
            rows = []
            for r, cells in enumerate(all_rows[1:], start=2):
                if not any(c.text or c.no_value for c in cells):
                    continue
                by_col = {col: cells[i] if i < len(cells) else Cell(None, "") for i, col in enumerate(header) if col}
                rows.append((f"{ws.title}!{r}", by_col))
            tables[ws.title] = Table(ws.title, header, f"{ws.title}!1:1", rows, all_rows)
    finally:
        wb.close()
    return tables


def read_tables(item: files.LandingItem, data: bytes) -> dict[str, Table]:
    name = item.display_path.lower()
    if name.endswith(".xlsx"):
        return read_workbook(data)
    return {"csv": read_csv(data)}


# ------------------------------------------------------------------------------------------ validation

@dataclass(frozen=True)
class Reference:
    """The region's reference tables the cells are validated against (read from seeds/, the dbt seeds)."""

    providers: frozenset[str]
    municipalities: frozenset[str]
    kpis: dict[str, Kpi]  # the KPI catalogue

    @classmethod
    def load(cls, seeds: Path = SEEDS_DIR) -> Reference:
        from jeugdkpi.regions import successors  # merged municipalities' codes count for their successor

        return cls(frozenset(seeds_column("providers.csv", "provider_agb", seeds)),
                   frozenset(seeds_column("municipalities.csv", "municipality_code", seeds)) | set(successors(seeds)),
                   catalogue(seeds))


@dataclass
class Context:
    peildatum: dt.date
    ref: Reference
    settings: Settings | None = None  # the run's settings (ingest/gemeente pseudonymises with its key)


class Errors:
    """Cell-level errors of one file: (locator, reason_code, message). Messages never quote free text."""

    def __init__(self) -> None:
        self.items: list[tuple[str | None, str, str]] = []
        self.bad_rows: set[str] = set()
        self.file_level = False

    def add(self, locator: str | None, reason: str, message: str, row: str | None = None) -> None:
        self.items.append((locator, reason, message))
        if row:
            self.bad_rows.add(row)
        else:
            self.file_level = True

    def __bool__(self) -> bool:
        return bool(self.items)


def fold_header(name: object) -> str:
    """A header or label as compared with an alias table: lower case, accents dropped, single spaces
    ("Cliënten  met een klacht" -> "clienten met een klacht")."""
    text = unicodedata.normalize("NFKD", str(name or "")).encode("ascii", "ignore").decode()
    return " ".join(text.lower().split())


def with_aliases(table: Table, aliases: dict[str, str]) -> Table:
    """`table` with every header found in `aliases` (keys folded by `fold_header`) renamed to its column name,
    so a source can accept display headers (the template's Dutch headers) beside its column names."""
    rename = {h: aliases.get(fold_header(h), h) for h in table.header if h}
    header = [rename.get(h, h) for h in table.header]
    rows = [(loc, {rename.get(k, k): c for k, c in cells.items()}) for loc, cells in table.rows]
    return Table(table.name, header, table.header_locator, rows, table.raw)


def check_columns(table: Table, required: Iterable[str], optional: Iterable[str], errors: Errors) -> bool:
    required, optional = list(required), set(optional)
    cols = [c for c in table.header if c]
    missing = [c for c in required if c not in cols]
    unknown = [c for c in cols if c not in required and c not in optional]
    dup = sorted({c for c in cols if cols.count(c) > 1})
    if missing or unknown or dup:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        if unknown:
            parts.append("unknown " + ", ".join(unknown))
        if dup:
            parts.append("twice " + ", ".join(dup))
        where = "" if table.name == "csv" else f"sheet {table.name}: "
        errors.add(table.header_locator, "wrong_columns", f"{where}{'; '.join(parts)} (expected {', '.join(required)})")
        return False
    return True


def parse_int(cell: Cell, errors: Errors, row: str, *, allow_empty: bool = False) -> int | None:
    text = cell.text
    if text == "" and allow_empty:
        return None
    v = cell.value
    if isinstance(v, bool):
        ok = False
    elif isinstance(v, int):
        ok, n = v >= 0, v
    elif isinstance(v, float):
        ok, n = v.is_integer() and v >= 0, int(v) if v.is_integer() else 0
    else:
        ok = re.fullmatch(r"\d{1,12}", text) is not None
        n = int(text) if ok else 0
    if not ok:
        errors.add(cell.locator, "not_a_number", "must be a whole number >= 0" + (" (empty)" if text == "" else ""),
                   row)
        return None
    return n


def parse_number(cell: Cell, errors: Errors, row: str, lo: float, hi: float) -> float | None:
    v = cell.value
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        n = float(v)
    else:
        try:
            n = float(cell.text.replace(",", "."))
        except ValueError:
            errors.add(cell.locator, "not_a_number", f"must be a number from {lo:g} to {hi:g}", row)
            return None
    if not lo <= n <= hi:
        errors.add(cell.locator, "not_a_number", f"must be a number from {lo:g} to {hi:g}", row)
        return None
    return n


def parse_date(cell: Cell, errors: Errors, row: str, *, allow_empty: bool = False) -> dt.date | None:
    v = cell.value
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    text = cell.text
    if text == "" and allow_empty:
        return None
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        errors.add(cell.locator, "invalid_value", "must be a date YYYY-MM-DD", row)
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors.add(cell.locator, "invalid_date", "not a calendar date", row)
        return None



def parse_periode(cell: Cell, errors: Errors, row: str, ctx: Context) -> str | None:
    text = cell.text.upper().replace("HJ", "H").replace("-0", "-")
    if not periods.is_half_year(text):
        errors.add(cell.locator, "invalid_value", "periode must be YYYY-H1 or YYYY-H2", row)
        return None
    if periods.end(text) > ctx.peildatum:
        errors.add(cell.locator, "period_in_future",
                   f"the period {text} ends after the peildatum {ctx.peildatum}", row)
        return None
    return text


def parse_code(cell: Cell, allowed: Iterable[str], errors: Errors, row: str, *, what: str,
               allow_empty: bool = False, pad: int = 0) -> str | None:
    text = cell.text
    if text == "" and allow_empty:
        return None
    if pad and text.isdigit():
        text = text.zfill(pad)
    allowed = list(allowed)
    if text not in allowed:
        shown = ", ".join(allowed) if len(allowed) <= 12 else f"{allowed[0]} ... {allowed[-1]}"
        errors.add(cell.locator, "invalid_value", f"{what} must be one of {shown}", row)
        return None
    return text


def parse_agb(cell: Cell, errors: Errors, row: str, ctx: Context) -> str | None:
    text = cell.text.zfill(8) if cell.text.isdigit() else cell.text
    if not re.fullmatch(r"\d{8}", text) or text not in ctx.ref.providers:
        errors.add(cell.locator, "unknown_agb", "AGB code is not a provider in seeds/providers.csv", row)
        return None
    return text


def parse_gemeente(cell: Cell, errors: Errors, row: str, ctx: Context, *, allow_empty: bool = False) -> str | None:
    text = cell.text
    if text == "" and allow_empty:
        return None
    text = text.upper().removeprefix("GM")
    text = text.zfill(4) if text.isdigit() else text
    if text not in ctx.ref.municipalities:
        errors.add(cell.locator, "unknown_gemeente", "municipality code is not in seeds/municipalities.csv", row)
        return None
    return text


# -------------------------------------------------------------------------------------------- loading

@dataclass
class Parsed:
    """What one file yields: records per raw table, deliveries it holds, and its errors."""

    records: dict[str, list[dict]] = field(default_factory=dict)
    deliveries: list[dict] = field(default_factory=list)  # kind, aanbieder_agb, gemeentecode, periode
    errors: Errors = field(default_factory=Errors)
    n_in: int = 0  # records in (data rows; 1 for a file that cannot be read at all)

    def add(self, table: str, locator: str, **values) -> None:
        self.records.setdefault(table, []).append({"record_locator": locator, **values})


def start_parse(table: Table, required: Iterable[str], optional: Iterable[str], *,
                empty: str | None = None) -> tuple[Parsed, bool]:
    """The common start of a source's `parse`: a Parsed for `table` with its columns checked (`wrong_columns`)
    and its data rows counted; with `empty`, a table without data rows is an `empty_delivery` with that message.
    The flag says whether the rows are to be read (False: return the Parsed as it is)."""
    out = Parsed()
    if not check_columns(table, required, optional, out.errors):
        return out, False
    out.n_in = len(table.rows)
    if empty is not None and not table.rows:
        out.errors.add(table.header_locator, "empty_delivery", empty)
        return out, False
    return out, True


class KeyCheck:
    """Rows with the same key in one file: the later ones are `duplicate_key` (telling where the first was)."""

    def __init__(self, errors: Errors, what: str) -> None:
        self.errors = errors
        self.what = what  # "the same <what> as <first row>"
        self.first: dict[tuple, str] = {}

    def check(self, key: tuple, locator: str, row: str, *, clean: bool = True) -> None:
        """Record the key of `row`; a key seen before is an error at `locator` unless the row is not `clean`
        (already has errors of its own, which would make the key meaningless)."""
        if clean and key in self.first:
            self.errors.add(locator, "duplicate_key", f"the same {self.what} as {self.first[key]}", row)
        self.first.setdefault(key, row)


@dataclass(frozen=True)
class SourceSpec:
    source: str  # landing sub-folder
    tables: dict[str, list[tuple[str, str]]]  # raw table -> data columns (lineage columns are added)
    parse: Callable[[dict[str, Table], Context], Parsed]
    reject_whole: bool
    patterns: tuple[str, ...] = (".csv",)

    @property
    def deliveries_table(self) -> str:
        return f"leveringen_{self.source}"

    def all_tables(self) -> dict[str, list[tuple[str, str]]]:
        tables = {t: cols + LINEAGE_COLUMNS for t, cols in self.tables.items()}
        tables[self.deliveries_table] = DELIVERY_COLUMNS
        return tables


def ensure_tables(con: duckdb.DuckDBPyConnection, spec: SourceSpec) -> None:
    ensure_audit_schema(con)
    con.execute("CREATE SCHEMA IF NOT EXISTS raw")
    for table, columns in spec.all_tables().items():
        cols = ",\n    ".join(f"{name} {typ}" for name, typ in columns)
        con.execute(f"CREATE TABLE IF NOT EXISTS raw.{table} (\n    {cols}\n)")
    # delivery logs made before the landing moment was recorded: add it in place (earlier rows keep NULL)
    con.execute(f"ALTER TABLE raw.{spec.deliveries_table} ADD COLUMN IF NOT EXISTS landed_at TIMESTAMP")


def _insert(con: duckdb.DuckDBPyConnection, table: str, columns: list[tuple[str, str]], rows: list[dict]) -> None:
    if not rows:
        return
    names = [c for c, _ in columns]
    batch = pd.DataFrame.from_records([{n: r.get(n) for n in names} for r in rows], columns=names)  # noqa: F841
    casts = ", ".join(f"CAST({n} AS {t.replace(' NOT NULL', '')}) AS {n}" for n, t in columns)
    con.register("input_batch", batch)
    try:
        con.execute(f"INSERT INTO raw.{table} SELECT {casts} FROM input_batch")
    finally:
        con.unregister("input_batch")


def parse_file(spec: SourceSpec, item: files.LandingItem, data: bytes, ctx: Context) -> Parsed:
    """The file boundary: whatever goes wrong while reading or parsing one file quarantines that file (with
    the exception's class in the message) and never stops the run."""
    try:
        tables = read_tables(item, data)
        parsed = spec.parse(tables, ctx)
        _formulas_without_value(tables, parsed)
    except UnreadableFile as exc:
        parsed = Parsed(n_in=1)
        parsed.errors.add(None, exc.reason, str(exc))
        return parsed
    except Exception as exc:  # a bug met by an odd file must cost that file only
        parsed = Parsed(n_in=1)
        parsed.errors.add(None, "unreadable_file", f"the file cannot be read ({type(exc).__name__})")
        return parsed
    if parsed.n_in == 0 and parsed.errors:
        parsed.n_in = 1  # rejected before any record was read (e.g. wrong columns): one record
    return parsed


def _formulas_without_value(tables: dict[str, Table], parsed: Parsed) -> None:
    """A workbook cell holding a formula saved without its cached value is never read as empty: its row is
    quarantined (`formula_without_value`), replacing what the source's parse said about that cell. A cell
    outside the records read (e.g. a KPI row whose teller and noemer are both such formulas, which would
    otherwise read as 'not delivered') quarantines the file."""
    bad = [(c.locator, f"{table.name}!{c.locator.rsplit('!', 1)[1].lstrip('ABCDEFGHIJKLMNOPQRSTUVWXYZ')}")
           for table in tables.values() for cells in table.raw for c in cells if c.no_value]
    if not bad:
        return
    e = parsed.errors
    cells = {loc for loc, _ in bad}
    e.items = [item for item in e.items if item[0] not in cells]
    records = {r["record_locator"] for recs in parsed.records.values() for r in recs}
    for loc, row in bad:
        e.add(loc, "formula_without_value", "a formula saved without its computed value (formulas are never "
              "evaluated: save the workbook in Excel, or type the figure)", row if row in records else None)


def ingest_source(con: duckdb.DuckDBPyConnection, settings: Settings, run_id: str, spec: SourceSpec,
                  ref: Reference | None = None) -> files.RunStats:
    """Ingest every new file under landing/<source>: one transaction, records in = loaded + quarantined."""
    ensure_tables(con, spec)
    ctx = Context(settings.peildatum, ref or Reference.load(), settings)
    stats = files.RunStats(run_id=run_id, source=spec.source, started_at=dt.datetime.now(),
                           peildatum=settings.peildatum)
    known = files.KnownFiles.load(con, spec.source)
    problems: list[files.ArchiveProblem] = []  # links and special files: quarantined, never opened
    items = list(files.discover(settings.landing / spec.source, spec.patterns, problems=problems, with_mtime=True))
    sights = files.first_sights(files.first_sight_path(settings.warehouse), spec.source)  # the landing sensor's, if any
    stats.files_seen = len(items) + len(problems)
    audit = files.AuditWriter(spec.source, run_id)
    rows: dict[str, list[dict]] = {t: [] for t in spec.all_tables()}
    seen: set[str] = set()
    known_paths = {p: s for (p, s) in known.by_path_sha if (p, s) not in known.retriable}
    con.execute("BEGIN TRANSACTION")
    try:
        for item in items:
            try:
                data = item.read(settings.max_file_bytes)
            except files.FileTooLargeError as exc:
                stats.reject_file(audit, known, item.display_path,
                                  files.sha256_bytes(f"too-large:{item.display_path}:{exc.args[0]}".encode()),
                                  exc.args[0], "file_too_large",
                                  f"the file is larger than the limit of {settings.max_file_bytes} bytes")
                continue
            except files.NotRegularFileError as exc:  # swapped for a link or FIFO after discovery
                problems.append(files.ArchiveProblem(item.display_path, Path(item.path), exc.reason,
                                                     f"{type(exc).__name__}: {exc.reason} refused when opened"))
                continue
            except OSError as exc:  # an I/O error or a file gone since discovery: this file only, as berichten
                stats.reject_file(audit, known, item.display_path,
                                  files.sha256_bytes(f"unreadable:{item.display_path}:{type(exc).__name__}".encode()),
                                  0, "read_error", f"the file cannot be read: {type(exc).__name__}: {exc}")
                continue
            path, sha = item.display_path, files.sha256_bytes(data)
            if known_paths.get(path) == sha:
                continue  # the same file as before: nothing changes
            retried = (path, sha) in known.retriable
            if not retried and (path, sha) in known.by_path_sha:
                continue
            if not retried and (sha in known.shas or sha in seen):
                stats.files_new += 1
                stats.files_duplicate += 1
                audit.file(path, sha, len(data), "duplicate", 0, 0, 0,
                           files.landing_moment(item, sha, sights, dt.datetime.now()))
                continue
            parsed = parse_file(spec, item, data, ctx)
            if retried:
                if any(r == "period_in_future" for _, r, _ in parsed.errors.items):
                    continue  # still in the future: recorded already, nothing changes
                audit.replace.append((path, sha))
                con.execute(f"DELETE FROM raw.{spec.deliveries_table} WHERE file_path = ? AND file_sha256 = ?",
                            [path, sha])
            seen.add(sha)
            stats.files_new += 1
            loaded_at = dt.datetime.now()
            lineage = {"file_sha256": sha, "file_path": path, "loaded_at": loaded_at, "run_id": run_id,
                       "landed_at": files.landing_moment(item, sha, sights, loaded_at)}
            errors = parsed.errors
            if errors and (spec.reject_whole or errors.file_level or len(errors.bad_rows) >= parsed.n_in):
                n_loaded, n_quar = 0, parsed.n_in
                status = "quarantined"
            else:
                n_quar = len(errors.bad_rows) if errors else 0
                n_loaded = parsed.n_in - n_quar
                status = "loaded"
                for table, recs in parsed.records.items():
                    good = [r for r in recs if r["record_locator"] not in errors.bad_rows]
                    rows[table].extend({**r, **lineage} for r in good)
                    stats.rows_by_table[table] = stats.rows_by_table.get(table, 0) + len(good)
            if status == "quarantined":
                stats.files_quarantined += 1
            _count(stats, parsed.n_in, n_loaded, n_quar, [r for _, r, _ in errors.items])
            for locator, reason, message in errors.items:
                audit.quarantined(path, sha, locator, reason, message)
            audit.file(path, sha, len(data), status, parsed.n_in, n_loaded, n_quar, lineage["landed_at"])
            for d in parsed.deliveries or [{}]:
                if not d and status == "loaded":
                    continue
                rows[spec.deliveries_table].append({
                    "kind": d.get("kind", spec.source), "aanbieder_agb": d.get("aanbieder_agb"),
                    "gemeentecode": d.get("gemeentecode"), "periode": d.get("periode"), "status": status,
                    "n_records": parsed.n_in, "n_errors": len(errors.items),
                    "first_error": errors.items[0][1] if errors.items else None, **lineage})
        for table, columns in spec.all_tables().items():
            _insert(con, table, columns, rows[table])
        stats.reject_problems(audit, known, problems)  # links and special files: never read
        audit.flush(con)
        stats.check_reconciliation()
        stats.write(con)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return stats


def _count(stats: files.RunStats, n_in: int, n_loaded: int, n_quar: int, reasons: list[str]) -> None:
    stats.records_in += n_in
    stats.records_loaded += n_loaded
    stats.records_quarantined += n_quar
    for reason in reasons:
        stats.quarantine_by_reason[reason] = stats.quarantine_by_reason.get(reason, 0) + 1
