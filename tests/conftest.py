"""Shared fixtures: temporary landing/warehouse/publish folders, the project's own iJw example messages
(tests/fixtures/ijw/) and, when JEUGDKPI_XSD_DIR names them, the official iJw 3.2 XSDs."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from jeugdkpi.settings import load_settings

EXAMPLES = Path(__file__).parent / "fixtures" / "ijw"

# The official iJw 3.2 XSDs (release of Zorginstituut Nederland, istandaarden.nl) are not part of this
# repository. A tester points JEUGDKPI_XSD_DIR at them; the tests that need them use the `xsd_dir` fixture.
# The variable is read here and then removed from this test process's environment, at import time (before any
# test module imports jeugdkpi.assets, whose defaults come from os.environ): otherwise every pipeline run and
# CLI call whose settings come from the environment would validate each message against the XSDs, and the
# other tests would behave differently with the variable set than without it.
XSD_DIR_ENV = os.environ.pop("JEUGDKPI_XSD_DIR", None)


@pytest.fixture(scope="session")
def xsd_dir() -> Path:
    """The folder with the official iJw 3.2 XSDs (JW301.xsd, ..., basisschema.xsd), or a skip."""
    path = Path(XSD_DIR_ENV) if XSD_DIR_ENV else None
    if path is None or not path.is_dir():
        pytest.skip("JEUGDKPI_XSD_DIR is not set: the official iJw 3.2 XSDs are not part of this repository "
                    "(download the iJw 3.2 release from istandaarden.nl and point JEUGDKPI_XSD_DIR at its XSD "
                    "folder to run this test)" if path is None else
                    f"JEUGDKPI_XSD_DIR is not a folder: {path} (it must hold the official iJw 3.2 XSDs)")
    return path


@pytest.fixture(scope="session", autouse=True)
def _dagster_home(tmp_path_factory):
    """Runs started without an explicit instance are recorded in DAGSTER_HOME (default the repository's
    .dagster_home/, the operator's run history): tests record theirs in a temporary one."""
    saved = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(tmp_path_factory.mktemp("dagster_home"))
    yield
    if saved is None:
        os.environ.pop("DAGSTER_HOME", None)
    else:
        os.environ["DAGSTER_HOME"] = saved


@pytest.fixture
def make_settings(tmp_path):
    def _make(peildatum: str = "2026-06-30", **env):
        base = {
            "JEUGDKPI_LANDING": str(tmp_path / "landing"),
            "JEUGDKPI_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
            "JEUGDKPI_PUBLISH": str(tmp_path / "published"),
            "JEUGDKPI_PEILDATUM": peildatum,
            "JEUGDKPI_PSEUDONYM_KEY": "test-key",
            "JEUGDKPI_WORKERS": "1",
        }
        base.update(env)
        settings = load_settings(base)
        (settings.landing / "berichten").mkdir(parents=True, exist_ok=True)
        return settings

    return _make


@pytest.fixture
def examples() -> Path:
    """The project's own synthetic iJw 3.2 messages JW301, JW305, JW307, JW323 and JW325 (one youth, one
    provider, one municipality; tests/fixtures/ijw/README.md describes them)."""
    return EXAMPLES


@dataclass
class DemoRun:
    """The demo region (the generator's own synthetic region, smaller) after one whole pipeline run."""
    settings: object
    result: object          # jeugdkpi.pipeline.PipelineResult
    instance: object        # the ephemeral DagsterInstance that holds the run's event log
    generated: object       # jeugdkpi.generate.GenerateSummary
    output: str             # what `jeugdkpi run` printed (progress lines and summary)


DEMO_YOUTHS = 800           # the demo default is 3,000; 800 keeps this session fixture near a minute
DEMO_PEILDATUM = "2026-06-30"


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    """Generate the demo region and run the whole asset graph once per test session (in-process, like
    `jeugdkpi run`). Shared by the whole-graph, explain and report tests; read it, never write to it."""
    import dagster as dg

    from jeugdkpi.cli import run_with_progress
    from jeugdkpi.generate import generate_region

    root = tmp_path_factory.mktemp("demo")
    settings = load_settings({"JEUGDKPI_LANDING": str(root / "landing"),
                              "JEUGDKPI_WAREHOUSE": str(root / "warehouse.duckdb"),
                              "JEUGDKPI_PUBLISH": str(root / "published"), "JEUGDKPI_PEILDATUM": DEMO_PEILDATUM,
                              "JEUGDKPI_PSEUDONYM_KEY": "demo-test"})
    generated = generate_region(settings.landing, youths=DEMO_YOUTHS)
    instance = dg.DagsterInstance.ephemeral()
    saved = dict(os.environ)
    out = io.StringIO()
    try:  # exactly what `jeugdkpi run` does after parsing its arguments (progress, log file, summary)
        exit_code, result = run_with_progress(settings, out, instance=instance)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert exit_code == 0 and result.success, (out.getvalue(), result and result.failed_steps)
    return DemoRun(settings, result, instance, generated, out.getvalue())
