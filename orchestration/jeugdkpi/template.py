"""The provider template (`jeugdkpi template --aanbieder AGB --periode P --out F`): an XLSX workbook with the
sheets Instructie, KPI and Klachten (docs/inputs.md; read back by ingest/aanbieders/load.py).

The KPI rows come from `seeds/kpi_catalogue.csv` (every row with delivery `template` that applies in the
half-year; the KL complaint KPIs have their own sheet), so a KPI added to the catalogue appears in the next
template without code changes. Its definition text is the catalogue's numerator_label and denominator_label
(a generic text when they are empty), its teller cell a score on the KPI's scale (measure_kind `score`) or a
whole number, with teller <= noemer for a bounded ratio (docs/adding-a-kpi.md).

Headers and labels are Dutch (`KPI_HEADERS`, `KLACHTEN_HEADERS`, `INSTRUCTIE_LABELS` in the ingest, which reads
them back, as it still reads the column names of earlier templates). Every sheet is protected without a
password and only the input cells (yellow) are unlocked; the sheets print on A4 landscape, one page wide,
with the header row repeated on every page.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

from jeugdkpi import periods
from jeugdkpi.ingest.aanbieders.load import (
    INSTRUCTIE_LABELS,
    KLACHTEN_COLUMNS,
    KLACHTEN_HEADERS,
    KPI_HEADERS,
)
from jeugdkpi.seeds import Kpi, rows, template_kpis
from jeugdkpi.settings import SEEDS_DIR

# Layout (the instructions name these cells and columns; tests/test_template.py checks them against the sheets)
HEAD_ROWS = {"aanbieder_agb": 3, "periode": 4, "aanbieder_naam": 5, "uiterste_datum": 6}  # Instructie, value in B
KPI_INPUT_COLUMNS = "DEF"  # Teller, Noemer, Toelichting on sheet KPI
KLACHTEN_ROW = 2  # the one row of figures on sheet Klachten


def definition(kpi: Kpi) -> str:
    """The definition column of the KPI sheet: what teller and noemer count (catalogue numerator_label and
    denominator_label), for a score with its scale; a generic text when the catalogue has no labels."""
    if not kpi.numerator_label:
        return f"Teller en noemer zoals afgesproken in het contract voor '{kpi.name_nl}' ({kpi.unit})."
    scale = f" ({kpi.score_min:g}-{kpi.score_max:g}, decimalen toegestaan)" if kpi.measure_kind == "score" else ""
    return f"Teller: {kpi.numerator_label}{scale}. Noemer: {kpi.denominator_label}."


def instructions(kpis: list[Kpi] | None = None) -> list[str]:
    """The numbered instructions; the score KPIs among `kpis` (default: the catalogue's template KPIs) are named."""
    agb, periode = (f"B{HEAD_ROWS[k]}" for k in ("aanbieder_agb", "periode"))
    scores = [f"{k.kpi_id} is de teller een gemiddeld rapportcijfer van {k.score_min:g} tot {k.score_max:g}"
              for k in (template_kpis() if kpis is None else kpis) if k.measure_kind == "score"]
    return [
        "Vul op het tabblad KPI per KPI de teller (kolom D) en de noemer (kolom E) in voor het genoemde "
        "halfjaar: hele getallen van 0 of meer" + (f" (alleen bij {'; bij '.join(scores)})" if scores else "")
        + ". Alleen de gele cellen zijn in te vullen; de andere cellen zijn beveiligd.",
        "De teller mag bij een percentage niet groter zijn dan de noemer.",
        "Laat teller én noemer leeg als u een KPI niet kunt aanleveren; een lege regel telt als 'niet "
        "aangeleverd', niet als 0.",
        "De toelichting (kolom F) is voor een korte opmerking bij een KPI; zij wordt niet opgeslagen. Noem daar "
        "geen namen of andere persoonsgegevens.",
        f"Vul op het tabblad Klachten regel {KLACHTEN_ROW} in: het aantal klachten, het aantal cliënten met een "
        "klacht, het aantal afgehandelde en gegronde klachten en het aantal cliënten uit de regio dat in het "
        "halfjaar zorg kreeg. Noem bij onderwerpen alleen onderwerpen, nooit namen of andere persoonsgegevens.",
        f"Wijzig de kolomkoppen, de tabbladnamen en de AGB-code en periode bovenaan dit tabblad (cel {agb} en "
        f"{periode}) niet.",
        "Lever het bestand aan vóór de uiterste datum (1 april voor het tweede halfjaar, 1 oktober voor het "
        "eerste). Een nieuwe aanlevering voor hetzelfde halfjaar vervangt de vorige.",
        "Bevat het bestand een fout, dan wordt het in zijn geheel afgewezen met een lijst van de cellen die niet "
        "kloppen (bijvoorbeeld KPI!D7); uw vorige aanlevering blijft dan gelden.",
    ]


def deadline(periode: str) -> dt.date:
    year, half = int(periode[:4]), periode[-1]
    return dt.date(year, 10, 1) if half == "1" else dt.date(year + 1, 4, 1)


def template_rows(seeds: Path, periode: str) -> list[Kpi]:
    """The rows of the KPI sheet for `periode`: the template KPIs that apply on its last day."""
    return [k for k in template_kpis(seeds) if k.active_on(periods.end(periode))]


def _providers(seeds: Path) -> dict[str, str]:
    return {r["provider_agb"]: r["name"] for r in rows("providers.csv", seeds)}


class TemplateError(ValueError):
    pass


def _row_height(*texts: tuple[object, float]) -> float:
    """The height (points) of a row whose cells hold (text, column width) wrapped: 15 pt per line of the
    longest. Lines are counted at one character per width unit (Calibri 11 fits some 1.1), so the estimate
    errs on the tall side and no wrapped text is cut off when printed."""
    return 15 * max(max(1, len(textwrap.wrap(str(t), max(1, int(w))))) for t, w in texts) + 2


def _print_setup(ws, last_column: str, last_row: int, title_rows: str | None) -> None:
    """A4 landscape, one page wide (as many pages tall as needed), header rows repeated on every page."""
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # 0 = automatic: the pages the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.print_area = f"A1:{last_column}{last_row}"
    if title_rows:
        ws.print_title_rows = title_rows
    ws.print_options.gridLines = True
    ws.oddFooter.left.text = "&A"
    ws.oddFooter.right.text = "pagina &P van &N"


def _protect(ws) -> None:
    """Sheet protection without a password (against changing by accident, not a security measure: the intake
    validates every cell anyway). Widening columns and rows stays allowed, so a provider can read long text."""
    from openpyxl.worksheet.protection import SheetProtection

    ws.protection = SheetProtection(sheet=True, formatColumns=False, formatRows=False)


def write_template(out: Path, agb: str, periode: str, seeds: Path = SEEDS_DIR, *,
                   kpi_values: dict[str, tuple] | None = None, klachten: tuple | None = None) -> Path:
    """Write the workbook for provider `agb` and half-year `periode` (YYYY-H1|H2) to `out`.

    `kpi_values` ({kpi_id: (teller, noemer)}) and `klachten` (values in column order) pre-fill the input cells
    (the demo generator uses this; a provider gets the empty template). Only the input cells are unlocked;
    every sheet is protected (no password) and the sheet structure is locked."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    periode = periode.upper()
    if not periods.is_half_year(periode):
        raise TemplateError(f"periode must be YYYY-H1 or YYYY-H2, got {periode!r}")
    providers = _providers(seeds)
    if agb not in providers:
        raise TemplateError(f"AGB code {agb} is not a provider in seeds/providers.csv")
    kpis = template_rows(seeds, periode)
    bold = Font(name="Calibri", size=11, bold=True)  # a Font without a name prints in a serif in LibreOffice
    fill = PatternFill("solid", fgColor="FFF2CC")  # input cells: light yellow
    head_fill = PatternFill("solid", fgColor="DDEBF7")
    wrap = Alignment(wrap_text=True, vertical="top")

    def header(ws, labels: list[str]) -> None:
        ws.append(labels)
        for cell in ws[1]:
            cell.font, cell.fill, cell.alignment = bold, head_fill, wrap

    def input_cell(cell) -> None:
        cell.fill, cell.protection = fill, Protection(locked=False)
        cell.alignment = wrap

    wb = Workbook()
    ins = wb.active
    ins.title = "Instructie"
    ins["A1"] = f"Aanlevering KPI's jeugdhulp, {providers[agb]}, {periode}"
    ins["A1"].font = Font(name="Calibri", bold=True, size=14)
    widths = {"A": 20, "B": 30, "C": 86}
    for key, value, label in [
        ("aanbieder_agb", agb, "AGB-code van uw organisatie (niet wijzigen)"),
        ("periode", periode, f"Halfjaar waarover u aanlevert, t/m {periods.end(periode).isoformat()} (niet wijzigen)"),
        ("aanbieder_naam", providers[agb], "Naam van uw organisatie"),
        ("uiterste_datum", deadline(periode).isoformat(), "Uiterste datum van aanlevering"),
    ]:
        r = HEAD_ROWS[key]
        ins.cell(r, 1, INSTRUCTIE_LABELS[key]).font = bold
        ins.cell(r, 1).alignment = Alignment(vertical="top")
        ins.cell(r, 2, value).alignment = Alignment(horizontal="left", vertical="top", wrap_text=True)
        ins.cell(r, 3, label).alignment = wrap
        ins.row_dimensions[r].height = _row_height((value, widths["B"]), (label, widths["C"]))
    first = max(HEAD_ROWS.values()) + 2
    ins.cell(first, 1, "Zo vult u dit bestand in").font = bold
    for i, text in enumerate(instructions(kpis), start=1):
        r = first + i
        ins.cell(r, 1, f"{i}.").alignment = Alignment(horizontal="right", vertical="top")
        ins.cell(r, 2, text).alignment = wrap
        ins.merge_cells(start_row=r, start_column=2, end_row=r, end_column=3)
        # a merged cell never grows with its text (Excel, LibreOffice): the row gets the height it needs
        ins.row_dimensions[r].height = _row_height((text, widths["B"] + widths["C"]))
    for col, width in widths.items():
        ins.column_dimensions[col].width = width
    _print_setup(ins, "C", first + len(instructions(kpis)), None)

    ws = wb.create_sheet("KPI")
    header(ws, [KPI_HEADERS[c] for c in ("kpi_id", "name", "definition", "teller", "noemer", "toelichting")])
    for k in kpis:
        teller, noemer = (kpi_values or {}).get(k.kpi_id, (None, None))
        ws.append([k.kpi_id, k.name_nl, definition(k), teller, noemer, None])
    n = len(kpis) + 1
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="Ongeldige waarde",
                           error="Vul een heel getal van 0 of meer in (of laat de cel leeg).")
    ws.add_data_validation(whole)
    scores: dict[tuple[float, float], DataValidation] = {}  # one validation per score scale
    for lo, hi in dict.fromkeys((k.score_min, k.score_max) for k in kpis if k.measure_kind == "score"):
        scores[lo, hi] = DataValidation(type="decimal", operator="between", formula1=f"{lo:g}", formula2=f"{hi:g}",
                                        allow_blank=True, showErrorMessage=True, errorTitle="Ongeldige waarde",
                                        error=f"Vul het gemiddelde rapportcijfer in: een getal van {lo:g} tot {hi:g}.")
        ws.add_data_validation(scores[lo, hi])
    kpi_widths = {"A": 10, "B": 36, "C": 62, "D": 10, "E": 10, "F": 32}
    for r, k in enumerate(kpis, start=2):
        (scores[k.score_min, k.score_max] if k.measure_kind == "score" else whole).add(f"D{r}")
        whole.add(f"E{r}")
        for col in KPI_INPUT_COLUMNS:
            input_cell(ws[f"{col}{r}"])
        for c in (1, 2, 3):
            ws.cell(r, c).alignment = wrap
        ws.row_dimensions[r].height = _row_height(*((ws[f"{col}{r}"].value, kpi_widths[col]) for col in "BC"))
        if k.bounded:
            # a percentage: teller <= noemer (checked again at intake)
            le = DataValidation(type="custom", formula1=f"OR(D{r}=\"\",E{r}=\"\",D{r}<=E{r})", allow_blank=True,
                                showErrorMessage=True, errorTitle="Teller groter dan noemer",
                                error="De teller mag niet groter zijn dan de noemer.")
            ws.add_data_validation(le)
            le.add(f"D{r}")
    for col, width in kpi_widths.items():
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    _print_setup(ws, "F", n, "1:1")

    kl = wb.create_sheet("Klachten")
    labels = [KLACHTEN_HEADERS[c] for c in [*KLACHTEN_COLUMNS, "onderwerpen"]]
    header(kl, labels)
    kl.append(list(klachten or [None] * len(KLACHTEN_COLUMNS)) + [None])
    kl_whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle="Ongeldige waarde",
                              error="Vul een heel getal van 0 of meer in.")
    kl.add_data_validation(kl_whole)
    for c in range(1, len(labels) + 1):
        cell = kl.cell(KLACHTEN_ROW, c)
        input_cell(cell)
        if c <= len(KLACHTEN_COLUMNS):
            kl_whole.add(cell.coordinate)
        kl.column_dimensions[cell.column_letter].width = 18 if c <= len(KLACHTEN_COLUMNS) else 60
    kl.row_dimensions[1].height = _row_height(*((t, 18) for t in labels))
    kl.row_dimensions[KLACHTEN_ROW].height = 60  # room for a few lines of onderwerpen
    kl.freeze_panes = "A2"
    _print_setup(kl, kl.cell(1, len(labels)).column_letter, KLACHTEN_ROW, "1:1")

    # openpyxl stores text beginning with '=' as a formula: a provider or KPI name from the seeds such as
    # '=HYPERLINK(..)' stays text in the workbook (issue 15); the template holds no formulas of its own
    for sheet in wb.worksheets:
        _protect(sheet)
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    wb.security = WorkbookProtection(lockStructure=True)  # no sheets added, removed or renamed (no password)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
