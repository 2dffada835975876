"""Static dbt docs (`dbt docs generate --static`): one self-contained HTML page published next to the data,
labelled as the documentation of the working layer; the published tables are described by woordenboek.md
(publish/dictionary.py, docs/bi.md)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from jeugdkpi.dbt_child import PARENT_PID_ENV, dbt_executable
from jeugdkpi.publish.dictionary import COLUMNS_TABLE, DICTIONARY_FILE, VIEW
from jeugdkpi.settings import DBT_PROJECT_DIR, Settings


def generate_static_docs(out: Path, settings: Settings, run_id: str | None = None) -> Path:
    """Write `out` (the static index.html). Re-uses the parse state of this run's `dbt build` (dagster-dbt
    target folder `dbt_warehouse-<run id>-*`) so dbt parses partially; the SQL is not compiled again
    (`--no-compile`): the docs show each model's source SQL and the warehouse catalog."""
    dbt = dbt_executable()  # killed with this process, never an orphan (jeugdkpi/dbt_child.py)
    env = {**os.environ, **settings.dbt_env(), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
           PARENT_PID_ENV: str(os.getpid())}
    with tempfile.TemporaryDirectory(prefix="jeugdkpi-docs-") as tmp:
        target = Path(tmp) / "target"
        target.mkdir()
        builds = sorted((DBT_PROJECT_DIR / "target").glob(f"dbt_warehouse-{(run_id or '')[:7]}-*"),
                        key=lambda p: p.stat().st_mtime) if run_id else []
        for name in ("partial_parse.msgpack", "manifest.json"):
            for src in [*(b / name for b in reversed(builds)), DBT_PROJECT_DIR / "target" / name]:
                if src.is_file():
                    shutil.copy2(src, target / name)
                    break
        cmd = [str(dbt), "docs", "generate", "--static", "--no-compile", "--project-dir", str(DBT_PROJECT_DIR),
               "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(target),
               "--log-path", str(Path(tmp) / "logs"), "--quiet"]
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=DBT_PROJECT_DIR)
        page = target / "static_index.html"
        if proc.returncode != 0 or not page.is_file():
            raise RuntimeError(f"dbt docs generate failed ({proc.returncode}): {(proc.stdout + proc.stderr)[-800:]}")
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(label_working_layer(page.read_text(encoding="utf-8")), encoding="utf-8")
    return out


WORKING_LAYER_NOTE = ("<div style=\"position:fixed;left:0;right:120px;bottom:0;z-index:100000;background:#fff4ce;"
                      "border-top:1px solid #c8a600;padding:8px 16px;"
                      "font:14px sans-serif\">Deze dbt-documentatie beschrijft de <b>werklaag</b> (het "
                      "werkmagazijn, vóór de kleineaantallenregel). De gepubliceerde tabellen en de view "
                      f"{VIEW} staan in <a href=\"../{DICTIONARY_FILE}\">{DICTIONARY_FILE}</a> en in de tabel "
                      f"{COLUMNS_TABLE} van kpi.duckdb (docs/bi.md).</div>")


def label_working_layer(page: str) -> str:
    """The dbt docs page with a bar fixed at the bottom of the window (the app's own header covers the top): it
    documents the working warehouse, and says where the published tables are described. Inserted at the start of
    the body that follows </head> (dbt's inlined scripts in the head may contain "<body")."""
    body = re.search(r"</head>\s*<body[^>]*>", page)
    at = body.end() if body else 0
    return page[:at] + WORKING_LAYER_NOTE + page[at:]
