"""The provider template (`jeugdkpi template --aanbieder AGB --periode P --out F`): an XLSX workbook with the
sheets Instructie, KPI and Klachten (interfaces §3.4; read back by ingest/aanbieders/load.py).

The KPI rows come from `seeds/kpi_catalogue.csv` (every row with source `aanbieder`, except the KL complaint
KPIs, which have their own sheet), so a KPI added to the catalogue appears in the next template without code
changes; its definition text falls back to a generic one when `DEFINITIONS` has none.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from jeugdkpi.ingest.aanbieders.load import KLACHTEN_COLUMNS, MEAN_KPIS, SCORE_KPIS
from jeugdkpi.ingest.tabular import PERIODE_RE, periode_end
from jeugdkpi.settings import SEEDS_DIR

# Teller / noemer per KPI, as the provider must count them (Dutch: the provider reads this).
DEFINITIONS = {
    "EG03": "Teller: aantal verblijfsplekken (plaatsingen) binnen de verblijfsperioden die in het halfjaar zijn "
            "afgesloten. Noemer: aantal in het halfjaar afgesloten verblijfsperioden.",
    "DB01": "Teller: jeugdigen in het perceel gezinsgericht die in de eigen gemeente wonen. Noemer: alle "
            "jeugdigen in het perceel gezinsgericht.",
    "DB02": "Teller: pleegzorgplaatsingen in het eigen sociale netwerk. Noemer: alle pleegzorgplaatsingen.",
    "DB03": "Teller: geplaatste jeugdigen met broertjes/zusjes die samen met hen zijn geplaatst. Noemer: "
            "geplaatste jeugdigen met broertjes/zusjes in pleegzorg.",
    "LR01": "Teller: jeugdigen in verblijf met een verklarende analyse. Noemer: alle jeugdigen in verblijf.",
    "LR02": "Teller: uitgestroomde jeugdigen met gemeten cliënttevredenheid. Noemer: uitgestroomde jeugdigen.",
    "LR03": "Teller: uitgestroomde jeugdigen met gemeten afname van de problematiek. Noemer: uitgestroomde jeugdigen.",
    "LR04": "Teller: uitgestroomde jeugdigen met gemeten doelrealisatie. Noemer: uitgestroomde jeugdigen.",
    "PP01": "Teller: jeugdigen ouder dan 16 met een tijdig opgesteld perspectiefplan. Noemer: jeugdigen ouder dan 16.",
    "OI06": "Teller: cliënten bij wie de problematiek betrouwbaar is afgenomen. Noemer: cliënten met een begin- "
            "en eindmeting.",
    "OI07": "Teller: cliënten bij wie de overeengekomen doelen (grotendeels) zijn gerealiseerd. Noemer: cliënten "
            "met een geëvalueerd plan.",
    "CT01": "Teller: het gemiddelde rapportcijfer (1-10, decimalen toegestaan). Noemer: aantal respondenten.",
    "CT02": "Teller: aantal respondenten van de tevredenheidsmeting. Noemer: aantal uitgenodigde cliënten.",
}
INSTRUCTIONS = [
    "Vul op het tabblad KPI per KPI de teller en de noemer in voor het genoemde halfjaar: hele getallen van 0 "
    "of meer (alleen bij CT01 is de teller een gemiddeld rapportcijfer van 1 tot 10).",
    "De teller mag bij een percentage niet groter zijn dan de noemer.",
    "Laat teller én noemer leeg als u een KPI niet kunt aanleveren; een lege regel telt als 'niet "
    "aangeleverd', niet als 0.",
    "Vul op het tabblad Klachten één regel in: het aantal klachten, het aantal cliënten met een klacht, het "
    "aantal afgehandelde en gegronde klachten en het aantal cliënten uit de regio dat in het halfjaar zorg "
    "kreeg. Noem bij onderwerpen alleen onderwerpen, nooit namen of andere persoonsgegevens.",
    "Wijzig de kolommen, de tabbladnamen en de AGB-code en periode hieronder niet.",
    "Lever het bestand aan vóór de uiterste datum (1 april voor het tweede halfjaar, 1 oktober voor het "
    "eerste). Een nieuwe aanlevering voor hetzelfde halfjaar vervangt de vorige.",
    "Bevat het bestand een fout, dan wordt het in zijn geheel afgewezen met een lijst van de cellen die niet "
    "kloppen (bijvoorbeeld KPI!D7); uw vorige aanlevering blijft dan gelden.",
]


def deadline(periode: str) -> dt.date:
    year, half = int(periode[:4]), periode[-1]
    return dt.date(year, 10, 1) if half == "1" else dt.date(year + 1, 4, 1)


def _catalogue(seeds: Path) -> list[dict]:
    with open(seeds / "kpi_catalogue.csv", newline="", encoding="utf-8") as fh:
        return [r for r in csv.DictReader(fh) if r["source"] == "aanbieder" and not r["kpi_id"].startswith("KL")]


def _providers(seeds: Path) -> dict[str, str]:
    with open(seeds / "providers.csv", newline="", encoding="utf-8") as fh:
        return {r["provider_agb"]: r["name"] for r in csv.DictReader(fh)}


class TemplateError(ValueError):
    pass


def write_template(out: Path, agb: str, periode: str, seeds: Path = SEEDS_DIR, *,
                   kpi_values: dict[str, tuple] | None = None, klachten: tuple | None = None) -> Path:
    """Write the workbook for provider `agb` and half-year `periode` (YYYY-H1|H2) to `out`.

    `kpi_values` ({kpi_id: (teller, noemer)}) and `klachten` (values in column order) pre-fill the input cells
    (the demo generator uses this; a provider gets the empty template)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    periode = periode.upper()
    if not PERIODE_RE.match(periode):
        raise TemplateError(f"periode must be YYYY-H1 or YYYY-H2, got {periode!r}")
    providers = _providers(seeds)
    if agb not in providers:
        raise TemplateError(f"AGB code {agb} is not a provider in seeds/providers.csv")
    kpis = _catalogue(seeds)
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="FFF2CC")  # input cells: light yellow

    wb = Workbook()
    ins = wb.active
    ins.title = "Instructie"
    ins["A1"] = f"Aanlevering KPI's jeugdhulp, {providers[agb]}, {periode}"
    ins["A1"].font = Font(bold=True, size=14)
    for r, (key, value, label) in enumerate([
        ("aanbieder_agb", agb, "AGB-code van uw organisatie (niet wijzigen)"),
        ("periode", periode, f"Halfjaar waarover u aanlevert, t/m {periode_end(periode).isoformat()} (niet wijzigen)"),
        ("aanbieder_naam", providers[agb], "Naam van uw organisatie"),
        ("uiterste_datum", deadline(periode).isoformat(), "Uiterste datum van aanlevering"),
    ], start=3):
        ins.cell(r, 1, key).font = bold
        ins.cell(r, 2, value)
        ins.cell(r, 3, label)
    ins.cell(8, 1, "Zo vult u dit bestand in").font = bold
    for i, text in enumerate(INSTRUCTIONS, start=9):
        ins.cell(i, 1, f"{i - 8}. {text}")
    ins.column_dimensions["A"].width = 18
    ins.column_dimensions["B"].width = 16
    ins.column_dimensions["C"].width = 70

    ws = wb.create_sheet("KPI")
    ws.append(["kpi_id", "name", "definition", "teller", "noemer", "toelichting"])
    for cell in ws[1]:
        cell.font = bold
    for k in kpis:
        teller, noemer = (kpi_values or {}).get(k["kpi_id"], (None, None))
        ws.append([k["kpi_id"], k["name_nl"],
                   DEFINITIONS.get(k["kpi_id"], f"Teller en noemer zoals afgesproken in het contract voor "
                                                f"'{k['name_nl']}' ({k['unit']})."), teller, noemer, None])
    n = len(kpis) + 1
    whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                           showErrorMessage=True, errorTitle="Ongeldige waarde",
                           error="Vul een heel getal van 0 of meer in (of laat de cel leeg).")
    score = DataValidation(type="decimal", operator="between", formula1="1", formula2="10", allow_blank=True,
                           showErrorMessage=True, errorTitle="Ongeldige waarde",
                           error="Vul het gemiddelde rapportcijfer in: een getal van 1 tot 10.")
    ws.add_data_validation(whole)
    ws.add_data_validation(score)
    for r in range(2, n + 1):
        kpi_id = ws.cell(r, 1).value
        (score if kpi_id in SCORE_KPIS else whole).add(f"D{r}")
        whole.add(f"E{r}")
        for c in (4, 5, 6):
            ws.cell(r, c).fill = fill
        ws.cell(r, 3).alignment = Alignment(wrap_text=True, vertical="top")
        if kpi_id not in MEAN_KPIS | SCORE_KPIS:
            # a percentage: teller <= noemer (checked again at intake)
            le = DataValidation(type="custom", formula1=f"OR(D{r}=\"\",E{r}=\"\",D{r}<=E{r})", allow_blank=True,
                                showErrorMessage=True, errorTitle="Teller groter dan noemer",
                                error="De teller mag niet groter zijn dan de noemer.")
            ws.add_data_validation(le)
            le.add(f"D{r}")
    ws.column_dimensions["B"].width = 45
    ws.column_dimensions["C"].width = 80
    ws.column_dimensions["F"].width = 40

    kl = wb.create_sheet("Klachten")
    kl.append([*KLACHTEN_COLUMNS, "onderwerpen"])
    for cell in kl[1]:
        cell.font = bold
    kl.append(list(klachten or [None] * len(KLACHTEN_COLUMNS)) + [None])
    kl_whole = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                              showErrorMessage=True, errorTitle="Ongeldige waarde",
                              error="Vul een heel getal van 0 of meer in.")
    kl.add_data_validation(kl_whole)
    for c in range(1, len(KLACHTEN_COLUMNS) + 1):
        kl_whole.add(kl.cell(2, c).coordinate)
        kl.cell(2, c).fill = fill
        kl.column_dimensions[kl.cell(1, c).column_letter].width = 28
    kl.cell(2, len(KLACHTEN_COLUMNS) + 1).fill = fill

    # openpyxl stores text beginning with '=' as a formula: a provider or KPI name from the seeds such as
    # '=HYPERLINK(..)' stays text in the workbook (issue 15); the template holds no formulas of its own
    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out
