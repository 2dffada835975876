"""The `jeugdkpi` command line. Exit codes: 0 success (published), 1 pipeline or gate failed,
2 bad usage or configuration."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import TextIO

from jeugdkpi import progress
from jeugdkpi.progress import nl
from jeugdkpi.settings import ConfigError, load_settings, parse_date, resolve_path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def package_version() -> str:
    """The installed package's version (pyproject.toml), as `jeugdkpi --version` shows it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("jeugdkpi")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "onbekend"


class _Formatter(argparse.HelpFormatter):
    """argparse's help with Dutch headings: 'gebruik:' instead of 'usage:'."""

    def add_usage(self, usage, actions, groups, prefix=None):
        return super().add_usage(usage, actions, groups, "gebruik: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """Every command and subcommand: Dutch headings ('argumenten', 'opties') and a Dutch -h/--help."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "argumenten"
        self._optionals.title = "opties"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS, help="toon deze hulp en stop")

    def error(self, message: str):  # argparse exits 2 as well; keep the message short and clear
        self.print_usage(sys.stderr)
        print(f"jeugdkpi: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def _years(value: str) -> tuple[int, int]:
    try:
        a, _, b = value.partition("-")
        first, last = int(a), int(b or a)
    except ValueError:
        raise argparse.ArgumentTypeError("gebruik JJJJ-JJJJ, bijv. 2022-2026") from None
    if not 2015 <= first <= last <= 2100:
        raise argparse.ArgumentTypeError("jaren oplopend en vanaf 2015")
    return first, last


def _publish_option(command: argparse.ArgumentParser) -> None:
    command.add_argument("--publish", help="publicatiemap (standaard JEUGDKPI_PUBLISH of data/published)")


def _format_option(command: argparse.ArgumentParser, csv_help: str) -> None:
    command.add_argument("--format", choices=["text", "csv"], default="text",
                         help=f"text (standaard) of csv: {csv_help}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="jeugdkpi", description="KPI-warehouse voor jeugdhulpregio's: iJw-berichten, CBS- en "
                                                  "aanbiedersgegevens naar gepubliceerde KPI's.")
    parser.add_argument("--version", action="version", version=f"jeugdkpi {package_version()}",
                        help="toon de versie en stop")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser, title="opdrachten",
                                metavar="OPDRACHT")

    run = sub.add_parser("run", help="draai de hele pijplijn (inlezen, transformeren, controleren, publiceren)",
                         description="Draai de hele pijplijn in dit proces: inlezen, transformeren, controleren "
                                     "en publiceren. Exitcode 0 gelukt, 1 mislukt, 2 verkeerd gebruik.")
    run.add_argument("--landing", help="landing-map (standaard JEUGDKPI_LANDING of data/landing)")
    run.add_argument("--warehouse", help="DuckDB-werkbestand (standaard JEUGDKPI_WAREHOUSE of data/warehouse.duckdb)")
    _publish_option(run)
    run.add_argument("--rebuild", action="store_true",
                     help="bouw, controleer en publiceer ook als er sinds de laatste publicatie van het halfjaar niets "
                          "nieuws is (standaard slaat een run dan dbt, de controles erna en de publicatie over)")
    run.add_argument("--peildatum", help="peildatum JJJJ-MM-DD (standaard JEUGDKPI_PEILDATUM, anders de laatste dag "
                                         "van het laatste afgesloten halfjaar)")

    gen = sub.add_parser("generate", help="schrijf een synthetische demoregio (reproduceerbaar) in een landing-map",
                         description="Schrijf een synthetische demoregio in een landing-map: iJw-berichten, "
                                     "CBS-bestanden, aanbiedersaanleveringen en gemeentelijke exports. Dezelfde "
                                     "seed geeft dezelfde bestanden.")
    gen.add_argument("--out", required=True, help="landing-map om in te schrijven")
    gen.add_argument("--seed", type=int, default=42, help="startwaarde van de toevalsgenerator (standaard 42)")
    gen.add_argument("--youths", type=int, default=3000, help="aantal jeugdigen (standaard 3000)")
    gen.add_argument("--years", type=_years, default=(2022, 2026), help="jaren, bijv. 2022-2026 (standaard)")
    gen.add_argument("--municipalities", help="gemeentecodes gescheiden door komma's (standaard: Flevoland)")
    gen.add_argument("--regio", help="de gemeenten van deze jeugdzorgregio uit seeds/municipalities.csv (naam, "
                                     "bijv. Noord-Veluwe; docs/regions.md); --municipalities gaat voor")
    gen.add_argument("--until", help="geen bericht gedateerd na deze datum (JJJJ-MM-DD)")
    gen.add_argument("--no-errors", action="store_true", help="zonder de bewust foutieve demobestanden")
    gen.add_argument("--if-empty", action="store_true",
                     help="doe niets als de landing-map al berichten bevat")

    tpl = sub.add_parser("template", help="schrijf het aanleversjabloon (XLSX) voor een aanbieder en halfjaar",
                         description="Schrijf het aanleversjabloon (Excel) dat een aanbieder invult en in "
                                     "<landing>/aanbieders/ aanlevert.")
    tpl.add_argument("--aanbieder", required=True, help="AGB-code van de aanbieder (seeds/providers.csv)")
    tpl.add_argument("--periode", required=True, help="halfjaar, bijv. 2025-H2")
    tpl.add_argument("--out", help="uitvoerbestand (standaard aanlevering_<AGB>_<periode>.xlsx)")

    rep = sub.add_parser("report", help="schrijf de factsheet van een aanbieder (--aanbieder) of de regionale "
                                        "halfjaarrapportage als één HTML-bestand, uit de publicatie",
                         description="Schrijf de factsheet van een aanbieder (met --aanbieder) of de regionale "
                                     "halfjaarrapportage als één zelfstandig HTML-bestand, uit de publicatie.")
    rep.add_argument("--aanbieder", help="AGB-code van de aanbieder (weglaten voor de regionale rapportage)")
    rep.add_argument("--periode", required=True, help="halfjaar, bijv. 2025-H2")
    _publish_option(rep)
    rep.add_argument("--out", help="uitvoerbestand (standaard <publicatiemap>/reports/<periode>/...html)")

    exp = sub.add_parser("explain", help="toon de eenheden achter één rij van kpi_values (verblijfsperioden, "
                                         "segmenten, berichten, aangeleverde rijen), zodat een auditor die kan "
                                         "narekenen (docs/explain.md)",
                         description="Toon de eenheden achter één rij van kpi_values, zodat een auditor de waarde "
                                     "kan narekenen. Exitcode 1 als de narekening afwijkt.")
    exp.add_argument("kpi", help="KPI-code, bijv. VB05")
    exp.add_argument("periode", help="periode zoals in kpi_values: JJJJ, JJJJ-H1 of JJJJ-H2")
    exp.add_argument("--gemeente", help="gemeentecode (standaard: de regiorij)")
    exp.add_argument("--aanbieder", help="AGB-code van de aanbieder (standaard: de regiorij)")
    exp.add_argument("--zorgvorm", help="zorgvorm van een rij per zorgvorm (VB01), bijv. pleegzorg")
    exp.add_argument("--warehouse", help="DuckDB-werkbestand (standaard JEUGDKPI_WAREHOUSE); alleen gelezen")
    _format_option(exp, "één regel per eenheid op stdout (de narekening op stderr)")
    exp.add_argument("--out", help="schrijf de uitvoer naar dit bestand in plaats van stdout")

    dif = sub.add_parser("diff", help="wat er veranderde tussen twee publicaties: KPI-rijen erbij, eraf, gewijzigd "
                                      "boven een tolerantie, en wijzigingen in onderdrukking (standaard: current "
                                      "tegen de vorige versie)",
                         description="Vergelijk twee publicaties: KPI-rijen erbij, eraf, gewijzigd boven een "
                                     "tolerantie, en wijzigingen in onderdrukking.")
    dif.add_argument("a", nargs="?", help="oudere publicatie: 2026-H1/v1, 2026-H1 (de laatste versie), current of "
                                          "een map (standaard: de versie vóór b)")
    dif.add_argument("b", nargs="?", help="nieuwere publicatie (standaard current)")
    _publish_option(dif)
    dif.add_argument("--tolerance", type=float, default=None, help="relatieve tolerantie voor een gewijzigde "
                                                                     "waarde (standaard 1e-9)")
    _format_option(dif, "alle verschillen op stdout")

    pubs = sub.add_parser("publicaties", help="toon de publicaties: halfjaar, peildatum, versie, uitslag van de "
                                              "kwaliteitspoort, welke current is",
                          description="Toon de publicaties (snapshots) in de publicatiemap.")
    _publish_option(pubs)

    pop = sub.add_parser("cbs-bevolking", help="ververs het CBS-bevolkingsbestand (StatLine 03759ned; netwerk nodig)",
                         description="Haal de bevolking per gemeente en leeftijd op bij CBS StatLine (tabel "
                                     "03759ned) en schrijf het CSV-bestand dat de landing-map verwacht.")
    pop.add_argument("--out", required=True, help="CSV-bestand om te schrijven "
                                                  "(bijv. <landing>/cbs_bevolking/03759ned.csv)")
    pop.add_argument("--jaren", type=_years, help="jaren (stand op 1 januari), bijv. 2023-2026 (standaard: de "
                                                  "laatste 4)")
    pop.add_argument("--gemeenten", help="gemeentecodes gescheiden door komma's (standaard: "
                                         "seeds/municipalities.csv)")

    bm = sub.add_parser("cbs-benchmark", help="ververs de CBS-referentiewaarden (StatLine 85098NED, 85097NED, "
                                              "85100NED; netwerk nodig; docs/benchmark.md)",
                        description="Haal de CBS-referentiewaarden op (verblijf, beëindigde trajecten, duur) per "
                                    "gemeente, jeugdzorgregio en Nederland en schrijf het lange CSV-bestand dat de "
                                    "landing-map cbs_benchmark verwacht.")
    bm.add_argument("--out", required=True, help="CSV-bestand om te schrijven "
                                                 "(bijv. <landing>/cbs_benchmark/statline.csv)")
    bm.add_argument("--jaren", "--years", dest="jaren", type=_years,
                    help="jaren, bijv. 2023-2026 (standaard: de laatste 4)")
    bm_area = bm.add_mutually_exclusive_group()
    bm_area.add_argument("--gemeenten", "--municipalities", dest="gemeenten",
                         help="gemeentecodes gescheiden door komma's (standaard: de gemeenten van --regio)")
    bm_area.add_argument("--regio", help="jeugdzorgregio uit seeds/municipalities.csv, naam of code (standaard: "
                                         "JEUGDKPI_REGIO)")

    geb = sub.add_parser("cbs-gebieden", help="werk seeds/municipalities.csv bij uit CBS 'Gebieden in Nederland' "
                                              "(gemeenten met hun jeugdzorgregio; netwerk nodig; docs/regions.md)")
    geb.add_argument("--tabel", default="85755NED", help="StatLine-tabel van het jaar (standaard 85755NED = "
                                                         "Gebieden in Nederland 2024; 2022: 85067NED)")
    geb.add_argument("--seed", help="het gemeentebestand dat wordt bijgewerkt (standaard seeds/municipalities.csv)")
    return parser


def cmd_run(args) -> int:
    settings = load_settings().with_overrides(landing=args.landing, warehouse=args.warehouse,
                                              publish=args.publish, peildatum=args.peildatum)
    if not settings.landing.is_dir():
        print(f"jeugdkpi: error: landing folder {settings.landing} does not exist "
              "(run `jeugdkpi generate --out ...` for a demo region)", file=sys.stderr)
        return EXIT_USAGE
    code, _ = run_with_progress(settings, sys.stdout, rebuild=args.rebuild)
    return code


def run_with_progress(settings, out: TextIO, instance=None, rebuild: bool = False):
    """`jeugdkpi run` after argument parsing: progress per step on `out` (bars on a terminal, one line per step
    otherwise), dbt's and Dagster's output in a log file, then the summary table. Returns (exit code, result)."""
    from dagster._core.utils import make_new_run_id

    from jeugdkpi import runlock
    from jeugdkpi.periods import half_year
    from jeugdkpi.pipeline import dagster_instance, repo_relative, run_pipeline
    from jeugdkpi.warehouse import WarehouseDamagedError, WarehouseLockedError, connect

    problem = unwritable_output(settings)
    if problem:
        print(f"jeugdkpi: error: {problem}", file=sys.stderr)
        return EXIT_USAGE, None
    print(f"jeugdkpi run: peildatum {settings.peildatum} (halfjaar {half_year(settings.peildatum)}), landing "
          f"{repo_relative(settings.landing)}", file=out)
    run_id = make_new_run_id()
    warehouse_lock, publish_lock = runlock.lock_paths(settings.warehouse, settings.publish)
    try:
        # The run lock first: another jeugdkpi run on this warehouse is refused at once and never disturbed.
        # Then fail fast while a process outside jeugdkpi (a BI tool, the duckdb shell, the dbt of a killed
        # run that is still finishing) writes the warehouse.
        with (contextlib.nullcontext(instance) if instance else dagster_instance()) as instance, \
                runlock.run_lock(instance, run_id, [warehouse_lock]):
            with connect(settings.warehouse):
                pass
            with runlock.run_lock(instance, run_id, [publish_lock]):
                log = _run_log_path(settings)
                if instance.is_persistent:
                    print(f"Run {run_id}, vastgelegd in {repo_relative(Path(instance.root_directory))} "
                          "(run-geschiedenis: make dev)", file=out)
                print(f"Logboek (uitvoer van dbt en Dagster): {repo_relative(log)}\n", file=out, flush=True)
                with progress.reporting(progress.TerminalProgress(out)), \
                        open(log, "a", encoding="utf-8") as log_file, contextlib.redirect_stdout(log_file):
                    result = run_pipeline(settings, instance=instance, run_id=run_id, rebuild=rebuild)
    except (WarehouseLockedError, WarehouseDamagedError, runlock.RunLockedError) as exc:
        print(f"jeugdkpi: error: {exc}", file=sys.stderr)
        return EXIT_FAILED, None
    with contextlib.redirect_stdout(out):
        _print_summary(result, settings)
    return (EXIT_OK if result.success else EXIT_FAILED), result


def output_locations(settings) -> list[Path]:
    """Every folder a run writes: the warehouse's folder with the validation pages and run logs beside it, and
    the publication folder."""
    from jeugdkpi.quality.report import validation_dir

    data = settings.warehouse.parent
    return [data, validation_dir(settings.warehouse), data / "logs", settings.publish]


def unwritable_output(settings) -> str | None:
    """Why a run could not write one of its output locations, checked before any work starts (None: all can be
    written). A missing folder is not created here: its nearest existing parent must be a folder that takes a
    file (a temporary file is created and removed), so a refused run leaves nothing behind."""
    import tempfile

    for folder in output_locations(settings):
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        try:
            if not existing.is_dir():
                raise NotADirectoryError(f"{existing} is not a folder")
            fd, probe = tempfile.mkstemp(prefix=".jeugdkpi-write-test-", dir=existing)
            os.close(fd)
            os.remove(probe)
        except OSError as exc:
            return f"cannot write to {folder} ({exc.strerror or exc}); the run needs to write there"
    if settings.warehouse.exists():
        try:
            with open(settings.warehouse, "r+b"):
                pass
        except OSError as exc:
            return f"cannot write to the warehouse {settings.warehouse} ({exc.strerror or exc})"
    return None


def _run_log_path(settings) -> Path:
    import datetime as dt

    folder = settings.warehouse.parent / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"run-{dt.datetime.now():%Y%m%dT%H%M%S}.log"


def _print_summary(result, settings) -> None:
    from jeugdkpi.pipeline import repo_relative

    print("\nSamenvatting")
    # records dated after the peildatum are held back for a later run: shown apart from the quarantine
    print(f"{'bron':<22}{'bestanden':>10}{'nieuw':>8}{'dubbel':>8}{'records':>10}{'geladen':>10}{'quarantaine':>13}"
          f"{'na peildatum':>14}")
    keys = ["files_seen", "files_new", "files_duplicate", "records_in", "records_loaded", "records_quarantined",
            "records_deferred"]
    rows = result.summary.get("ingest", [])
    for row in [*rows, {"source": "totaal", **{k: sum(r.get(k, 0) for r in rows) for k in keys}}] if rows else []:
        deferred = row.get("records_deferred", 0)
        print(f"{row['source']:<22}{nl(row['files_seen']):>10}{nl(row['files_new']):>8}"
              f"{nl(row['files_duplicate']):>8}{nl(row['records_in']):>10}{nl(row['records_loaded']):>10}"
              f"{nl(row['records_quarantined'] - deferred):>13}{nl(deferred):>14}")
    if any(r.get("records_deferred") for r in rows):
        print("(na peildatum: records gedateerd na de peildatum; een latere run met een latere peildatum laadt ze)")
    print(f"\nControles:    {result.checks.text()}   (kwaliteitspoort, audit.validation_results)")
    if result.publication_detail.get("skipped"):
        print("dbt-tests:    niet gedraaid: niets nieuws sinds de laatste publicatie, dbt en de controles erna zijn "
              "overgeslagen (--rebuild draait ze toch)")
    else:
        print(f"dbt-tests:    {nl(result.dbt_tests_passed)} geslaagd, {nl(result.dbt_tests_failed)} mislukt")
    if "kpi_rows" in result.summary:
        print(f"KPI's:        {result.summary['kpis']} KPI's in {nl(result.summary['kpi_rows'])} rijen berekend "
              "(marts.kpi_values)")
    if result.summary.get("outside_region"):
        print(f"Regio:        {nl(result.summary['outside_region'])} berichten van gemeenten buiten regio "
              f"{settings.regio} niet meegeteld (wel bewaard in raw.berichten; docs/regions.md)")
    if result.published:
        pub = result.published
        print(f"Gepubliceerd: {pub['period']} (peildatum {pub['peildatum']}): {pub['kpis']} KPI's in "
              f"{nl(pub['rows'])} rijen, waarvan {nl(pub['suppressed'])} onderdrukt (kleine aantallen)")
    for title, items in (("Mislukte controles (blokkerend)", result.failed_checks),
                         ("Controles met een waarschuwing (niet blokkerend)", result.warned_checks),
                         ("Mislukte kritieke verwachtingen (kwaliteitspoort)", result.failed_expectations),
                         ("Waarschuwingen (gepubliceerd, staan in manifest.json)", result.warnings)):
        if items:
            print(f"\n{title}:")
            for item in items:
                print(f"  - {item}")
    if result.failed_steps:
        print("\nMislukte stappen: " + ", ".join(result.failed_steps))
    print(f"\nWerkmagazijn: {repo_relative(settings.warehouse)}   (quarantaine: audit.quarantine)")
    if result.validation_page:
        print(f"Validatie:    {repo_relative(result.validation_page)}   (audit.validation_results)")
    where = result.publication_detail.get("snapshot", "")
    if result.publication and result.publication_detail.get("is_current"):
        print(f"Publicatie:   {repo_relative(settings.publish)}  (current -> {repo_relative(result.publication)})")
    elif result.publication:
        print(f"Publicatie:   {repo_relative(result.publication)}  (ouder halfjaar: current blijft op het "
              "nieuwste halfjaar)")
    elif result.publication_status == "ongewijzigd":
        print(f"Publicatie:   ongewijzigd - niets nieuws sinds snapshots/{where} (zelfde invoer, seeds, code en "
              "peildatum)")
    elif result.publication_status == "refused":
        print(f"Publicatie:   GEWEIGERD - {result.publication_detail.get('reason', '')}")
    else:
        print(f"Publicatie:   {repo_relative(settings.publish)}  (niet gewijzigd)")
    print(f"Dagster-run:  {result.run_id}   (tags jeugdkpi/peildatum, jeugdkpi/landing_fingerprint)")
    print("Resultaat:    " + ("gelukt" if result.success else "MISLUKT (niets gepubliceerd)"))


def cmd_generate(args) -> int:
    from jeugdkpi.generate import generate_region

    out = resolve_path(args.out)
    if args.if_empty and (out / "berichten").is_dir() and any((out / "berichten").rglob("*.xml")):
        print(f"jeugdkpi generate: {out} already holds messages; nothing generated")
        return EXIT_OK
    munis = [m.strip() for m in args.municipalities.split(",")] if args.municipalities else None
    if munis is None and args.regio:  # a demo region for another seed region's municipalities
        from jeugdkpi.regions import region_codes, resolve_region

        munis = region_codes(resolve_region(args.regio))
    until = parse_date(args.until, "--until") if args.until else None
    try:
        summary = generate_region(out, seed=args.seed, youths=args.youths, years=args.years,
                                  municipalities=munis, until=until, with_errors=not args.no_errors)
    except FileExistsError:
        print(f"jeugdkpi: error: {out / 'berichten'} already holds messages; use an empty folder "
              "or --if-empty", file=sys.stderr)
        return EXIT_USAGE
    print(f"jeugdkpi generate: synthetische regio geschreven naar {out}")
    print(f"  {summary.n_youths} jeugdigen, gemeenten {', '.join(summary.municipalities)}, "
          f"jaren {summary.years[0]}-{summary.years[1]}, t/m {summary.until.isoformat()}, seed {summary.seed}")
    print(f"  iJw-berichten: {summary.total_files:,} bestanden, {summary.total_records:,} records "
          f"({summary.error_files} bewust foutieve bestanden)")
    for source, n in sorted(summary.inputs.items()):
        print(f"  {source}: {n} bestand(en)")
    return EXIT_OK


def cmd_template(args) -> int:
    from jeugdkpi.template import TemplateError, write_template

    out = resolve_path(args.out or f"aanlevering_{args.aanbieder}_{args.periode.upper()}.xlsx")
    with usage_error_on(TemplateError):
        write_template(out, args.aanbieder, args.periode)
    print(f"jeugdkpi template: {out}")
    return EXIT_OK


def cmd_cbs_bevolking(args) -> int:
    import datetime as dt

    from jeugdkpi import seeds
    from jeugdkpi.ingest.cbs_bevolking.refresh import PopulationError, fetch_population, write_population

    if args.gemeenten:
        munis = [m.strip().zfill(4) for m in args.gemeenten.split(",") if m.strip()]
    else:
        munis = seeds.column("municipalities.csv", "municipality_code")
    first, last = args.jaren or (dt.date.today().year - 3, dt.date.today().year)
    return _refresh_from_cbs("cbs-bevolking", lambda: fetch_population(munis, list(range(first, last + 1))),
                             write_population, args.out, PopulationError)


def _refresh_from_cbs(command: str, fetch, write, out: str, error: type[Exception]) -> int:
    """Fetch rows from CBS StatLine and write the landing file; CBS's own errors and an unreachable StatLine
    exit 1 with one line (the refresh commands cbs-bevolking and cbs-benchmark)."""
    try:
        rows = fetch()
    except error as exc:
        print(f"jeugdkpi: error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except OSError as exc:  # requests' ConnectionError is an OSError
        print(f"jeugdkpi: error: CBS StatLine cannot be reached ({type(exc).__name__}); "
              "no network? The demo region ships a synthetic file.", file=sys.stderr)
        return EXIT_FAILED
    write(resolve_path(out), rows)
    print(f"jeugdkpi {command}: {len(rows)} rows written to {out}")
    return EXIT_OK


def cmd_cbs_benchmark(args) -> int:
    import datetime as dt

    from jeugdkpi.ingest.cbs_benchmark.refresh import BenchmarkError, fetch_benchmark, write_benchmark
    from jeugdkpi.regions import region_codes, resolve_region
    from jeugdkpi.seeds import rows as seed_rows

    region = resolve_region(args.regio or load_settings().regio)
    if args.gemeenten:
        munis = [m.strip().removeprefix("GM").zfill(4) for m in args.gemeenten.split(",") if m.strip()]
    else:
        munis = region_codes(region)
    codes = {(r.get("region_code") or "").strip().upper() for r in seed_rows("municipalities.csv")
             if r["region"] == region} - {""}
    first, last = args.jaren or (dt.date.today().year - 3, dt.date.today().year)
    # without the region's CBS code in the seed: every jeugdzorgregio (the mart matches the region by name)
    code = codes.pop() if len(codes) == 1 else None
    return _refresh_from_cbs("cbs-benchmark", lambda: fetch_benchmark(munis, list(range(first, last + 1)), code),
                             write_benchmark, args.out, BenchmarkError)


def cmd_report(args) -> int:
    from jeugdkpi.report import ReportError, write_report

    settings = load_settings().with_overrides(publish=args.publish)
    with usage_error_on(ReportError):
        path = write_report(settings.publish, args.periode, args.aanbieder,
                            resolve_path(args.out) if args.out else None)
    print(f"jeugdkpi report: {path}")
    return EXIT_OK


def cmd_explain(args) -> int:
    from jeugdkpi.explain import ExplainError, explain, write_csv, write_text
    from jeugdkpi.warehouse import WarehouseDamagedError, WarehouseLockedError

    settings = load_settings().with_overrides(warehouse=args.warehouse)
    try:
        ex = explain(settings.warehouse, args.kpi, args.periode, args.gemeente, args.aanbieder, args.zorgvorm)
    except ExplainError as exc:
        print(f"jeugdkpi explain: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WarehouseLockedError as exc:
        print(f"jeugdkpi explain: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except WarehouseDamagedError as exc:
        print(f"jeugdkpi explain: {exc}", file=sys.stderr)
        return EXIT_FAILED
    with (open(resolve_path(args.out), "w", encoding="utf-8", newline="") if args.out
          else contextlib.nullcontext(sys.stdout)) as out:
        if args.format == "csv":
            write_csv(ex, out)
        else:
            write_text(ex, out)
    if args.format == "csv" or args.out:
        for line, holds in ex.checks:
            print(f"{line} {'✓' if holds else '✗ AFWIJKING'}", file=sys.stderr)
    return EXIT_OK if ex.ok else EXIT_FAILED


def cmd_diff(args) -> int:
    from jeugdkpi.publish.diff import (
        TOLERANCE,
        DiffError,
        diff_kpi_values,
        previous_snapshot,
        read_kpi_values,
        resolve_snapshot,
    )

    root = load_settings().with_overrides(publish=args.publish).publish
    try:
        new = resolve_snapshot(root, args.b)  # default current
        old = resolve_snapshot(root, args.a) if args.a else previous_snapshot(root, new)
    except DiffError as exc:
        print(f"jeugdkpi diff: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if old is None:
        print(f"jeugdkpi diff: {new.parent.name}/{new.name} is de eerste publicatie; er is niets om mee te "
              "vergelijken", file=sys.stderr)
        return EXIT_USAGE
    changes = diff_kpi_values(read_kpi_values(old), read_kpi_values(new),
                              TOLERANCE if args.tolerance is None else args.tolerance)
    label = lambda p: f"{p.parent.name}/{p.name}"  # noqa: E731
    if args.format == "csv":
        from jeugdkpi.csvsafe import neutralise_frame

        neutralise_frame(changes).to_csv(sys.stdout, index=False)  # no cell a spreadsheet would run
        return EXIT_OK
    print(f"jeugdkpi diff: {label(old)} -> {label(new)}: {len(changes)} verschil(len)")
    for kind, n in changes["change"].value_counts().sort_index().items():
        print(f"  {kind:<22}{n:>8}")
    fmt = lambda v: "-" if v is None or v != v else f"{v:.4g}"  # noqa: E731
    for row in changes.head(50).itertuples(index=False):
        where = " ".join(x for x in (row.municipality_code, row.provider_agb, row.care_form) if x) or "regio"
        print(f"  {row.kpi_id} {row.period:<8} {where:<24} {row.change:<22} {fmt(row.old_value)} -> "
              f"{fmt(row.new_value)}")
    if len(changes) > 50:
        print(f"  ... en {len(changes) - 50} meer (--format csv geeft alles)")
    return EXIT_OK


def cmd_publicaties(args) -> int:
    from jeugdkpi.publish.writer import list_snapshots

    root = load_settings().with_overrides(publish=args.publish).publish
    snapshots = list_snapshots(root)
    if not snapshots:
        print(f"jeugdkpi publicaties: nog geen publicaties in {root}")
        return EXIT_OK
    print(f"{'halfjaar':<10}{'versie':>7}  {'peildatum':<12}{'gepubliceerd':<27}{'kwaliteitspoort':<34}status")
    for s in snapshots:
        m = s["manifest"]
        status = ", ".join(x for x, on in (("current", s["is_current"]), ("latest", s["is_latest"])) if on)
        if not m:
            status = "onvolledig (afgebroken publicatie)"
        elif not s["is_latest"] and s["version"] > max((t["version"] for t in snapshots
                                                        if t["period"] == s["period"] and t["is_latest"]), default=0):
            status = "nooit live geweest (afgebroken na het schrijven)"
        print(f"{s['period']:<10}{'v' + str(s['version']):>7}  {m.get('peildatum', '-'):<12}"
              f"{str(m.get('published_at', '-'))[:25]:<27}{m.get('gate_result', '-'):<34}{status}")
    return EXIT_OK


class UsageError(Exception):
    """A command cannot do what was asked (exit code EXIT_USAGE); the message is printed as is."""


@contextlib.contextmanager
def usage_error_on(*errors: type[Exception]):
    """An exception of `errors` in the block ends the command with 'jeugdkpi: error: <message>' (EXIT_USAGE)."""
    try:
        yield
    except errors as exc:
        raise UsageError(f"jeugdkpi: error: {exc}") from exc


def cmd_cbs_gebieden(args) -> int:
    from jeugdkpi.ingest.cbs_gebieden.refresh import command

    return command(args)


COMMANDS = {"run": cmd_run, "generate": cmd_generate, "template": cmd_template, "report": cmd_report,
            "cbs-bevolking": cmd_cbs_bevolking, "cbs-benchmark": cmd_cbs_benchmark,
            "cbs-gebieden": cmd_cbs_gebieden, "explain": cmd_explain,
            "diff": cmd_diff, "publicaties": cmd_publicaties}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = COMMANDS.get(args.command)
    if command is None:
        return EXIT_USAGE
    try:
        return command(args)
    except ConfigError as exc:
        print(f"jeugdkpi: configuration error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
