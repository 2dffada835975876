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
