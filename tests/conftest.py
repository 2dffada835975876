"""Shared fixtures: temporary landing/warehouse/publish folders and the reference material in ../shared."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from jeugdkpi.settings import REPO_ROOT, load_settings

SHARED = Path(os.environ.get("JEUGDKPI_SHARED_DIR", REPO_ROOT.parent / "shared"))
EXAMPLES = SHARED / "reference" / "ijw-examples"
XSD_DIR = Path(os.environ.get("JEUGDKPI_TEST_XSD_DIR", SHARED / "reference" / "ijw-3.2-xsd"))


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
    if not EXAMPLES.is_dir():
        pytest.fail(f"reference examples not found at {EXAMPLES} (set JEUGDKPI_SHARED_DIR)")
    return EXAMPLES
