"""The command line: exit codes a scheduler can act on."""

from __future__ import annotations

import subprocess
import sys

import pytest

from jeugdkpi.cli import EXIT_USAGE, main


def test_bad_peildatum_is_a_configuration_error(capsys):
    assert main(["run", "--peildatum", "2026-13-01"]) == EXIT_USAGE
    assert "peildatum must be a date" in capsys.readouterr().err


def test_missing_landing_folder_is_a_usage_error(tmp_path, capsys):
    assert main(["run", "--landing", str(tmp_path / "nope")]) == EXIT_USAGE
    assert "does not exist" in capsys.readouterr().err


def test_unknown_command_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == EXIT_USAGE


def test_console_script_is_installed():
    out = subprocess.run([sys.executable, "-m", "jeugdkpi.cli", "--help"], capture_output=True, text=True)
    assert out.returncode == 0 and "generate" in out.stdout and "run" in out.stdout


def test_generate_into_a_filled_folder_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "berichten").mkdir()
    (tmp_path / "berichten" / "x.xml").write_text("<x/>")
    assert main(["generate", "--out", str(tmp_path), "--youths", "5"]) == EXIT_USAGE
    assert "already holds messages" in capsys.readouterr().err
    assert main(["generate", "--out", str(tmp_path), "--if-empty"]) == 0


def test_run_while_another_process_writes_the_warehouse_fails_cleanly(tmp_path, capsys):
    # another process (a UI run, say) holds the DuckDB file open for writing: the CLI stops at once with
    # exit 1 and a message, instead of a traceback or a half-written warehouse
    warehouse = tmp_path / "w.duckdb"
    (tmp_path / "landing" / "berichten").mkdir(parents=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('open', flush=True); "
         "time.sleep(60)", str(warehouse)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        rc = main(["run", "--landing", str(tmp_path / "landing"), "--warehouse", str(warehouse),
                   "--publish", str(tmp_path / "pub"), "--peildatum", "2026-06-30"])
    finally:
        holder.kill()
        holder.wait()
    assert rc == 1
    assert "in use by another process" in capsys.readouterr().err
    assert not (tmp_path / "pub").exists()


def _ledger(tmp_path):
    """A warehouse whose audit.validation_results holds one run: 3 checks passed, 1 critical failure, 2 warnings."""
    from jeugdkpi.quality.runner import ExpectationResult, record_results
    from jeugdkpi.settings import load_settings
    from jeugdkpi.warehouse import connect

    settings = load_settings({"JEUGDKPI_WAREHOUSE": str(tmp_path / "w.duckdb"),
                              "JEUGDKPI_PUBLISH": str(tmp_path / "pub"), "JEUGDKPI_PEILDATUM": "2026-06-30"})
    results = [ExpectationResult("raw_berichten", f"ok_{i}", "critical", "raw.berichten", True, 0) for i in range(3)]
    results += [ExpectationResult("raw_berichten", "unique_key", "critical", "raw.berichten", False, 4),
                ExpectationResult("marts_kpi_values", "volume", "warning", "marts.kpi_values", False, 1),
                ExpectationResult("marts_kpi_values", "range", "warning", "marts.kpi_values", False, 2)]
    with connect(settings.warehouse) as con:
        record_results(con, "run-1", results)
    return settings


def test_summary_validation_page_and_report_count_the_checks_the_same_way(tmp_path, capsys):
    from types import SimpleNamespace

    from jeugdkpi.cli import _print_summary
    from jeugdkpi.pipeline import PipelineResult, _gate_outcome
    from jeugdkpi.publish.build import _checks_summary
    from jeugdkpi.quality.report import render_html
    from jeugdkpi.quality.runner import load_results
    from jeugdkpi.report.render import _quality
    from jeugdkpi.warehouse import connect

    settings = _ledger(tmp_path)
    expected = "6 controles: 3 geslaagd, 1 kritiek mislukt, 2 met waarschuwing"
    result = PipelineResult(success=False, run_id="run-1", dbt_tests_passed=120, dbt_tests_failed=0)
    _gate_outcome(result, settings)
    _print_summary(result, settings)
    summary = capsys.readouterr().out
    assert f"Controles:    {expected}" in summary
    assert "dbt-tests:    120 geslaagd, 0 mislukt" in summary
    with connect(settings.warehouse, read_only=True) as con:
        results = load_results(con, "run-1")
    assert expected in render_html("run-1", "2026-06-30", results, published=False)
    manifest = {"checks": _checks_summary(results), "input_files": {}, "row_counts": {}}
    assert f"Kwaliteitspoort: niet geslaagd ({expected})" in _quality(SimpleNamespace(manifest=manifest))


def test_run_summary_names_the_published_half_year(tmp_path, capsys):
    from jeugdkpi.cli import _print_summary
    from jeugdkpi.pipeline import PipelineResult

    settings = _ledger(tmp_path)
    result = PipelineResult(success=True, run_id="run-1", publication=settings.publish / "snapshots/2026-H1/v1",
                            publication_status="gepubliceerd", publication_detail={"is_current": True},
                            published={"kpis": 30, "rows": 1234, "suppressed": 56, "period": "2026-H1",
                                       "peildatum": "2026-06-30"})
    _print_summary(result, settings)
    out = capsys.readouterr().out
    assert "Gepubliceerd: 2026-H1 (peildatum 2026-06-30): 30 KPI's in 1.234 rijen, waarvan 56 onderdrukt" in out


def test_version_comes_from_the_package_metadata(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"jeugdkpi {version('jeugdkpi')}\n"
    assert version("jeugdkpi") == "0.2.0"  # pyproject.toml; CHANGELOG.md names the same version


def test_every_command_and_option_has_a_dutch_help_text():
    import argparse
    import re

    from jeugdkpi.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    helps = {c.dest: c.help for c in commands._choices_actions}
    assert set(helps) == set(commands.choices)
    english = re.compile(r"\b(the|default|write|folder|file|list|refresh|output|when|of the|e\.g\.)\b")
    for name, sub in [("jeugdkpi", parser), *commands.choices.items()]:
        text = sub.format_help()
        assert text.startswith("gebruik: ") and "\nopties:\n" in text and "toon deze hulp en stop" in text, name
        for action in sub._actions:
            if isinstance(action, argparse._SubParsersAction):
                continue
            assert action.help and action.help != argparse.SUPPRESS, (name, action.dest)
            assert not english.search(action.help), (name, action.dest, action.help)
    for name, text in helps.items():
        assert text and not english.search(text), (name, text)
