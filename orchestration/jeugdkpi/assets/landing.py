"""The landing folders as observable source assets: where the lineage of every published number begins.

Each landing source (`settings.LANDING_SOURCES`) is an asset `landing/<source>` in the group `landing`. The
pipeline observes them at the start of every run: the data version is a fingerprint of the files below the
folder (SHA-256 over the sorted relative path, size and mtime_ns of each regular file), so the UI shows which
state of the inputs a run read. Symlinks are neither followed nor counted and nothing is opened: the walk only
lists folders and stats entries below the landing folder.

`note_first_sights` is the landing sensor's part of the landing moment (docs/ingest.md): when it sees a tabular
source's file for the first time it notes that moment, with the file's hash, beside the warehouse.
"""

import datetime as dt
import hashlib
import os
import stat
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from jeugdkpi.assets import REBUILD_TAG
from jeugdkpi.ingest.files import first_sight_path, is_skipped_name, record_first_sights
from jeugdkpi.resources import JeugdkpiConfig
from jeugdkpi.settings import LANDING_SOURCES, Settings

LANDING_GROUP = "landing"
LANDING_KEYS = [dg.AssetKey(["landing", source]) for source in LANDING_SOURCES]
CODE_VERSION = "landing-fingerprint-1"  # path, size and mtime_ns of every regular file, sorted by path

_DESCRIPTIONS = {
    "berichten": "iJw 3.2-berichten (JW301 t/m JW325), één Bericht per *.xml, ook in submappen en *.zip.",
    "cbs_spiegel": "CBS-spiegelrapportages in de intake-indeling.",
    "cbs_bevolking": "CBS-bevolking op 1 januari per gemeente en leeftijd (StatLine 03759ned).",
    "cbs_benchmark": "CBS-referentiewaarden (StatLine 85098NED, 85097NED, 85100NED) per gemeente, regio en "
                     "Nederland.",
    "aanbieders": "Ingevulde aanlevertemplates van aanbieders.",
    "gemeente": "Gemeentelijke exports (aanvragen, afwijzingen, betalingen); optioneel.",
    "kwaliteitsgesprekken": "Scores van de kwaliteitsgesprekken (contractmanager).",
}


@dataclass(frozen=True)
class Fingerprint:
    sha256: str     # over the sorted (relative path, size, mtime_ns) of every regular file; of nothing when absent
    files: int
    bytes: int
    newest_mtime_ns: int


def regular_files(folder: Path) -> Iterator[tuple[str, int, int]]:
    """(relative path, size, mtime_ns) of every regular file below `folder`, in no particular order.

    Symlinks (to files or folders) are skipped and never followed; a missing folder has no files."""
    stack = [("", str(folder))]
    while stack:
        prefix, path = stack.pop()
        try:
            with os.scandir(path) as entries:
                listed = list(entries)
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in listed:
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISDIR(info.st_mode):
                stack.append((prefix + entry.name + "/", entry.path))
            elif stat.S_ISREG(info.st_mode):
                yield prefix + entry.name, info.st_size, info.st_mtime_ns


def fingerprint(folder: Path) -> Fingerprint:
    """The fingerprint of one landing folder. A folder that is itself a symlink is not followed (no files)."""
    if folder.is_symlink():
        files: list[tuple[str, int, int]] = []
    else:
        files = sorted(regular_files(folder))
    digest = hashlib.sha256()
    for rel, size, mtime_ns in files:
        digest.update(f"{rel}\0{size}\0{mtime_ns}\n".encode("utf-8", "surrogateescape"))
    return Fingerprint(digest.hexdigest(), len(files), sum(f[1] for f in files),
                       max((f[2] for f in files), default=0))


def note_first_sights(settings: Settings, now: dt.datetime | None = None) -> int:
    """Note the first sight of every file of the tabular sources (all but berichten, whose messages carry their own
    Dagtekening) in the first-sight log beside the warehouse (files.record_first_sights); editor, partial and
    hidden files and symlinked folders are left out, as discovery leaves them out. Returns the files noted
    for the first time."""
    entries = ((source, rel, size, mtime_ns)
               for source in LANDING_SOURCES if source != "berichten" and not (settings.landing / source).is_symlink()
               for rel, size, mtime_ns in regular_files(settings.landing / source)
               if not any(is_skipped_name(part) for part in rel.split("/")))
    return record_first_sights(first_sight_path(settings.warehouse), settings.landing, entries,
                               now or dt.datetime.now(), settings.max_file_bytes)


def landing_fingerprint(landing: Path) -> str:
    """The run tag `jeugdkpi/landing_fingerprint`: SHA-256 over the fingerprints of all landing sources."""
    digest = hashlib.sha256()
    for source in LANDING_SOURCES:
        digest.update(f"{source}\0{fingerprint(landing / source).sha256}\n".encode())
    return digest.hexdigest()


def run_tags(settings, rebuild: bool = False) -> dict[str, str]:
    """The tags every run of the pipeline carries, whichever way it started; `rebuild`: build and check everything
    even when nothing is new (REBUILD_TAG, assets/transform.py)."""
    return {"jeugdkpi/peildatum": settings.peildatum.isoformat(),
            "jeugdkpi/landing_fingerprint": landing_fingerprint(settings.landing),
            **({REBUILD_TAG: "true"} if rebuild else {})}


def _observe_landing(context: dg.AssetExecutionContext, jeugdkpi: JeugdkpiConfig):
    """Fingerprint every selected landing folder (no file is opened)."""
    landing = jeugdkpi.settings().landing
    for key in LANDING_KEYS:
        if key not in context.selected_asset_keys:
            continue
        folder = landing / key.path[1]
        fp = fingerprint(folder)
        yield dg.ObserveResult(asset_key=key, data_version=dg.DataVersion(fp.sha256),
                               metadata={"files": fp.files, "total_bytes": fp.bytes,
                                         "path": dg.MetadataValue.path(str(folder))})


with warnings.catch_warnings():  # observable source assets are "beta" in dagster 1.13; say so once, here
    warnings.simplefilter("ignore", dg.BetaWarning)
    observe_landing = dg.multi_observable_source_asset(
        name="observe_landing", can_subset=True, group_name=LANDING_GROUP,
        specs=[dg.AssetSpec(key, description=f"Landing-map {key.path[1]}/: {_DESCRIPTIONS[key.path[1]]} De "
                                             "dataversie is een vingerafdruk van de bestanden (pad, grootte, "
                                             "wijzigingstijd); bestanden worden nooit gewijzigd of verplaatst.",
                            kinds={"file"}, code_version=CODE_VERSION)
               for key in LANDING_KEYS])(_observe_landing)
