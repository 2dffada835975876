"""Issue 16: described for auditors. Everything the Dagster UI shows about an asset, an asset check or a column is a
Dutch description written by the project: not dagster-dbt's stand-ins ("dbt model X" plus the raw SQL), not a
dbt-generated test name, not an empty column. Where the descriptions live: docs/architecture.md.

The rules (precise, so a new asset, test or column that breaks them fails here):
- asset: a description that does not start with "dbt " and holds no "Raw SQL";
- asset check: a description, and a name of at most 60 characters of [a-z0-9_] starting with a letter, without
  "__" (dbt joins a test's arguments with "__") and not starting with "<generic test>_<model>" (dbt's default
  `<test>_<model>_<column>...`, e.g. not_null_kpi_values_kpi_id);
- column: every column of every `dagster/column_schema` (in the definitions, and on every materialisation of
  the demo run: the columns the tables really have) has a description;
- Dutch, by a cheap heuristic: with code spans, snake_case identifiers and paths left out, a description has no
  word of ENGLISH (English-only function words: "of", "in", "is", "was" are Dutch too) and, from six words on,
  at least one word of DUTCH (shorter ones, "Rapportageperiode: YYYY, YYYY-H1 of YYYY-H2.", have too few).
"""

from __future__ import annotations

import json
import re

import dagster as dg
import pytest

from jeugdkpi.definitions import defs

DUTCH = {"de", "het", "een", "van", "en", "op", "met", "voor", "naar", "niet", "uit", "bij", "door", "als", "tot",
         "zijn", "wordt", "elke", "elk", "geen", "nooit", "alleen", "die", "dat", "deze", "ook", "nog", "wel",
         "waarop", "waarin", "waarmee", "maar", "aantal", "per"}
ENGLISH = {"the", "and", "with", "which", "from", "when", "where", "this", "that", "are", "each", "every", "only",
           "without", "whether", "than", "into", "its", "has", "have", "for", "not", "by", "or", "to", "on", "one",
           "row", "rows", "file", "files", "were", "be", "been", "it", "an", "at", "as", "all", "also", "if",
           "then", "else", "other", "same", "whole", "more", "youth", "youths"}
NAME_RE = re.compile(r"[a-z][a-z0-9_]{2,59}")
UNIQUE_ID = "dagster_dbt/unique_id"


def words(text: str) -> set[str]:
    """The plain words of a description: no `code`, no snake_case identifiers, no paths or file names."""
    text = re.sub(r"`[^`]*`", " ", text)
    tokens = re.findall(r"[\w./!<>-]+", text.lower())
    return {t.strip(".-") for t in tokens if re.fullmatch(r"[a-zà-ÿ]+", t.strip(".-"))}


def english_words(text: str) -> set[str]:
    return words(text) & ENGLISH


def is_dutch(text: str) -> bool:
    plain = words(text)
    return not plain & ENGLISH and (len(plain) < 6 or bool(plain & DUTCH))


def test_the_dutch_heuristic_tells_the_languages_apart():
    assert is_dutch("Eén rij per geladen iJw-bericht (bestand): afzender, ontvanger, dagtekening.")
    assert is_dutch("`is_provisional` is true als de waarde nog kan veranderen; on_time NULL = nog lopend.")
    assert not is_dutch("One row per loaded message (file): message-level lineage.")
    old = "Delivery log of landing/cbs_spiegel: one row per loaded or rejected report."
    assert english_words(old) == {"one", "row", "or"}
    assert not is_dutch("Catalogue id of the KPI, the same in every table.")
    assert is_dutch("Rapportageperiode: YYYY, YYYY-H1 of YYYY-H2.")  # too short for a Dutch word, no English one


@pytest.fixture(scope="module")
def graph():
    return defs.resolve_asset_graph()


@pytest.fixture(scope="module")
def manifest():
    from jeugdkpi.assets.transform import dbt_project

    return json.loads(dbt_project().manifest_path.read_text())


def column_schemas(metadata) -> list:
    schema = metadata.get("dagster/column_schema")
    if schema is None:
        return []
    return list(getattr(schema, "schema", schema).columns)


def test_every_asset_has_a_dutch_description(graph):
    bad = {}
    for key in graph.get_all_asset_keys():
        text = graph.get(key).description or ""
        if not text.strip() or text.startswith("dbt ") or "Raw SQL" in text or not is_dutch(text):
            bad[key.to_user_string()] = text[:80]
    assert not bad, bad
    assert len(list(graph.get_all_asset_keys())) > 80


def test_dbt_models_show_their_yaml_description_and_keep_the_sql_one_click_away(graph):
    node = graph.get(dg.AssetKey(["staging", "stg_ijw__toewijzingen"]))
    assert node.description.startswith("Actuele stand (laatste versie) van elke toewijzing")
    assert "select" not in node.description.lower()
    references = node.metadata["dagster/code_references"].code_references
    assert [r.file_path.rsplit("/", 1)[-1] for r in references] == ["stg_ijw__toewijzingen.sql"]
    # a KPI model keeps the Dutch names and definitions of its KPIs after its own description
    tom = graph.get(dg.AssetKey(["intermediate", "int_kpi__tom"])).description
    assert tom.startswith("KPI-rijen VB04 en VB08") and "| VB04 |" in tom


def test_every_check_has_a_readable_name_and_a_dutch_description(graph, manifest):
    generic = {n["test_metadata"]["name"] for n in manifest["nodes"].values()
               if n["resource_type"] == "test" and n.get("test_metadata")}
    checks = list(graph.asset_check_keys)
    assert len(checks) > 130
    bad = {}
    for check in checks:
        spec = graph.get_check_spec(check)
        table = check.asset_key.path[-1]
        label = f"{check.asset_key.to_user_string()}:{check.name}"
        if not NAME_RE.fullmatch(check.name) or "__" in check.name:
            bad[label] = "name"
        elif any(check.name.startswith(f"{test}_{table}") for test in generic):
            bad[label] = "dbt's generated name"
        elif not spec.description or not is_dutch(spec.description):
            bad[label] = f"description {spec.description!r}"
    assert not bad, bad


def test_a_dbt_test_check_carries_its_yaml_name_and_description(graph):
    spec = graph.get_check_spec(dg.AssetCheckKey(dg.AssetKey(["marts", "kpi_values"]), "kpi_values_one_row_per_key"))
    assert spec.description.startswith("Eén rij per combinatie van kpi_id, period, municipality_code")
    unique_id = spec.metadata[UNIQUE_ID]
    assert getattr(unique_id, "value", unique_id).startswith("test.jeugdkpi.kpi_values_one_row_per_key.")


def test_every_column_in_the_definitions_is_described_in_dutch(graph):
    bad, n = {}, 0
    for key in graph.get_all_asset_keys():
        for column in column_schemas(graph.get(key).metadata):
            n += 1
            if not column.description or not is_dutch(column.description):
                bad[f"{key.to_user_string()}.{column.name}"] = column.description
    assert not bad, bad
    # the raw tables (ingest/berichten/schema.py, ingest/tabular.py) and the dbt models (YAML) all have schemas
    raw = graph.get(dg.AssetKey(["raw", "jw301_toegewezen_product"])).metadata
    assert {c.name: c.description for c in column_schemas(raw)}["youth_key"].startswith("Gepseudonimiseerde")
    assert n > 1000


def test_every_column_the_tables_really_have_is_described(demo_run):
    """The UI shows the schema of the latest materialisation: the columns DuckDB reports, with the YAML's
    descriptions. A model column missing from its YAML shows up here without a description."""
    materialised = {}
    for record in demo_run.instance.all_logs(demo_run.result.run_id):
        event = record.dagster_event
        if event is not None and event.event_type_value == "ASSET_MATERIALIZATION":
            materialised[event.asset_key] = event.event_specific_data.materialization.metadata
    undescribed = [f"{key.to_user_string()}.{c.name}" for key, metadata in materialised.items()
                   for c in column_schemas(metadata) if not c.description]
    assert not undescribed, undescribed
    kpi_values = {c.name: c.description for c in column_schemas(materialised[dg.AssetKey(["marts", "kpi_values"])])}
    assert kpi_values["municipality_code"] == "CBS-code van de gemeente (4 cijfers); NULL = hele regio."
