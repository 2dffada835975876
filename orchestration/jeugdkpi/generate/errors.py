"""Deliberately bad files under berichten/fouten/, so the demo shows the quarantine (one problem each)."""

from __future__ import annotations

import os
from datetime import date, datetime, time, timedelta
from pathlib import Path

from jeugdkpi.generate import people, render
from jeugdkpi.generate.calendar import WorkCalendar
from jeugdkpi.generate.catalog import Catalog
from jeugdkpi.generate.model import Hdr, StartLine, StopLine, Youth

ERROR_FILES = {
    "kapot_bericht.xml": "malformed XML (the file is cut off)",
    "jw305_bsn_faalt_elfproef.xml": "JW305 whose Bsn fails the 11-proof",
    "jw307_einddatum_voor_begindatum.xml": "JW307 whose StopProduct Einddatum lies before its Begindatum",
    "jw305_release_3_1.xml": "JW305 in the iJw 3.1 namespace (.../ijw/3_1/jw305/schema): unsupported release",
}


def _youth(bsn: str, gemeente: str, place: str) -> Youth:
    return Youth(idx=-1, bsn=bsn, birth=date(2012, 5, 17), gender="2", gemeente=gemeente,
                 surname="Testpersoon-Foutbericht", first_name="Demofout", initials="D", house_number=1,
                 postcode="1000QQ", place=place, parent_surname=None, phone=None)


def write_error_files(berichten: Path, catalog: Catalog, cal: WorkCalendar, start: date, until: date) -> int:
    folder = berichten / "fouten"
    folder.mkdir(parents=True, exist_ok=True)
    d = max(cal.prev_wd(until - timedelta(days=20)), cal.next_wd(start))
    begin = max(start, d - timedelta(days=30))
    gem = catalog.municipalities[0]
    prov = next((p for p in catalog.providers if p.products and p.under_contract(begin)), catalog.providers[0])
    prod = prov.products[0] if prov.products else catalog.products[0]
    nr = 999000001  # no assignment has this number

    texts: dict[str, str] = {}
    h = Hdr("JW305", prov.agb, gem.code, "F305-0001", d)
    full, _ = render.jw305(h, _youth(people.RESERVED_BSN, gem.code, gem.name),
                           [StartLine(nr, prod.category, prod.code, begin, begin)])
    texts["kapot_bericht.xml"] = full[: len(full) // 2]

    h = Hdr("JW305", prov.agb, gem.code, "F305-0002", d)
    texts["jw305_bsn_faalt_elfproef.xml"], _ = render.jw305(
        h, _youth(people.invalid_bsn(), gem.code, gem.name), [StartLine(nr, prod.category, prod.code, begin, begin)]
    )

    h = Hdr("JW307", prov.agb, gem.code, "F307-0001", d)
    texts["jw307_einddatum_voor_begindatum.xml"], _ = render.jw307(
        h, _youth(people.RESERVED_BSN, gem.code, gem.name),
        [StopLine(nr, prod.category, prod.code, begin, begin, "31", begin - timedelta(days=9))],
    )

    h = Hdr("JW305", prov.agb, gem.code, "F305-0003", d)
    texts["jw305_release_3_1.xml"], _ = render.jw305(
        h, _youth(people.RESERVED_BSN, gem.code, gem.name), [StartLine(nr, prod.category, prod.code, begin, begin)],
        release="3_1",
    )
    stamp = datetime.combine(d, time(12, 0)).timestamp()  # landed on their Dagtekening, like the other messages
    for name in ERROR_FILES:
        (folder / name).write_bytes(texts[name].encode("utf-8"))
        os.utime(folder / name, (stamp, stamp))
    return len(ERROR_FILES)
