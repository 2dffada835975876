"""The Dutch BI layer of a publication (docs/bi.md): the view `kpi_overzicht`, and the one place the descriptions of
every published table, view and column come from - `COMMENT ON` in kpi.duckdb, Parquet field metadata
(`description`), the `kolommen` table and `woordenboek.md` are all made from `describe()`.

Where a description comes from, first match wins:
1. `PUBLISHED_COLUMNS`: what a column means in the publication when that differs from the working warehouse
   (`is_suppressed`), and the columns that exist only in the publication (publicatie, revisies, kolommen, the
   view);
2. the dbt project's YAML (`dbt_project/models/**/*.yml`): the column descriptions of the model or seed the
   published table is copied from - one text for the dbt docs, the Dagster UI and the publication;
3. `FALLBACK`: Dutch descriptions of published columns the dbt YAML does not describe (yet); a YAML description
   replaces them as soon as it is written.
The measures the small-cell rule empties (`suppression.SUPPRESSED_COLUMNS`) get a sentence saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from jeugdkpi.publish.suppression import SUPPRESSED_COLUMNS
from jeugdkpi.settings import DBT_PROJECT_DIR

VIEW = "kpi_overzicht"
COLUMNS_TABLE = "kolommen"
DICTIONARY_FILE = "woordenboek.md"
SUPPRESSED_NOTE = "Leeg (NULL) als de cel onderdrukt is (kleineaantallenregel)."

# unit codes of the catalogue -> the Dutch word a BI user reads
UNIT_NL = {"percentage": "procent", "count": "aantal", "months": "maanden", "days": "dagen",
           "working_days": "werkdagen", "score": "score"}


def _case(column: str, mapping: dict[str, str]) -> str:
    whens = " ".join(f"WHEN '{k}' THEN '{v}'" for k, v in mapping.items())
    return f"CASE {column} {whens} ELSE {column} END"


# The view reads only published tables: kpi_values after the small-cell rule, so every suppressed measure is NULL
# here too. doel / doel_gehaald are kpi_values.target / target_met, computed in one place
# (dbt_project/models/marts/kpi_values.sql) - the same columns the reports show.
VIEW_SQL = f"""
SELECT
    v.kpi_id AS kpi,
    c.name_nl AS kpi_naam,
    c.theme AS thema,
    {_case('v.unit', UNIT_NL)} AS eenheid,
    v.period AS periode,
    CASE WHEN length(v.period) = 4 THEN 'jaar' ELSE 'halfjaar' END AS periodesoort,
    v.period_start AS periode_begin,
    v.period_end AS periode_einde,
    CASE WHEN v.municipality_code IS NULL AND v.provider_agb IS NULL THEN 'regio'
         WHEN v.provider_agb IS NULL THEN 'gemeente'
         WHEN v.municipality_code IS NULL THEN 'aanbieder'
         ELSE 'gemeente en aanbieder' END AS niveau,
    v.municipality_code AS gemeentecode,
    m.name AS gemeente,
    v.provider_agb AS aanbieder_agb,
    p.name AS aanbieder,
    v.care_form AS zorgvorm,
    v.value AS waarde,
    v.numerator AS teller,
    v.denominator AS noemer,
    v.n_youths AS aantal_jeugdigen,
    v.target AS doel,
    v.target_met AS doel_gehaald,
    v.is_provisional AS voorlopig,
    v.is_partial AS lopende_periode,
    v.is_suppressed AS onderdrukt
FROM kpi_values AS v
LEFT JOIN kpi_catalogue AS c ON c.kpi_id = v.kpi_id
LEFT JOIN municipalities AS m ON m.municipality_code = v.municipality_code
LEFT JOIN providers AS p ON p.provider_agb = v.provider_agb
"""

# what each published table or view is (the publication's own words: the dbt descriptions are of the working
# warehouse, before the small-cell rule)
TABLES = {
    VIEW: "KPI-overzicht voor BI: één rij per KPI, periode en niveau (regio, gemeente, aanbieder), met KPI-naam, "
          "thema, eenheid, gemeente- en aanbiedernaam, waarde, doel en of het doel gehaald is. Gemaakt uit de "
          "gepubliceerde tabellen; onderdrukte cellen zijn leeg.",
    "kpi_values": "Alle KPI-waarden van de publicatie, na de kleineaantallenregel: één rij per KPI, periode, "
                  "gemeente, aanbieder en zorgvorm (leeg = alle). Codes; namen staan in kpi_overzicht.",
    "kpi_catalogue": "KPI-catalogus van de regio: naam, thema, eenheid, richting, doel en of de "
                     "kleineaantallenregel geldt.",
    "municipalities": "Gemeenten van de regio (CBS-gemeentecode, vier cijfers).",
    "providers": "Gecontracteerde aanbieders (AGB-code, acht cijfers).",
    "periods": "De rapportageperioden (jaren en halfjaren) die in kpi_values voorkomen.",
    "delivery_status": "Aanleverstatus per aanbieder, halfjaar en verwachte levering (aanbiedersjabloon, "
                       "CBS-spiegelrapportage), zonder bestandsnamen en afwijzingsteksten.",
    "kpi_benchmark": "CBS-referentiewaarden naast de eigen KPI's (VB01, VB03, VB05, OI01): per KPI-rij van de regio "
                     "of een gemeente de CBS-waarde van de gemeente, de jeugdzorgregio en Nederland met status; de "
                     "definities verschillen (kolom comparison, docs/benchmark.md).",
    "publicatie": "Eén rij over deze publicatie: halfjaar, versie, peildatum, vingerafdrukken en uitslag van de "
                  "kwaliteitspoort.",
    "revisies": "Gepubliceerde cijfers van eerdere perioden die sinds een vorige publicatie zijn gewijzigd, "
                "verwijderd, toegevoegd of (niet meer) onderdrukt.",
    "kpi_outlook": "Vooruitblik per KPI met een doel in een later jaar (of later in hetzelfde jaar), per niveau "
                   "en peildatum: de trend van de gepubliceerde waarden doorgetrokken naar het doeljaar, met een "
                   "80%-voorspellingsinterval en het oordeel op koers / onzeker / niet op koers. Rijen van eerdere "
                   "peildata blijven staan, zodat te zien is hoe de vooruitblik verschoof (docs/outlook.md).",
    COLUMNS_TABLE: "Gegevenswoordenboek: elke gepubliceerde tabel, view en kolom met type en omschrijving.",
}

# table -> column -> description: publication-only columns and publication meanings (rule 1 above)
PUBLISHED_COLUMNS_BY_TABLE: dict[str, dict[str, str]] = {
    "kpi_values": {
        "is_suppressed": "Waar (true) als de kleineaantallenregel de cel onderdrukt: waarde, teller, "
                         "noemer, aantal jeugdigen en doel gehaald zijn dan leeg.",
    },
    VIEW: {
        "kpi": "KPI-code uit de catalogus (bijv. VB01).",
        "kpi_naam": "Naam van de KPI.",
        "thema": "Thema van de KPI in de catalogus.",
        "eenheid": "Eenheid van de waarde: procent, aantal, maanden, dagen, werkdagen of score.",
        "periode": "Rapportageperiode: JJJJ (jaar), JJJJ-H1 of JJJJ-H2 (halfjaar).",
        "periodesoort": "jaar of halfjaar. Tel jaar- en halfjaarrijen nooit bij elkaar op.",
        "periode_begin": "Eerste dag van de periode.",
        "periode_einde": "Laatste dag van de periode.",
        "niveau": "regio, gemeente, aanbieder, of gemeente en aanbieder. Filter op één niveau: de regio is "
                  "(voor optelbare KPI's) de som van de gemeenten.",
        "gemeentecode": "CBS-gemeentecode (vier cijfers); leeg = de hele regio.",
        "gemeente": "Naam van de gemeente; leeg = de hele regio.",
        "aanbieder_agb": "AGB-code van de aanbieder; leeg = alle aanbieders.",
        "aanbieder": "Naam van de aanbieder; leeg = alle aanbieders.",
        "zorgvorm": "Zorgvorm (alleen VB01 heeft rijen per zorgvorm); leeg = alle zorgvormen.",
        "waarde": "De KPI-waarde in de eenheid (percentages 0-100, niet afgerond).",
        "teller": "Teller van een percentage; leeg bij aantallen, gemiddelden en medianen.",
        "noemer": "Noemer van een percentage; leeg bij aantallen, gemiddelden en medianen.",
        "aantal_jeugdigen": "Aantal verschillende jeugdigen achter de waarde.",
        "doel": "Het doel als getal in de eenheid van de waarde, alleen op jaarrijen vanaf het doeljaar (alle "
                "zorgvormen samen). Een doel 'verandering t.o.v. basisjaar' is omgerekend met de waarde van het "
                "basisjaar op hetzelfde niveau; leeg als die waarde onderdrukt is.",
        "doel_gehaald": "Waar (true) als de waarde het doel haalt (richting 'lager': waarde <= doel; 'hoger': "
                        "waarde >= doel); leeg zonder doel.",
        "voorlopig": "Waar (true) als de waarde nog kan veranderen: de periode loopt nog of een nazorgtermijn "
                     "is nog niet verstreken.",
        "lopende_periode": "Waar (true) als de periode op de peildatum nog niet voorbij is: de waarde dekt "
                           "alleen het begin tot de peildatum.",
        "onderdrukt": "Waar (true) als de kleineaantallenregel de cel onderdrukt (minder dan het minimum, of "
                      "aanvullend onderdrukt zodat de cel niet terug te rekenen is).",
    },
    "publicatie": {
        "half_year": "Het halfjaar van de peildatum (JJJJ-H1 of JJJJ-H2).",
        "peildatum": "De peildatum van de run: gegevens tot en met deze dag.",
        "version": "Versienummer binnen het halfjaar (1, 2, ...).",
        "run_id": "Id van de run die publiceerde (Dagster-runhistorie).",
        "created_at": "Tijdstip van de publicatie (ISO 8601).",
        "fingerprint": "Vingerafdruk (SHA-256) van invoer, seeds, code, peildatum en minimum: gelijk "
                       "= ongewijzigd.",
        "input_fingerprint": "Vingerafdruk (SHA-256) van alle ingelezen bestanden.",
        "seeds_fingerprint": "Vingerafdruk (SHA-256) van de referentietabellen (seeds).",
        "code_version": "Versie van de code (dbt-project, Python-pakket, verwachtingen).",
        "gate_result": "Uitslag van de kwaliteitspoort: geslaagd, of geslaagd met N waarschuwing(en).",
        "gate_runs": "De runs op wier controles de publicatie rust.",
        "build_run": "De run van de dbt build die gepubliceerd is.",
        "regio": "De jeugdzorgregio waarvoor deze publicatie is gemaakt (JEUGDKPI_REGIO).",
        "min_cell": "Minimum van de kleineaantallenregel (JEUGDKPI_MIN_CELL).",
    },
    "revisies": {
        "kpi_id": "KPI-code.",
        "period": "Periode van de gewijzigde cel.",
        "municipality_code": "CBS-gemeentecode; leeg = de hele regio.",
        "provider_agb": "AGB-code van de aanbieder; leeg = alle aanbieders.",
        "care_form": "Zorgvorm; leeg = alle zorgvormen.",
        "change": "Soort wijziging: gewijzigd, verwijderd, toegevoegd, onderdrukt of niet meer onderdrukt.",
        "old_value": "Gepubliceerde waarde in de vorige publicatie (leeg als onderdrukt of afwezig).",
        "new_value": "Gepubliceerde waarde in deze publicatie (leeg als onderdrukt of verwijderd).",
        "previous_publication": "De vorige publicatie (halfjaar/versie).",
        "publication": "De publicatie die de wijziging liet zien (halfjaar/versie).",
        "published_at": "Tijdstip van die publicatie.",
    },
    "kpi_outlook": {
        "kpi_id": "KPI-code.",
        "municipality_code": "CBS-gemeentecode; leeg = de hele regio.",
        "provider_agb": "AGB-code van de aanbieder; leeg = alle aanbieders.",
        "care_form": "Altijd leeg: doelen gelden voor alle zorgvormen samen.",
        "peildatum": "Peildatum van de publicatie die deze vooruitblik maakte.",
        "period": "Halfjaar van die peildatum (JJJJ-H1 of JJJJ-H2).",
        "series": "Welke waarden de trend dragen: halfjaar, of jaar voor aantallen en sommen (een halfjaar telt "
                  "minder jeugdigen dan een jaar).",
        "first_period": "Eerste periode met een (niet onderdrukte) waarde in de reeks.",
        "last_period": "Laatste periode met een waarde in de reeks (een lopende periode telt niet mee).",
        "n_points": "Aantal perioden waarop de trendlijn rust (na een eventueel weggelaten uitschieter). Minder "
                    "dan 4: geen vooruitblik.",
        "left_out": "Periode die als uitschieter is weggelaten (gestudentiseerd residu groter dan 3), of leeg.",
        "target_year": "Doeljaar uit de catalogus.",
        "target": "Het gepubliceerde doel in de eenheid van de KPI (een doel t.o.v. het basisjaar omgerekend).",
        "direction": "lower of higher: welke kant op beter is.",
        "trend_at_last_period": "De trendlijn in de laatste periode van de reeks (waar de vooruitblik begint).",
        "projected_value": "Trendlijn halverwege het doeljaar (de verwachte jaarwaarde), begrensd tot wat de KPI "
                           "kan aannemen (0-100 % enz.).",
        "lower_80": "Ondergrens van het 80%-voorspellingsinterval voor de waarde in het doeljaar.",
        "upper_80": "Bovengrens van het 80%-voorspellingsinterval voor de waarde in het doeljaar.",
        "slope_per_year": "Helling van de trendlijn per jaar, in de eenheid van de KPI.",
        "verdict": "op koers (het hele interval aan de goede kant van het doel), niet op koers (het hele interval "
                   "aan de verkeerde kant), onzeker (het interval omvat het doel), te weinig gegevens (minder dan 4 "
                   "perioden) of geen doel bekend (basisjaarwaarde onbekend of onderdrukt).",
    },
    COLUMNS_TABLE: {
        "tabel": "Naam van de gepubliceerde tabel of view.",
        "soort": "tabel of view.",
        "kolom": "Naam van de kolom.",
        "positie": "Positie van de kolom in de tabel (1 = eerste).",
        "type": "DuckDB-gegevenstype.",
        "omschrijving": "Omschrijving van de kolom (dezelfde tekst als COMMENT ON en de "
                        "Parquet-veldmetadata).",
    },
}
PUBLISHED_COLUMNS = {(table, column): text for table, columns in PUBLISHED_COLUMNS_BY_TABLE.items()
                     for column, text in columns.items()}

# (table, column) -> description of published columns the dbt YAML does not describe (rule 3 above)
FALLBACK: dict[tuple[str, str], str] = {
}


@lru_cache(maxsize=1)
def dbt_descriptions() -> dict[str, dict[str, str]]:
    """model or seed name -> {column: description} from the dbt project's YAML (empty descriptions left out)."""
    out: dict[str, dict[str, str]] = {}
    for path in sorted((DBT_PROJECT_DIR / "models").rglob("*.yml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for kind in ("models", "seeds"):
            for node in doc.get(kind) or []:
                cols = out.setdefault(node["name"], {})
                for col in node.get("columns") or []:
                    text = " ".join(str(col.get("description") or "").split())
                    if text:
                        cols[col["name"]] = text
    return out


@dataclass(frozen=True)
class Describer:
    """Descriptions of one publication: `sources` maps each published table to the dbt model or seed it is copied
    from (None: the publication's own table or view)."""
    sources: dict[str, str | None]

    def table(self, table: str) -> str:
        return TABLES.get(table, "")

    def column(self, table: str, column: str) -> str:
        source = self.sources.get(table)
        text = PUBLISHED_COLUMNS.get((table, column)) \
            or (dbt_descriptions().get(source, {}).get(column) if source else None) \
            or FALLBACK.get((table, column), "")
        if table == "kpi_values" and column in SUPPRESSED_COLUMNS and text and SUPPRESSED_NOTE not in text:
            text = f"{text.rstrip('.')}. {SUPPRESSED_NOTE}"
        return text


def render_markdown(rows: list[dict], describer: Describer, title: str) -> str:
    """woordenboek.md: every published table and view with its description, then its columns (the rows of the
    `kolommen` table)."""
    lines = [f"# Gegevenswoordenboek - {title}", "",
             "Alle tabellen en views van deze publicatie (kpi.duckdb, één Parquet-bestand per tabel of view). "
             "Dezelfde omschrijvingen staan als COMMENT ON in kpi.duckdb, als veldmetadata (description) in de "
             f"Parquet-bestanden en in de tabel `{COLUMNS_TABLE}`. Begin voor BI bij de view `{VIEW}`.", ""]
    tables = list(dict.fromkeys((r["tabel"], r["soort"]) for r in rows))
    tables.sort(key=lambda t: (t[0] != VIEW, t[0]))
    for table, kind in tables:
        lines += [f"## {table} ({kind})", "", describer.table(table), "", "| kolom | type | omschrijving |",
                  "|---|---|---|"]
        lines += [f"| {r['kolom']} | {r['type']} | {r['omschrijving'].replace('|', '/')} |"
                  for r in rows if r["tabel"] == table]
        lines.append("")
    return "\n".join(lines)
