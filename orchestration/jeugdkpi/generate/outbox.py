"""Where the simulated iJw traffic goes: message files, their identification, and the retour on every heenbericht.

`Outbox` numbers everything that needs a unique identifier (BerichtIdentificatie per sender and message type,
the provider's request and prestatie references, the municipality's ToewijzingNummers), writes each message as
`<year>/<JWnnn>/<yyyy-mm>/<JWnnn>_<sender>_<Identificatie>.xml` with the modification time of its Dagtekening,
and answers a heenbericht with its retour (302/306/308/316/318/320) a few working days later.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path

from jeugdkpi.generate import render
from jeugdkpi.generate.calendar import WorkCalendar
from jeugdkpi.generate.model import Hdr, Youth

RETOUR_K = ([0, 1, 2, 3, 4, 5, 6], [30, 45, 14, 7, 2, 1, 1])  # working days between heenbericht and retour


class Writer:
    def __init__(self, root: Path):
        self.root = str(root)
        self._dirs: set[str] = set()
        self.files: Counter[str] = Counter()
        self.records: Counter[str] = Counter()

    def write(self, mtype: str, d: date, sender: str, ident: str, text: str, n_records: int) -> None:
        folder = os.path.join(self.root, str(d.year), mtype, f"{d.year:04d}-{d.month:02d}")
        if folder not in self._dirs:
            os.makedirs(folder, exist_ok=True)
            self._dirs.add(folder)
        path = os.path.join(folder, f"{mtype}_{sender}_{ident}.xml")
        with open(path, "wb") as fh:
            fh.write(text.encode("utf-8"))
        stamp = datetime.combine(d, time(12, 0)).timestamp()  # landed on its Dagtekening (docs/ingest.md)
        os.utime(path, (stamp, stamp))
        self.files[mtype] += 1
        self.records[mtype] += n_records


class Outbox:
    def __init__(self, root: Path, seed: int, cal: WorkCalendar, until: date):
        self.writer = Writer(root)
        self.cal = cal
        self.until = until
        self.rng_retour = random.Random(f"jeugdkpi:{seed}:retour")
        self.youths_seen: set[int] = set()  # youths that occur in at least one message
        self._idents: Counter[tuple[str, str]] = Counter()
        self._refs: Counter[tuple[str, str]] = Counter()
        self._prefs: Counter[str] = Counter()
        self._nr = 100000

    # ---- identifiers
    def hdr(self, mtype: str, sender: str, receiver: str, d: date) -> Hdr:
        return Hdr(mtype, sender, receiver, self._ident(sender, mtype), d)

    def _ident(self, sender: str, mtype: str) -> str:
        self._idents[(sender, mtype)] += 1
        return f"{mtype[2:]}{self._idents[(sender, mtype)]:09d}"

    def ref(self, kind: str, agb: str) -> str:
        """The provider's reference of a request (kind VOT or VOW)."""
        self._refs[(kind, agb)] += 1
        return f"{kind}-{agb}-{self._refs[(kind, agb)]:06d}"

    def pref(self, agb: str) -> str:
        """The provider's reference of a prestatie."""
        self._prefs[agb] += 1
        return f"P{self._prefs[agb]:09d}"

    def next_nr(self) -> int:
        """The next ToewijzingNummer."""
        self._nr += 1
        return self._nr

    # ---- sending
    def send(self, d: date, k: int) -> date:
        """The date a message is sent k working days after d (k = 0: d itself, or the next working day)."""
        return self.cal.add(d, k) if k > 0 else self.cal.next_wd(d)

    def write(self, h: Hdr, text: str, n: int, youth: Youth | None = None) -> None:
        self.writer.write(h.mtype, h.dag, h.sender, h.ident, text, n)
        if youth is not None:
            self.youths_seen.add(youth.idx)

    def retour(self, h: Hdr, rc: dict | None = None, header_codes=None, **kw) -> date | None:
        """Write the retour on heenbericht h (header only unless rc gives class codes); its date or None."""
        rtype = render.RETOUR_OF[h.mtype]
        # a rejection is returned by the receiver's automated checks the next working day
        k = 1 if rc is not None else self.rng_retour.choices(*RETOUR_K)[0]
        rd = self.send(h.dag, k)
        if rd > self.until:
            return None
        creator = h.receiver
        ident = self._ident(creator, rtype)
        if rtype == "JW302":
            text, n = render.jw302(h, ident, rd, header_codes, kw.get("y"), kw.get("lines", ()), rc)
        elif rtype in ("JW306", "JW308"):
            text, n = render.jw306_308(rtype, h, ident, rd, kw.get("y"), kw.get("lines", ()), rc)
        elif rtype == "JW316":
            text, n = render.jw316(h, ident, rd, kw.get("y"), kw.get("lines", ()), rc)
        elif rtype == "JW318":
            text, n = render.jw318(h, ident, rd, kw.get("bsn"), kw.get("ref", ""), kw.get("reden", ""),
                                   kw.get("unchanged", ()), kw.get("changes", ()), rc)
        else:
            text, n = render.jw320(h, ident, rd, kw.get("ref", ""), kw.get("antwoord", ""), kw.get("reden"),
                                   kw.get("woonplaats"), rc)
        self.writer.write(rtype, rd, creator, ident, text, n)
        return rd
