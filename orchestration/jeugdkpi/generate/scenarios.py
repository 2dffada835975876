"""The scenarios every demo region must hold, also a tiny one (docs/demo-region.md).

Each phase of the generator asks `want(key, p, r)` before it writes a scenario: while the scenario's minimum
is not met the first eligible candidate is forced, after that it occurs with probability p. A phase calls
`done(key)` once the scenario has really been written (a candidate can still fail, e.g. past the peildatum).
"""

from __future__ import annotations

import random

# Every scenario the KPIs (and the tests) depend on occurs at least this often, also in a tiny region: the
# first eligible candidate is forced, the rest is random.
SCENARIO_MINIMUMS = {
    "temp_restart": 1, "temp_definitive": 1,
    "corr_305_key": 1, "corr_305_ingang": 1, "corr_307_reden": 1, "corr_307_eind": 1,
    "del13": 1, "ext04": 1, "short05": 1, "late_301": 1,
    "vot_319_2": 1, "vot_319_1": 1, "vow_ok": 1, "vow_rejected": 1,
    "rej_302": 1, "rej_306": 1, "rej_308": 1, "rej_316": 1, "rej_318": 1, "rej_320": 1,
    "credit": 1, "reject_0611": 1, "late_decl": 1, "late_325": 1,
}


class Scenarios:
    """How many of each scenario are still needed, and which forced candidates are still pending."""

    def __init__(self) -> None:
        self.need = dict(SCENARIO_MINIMUMS)
        self._pending: set[str] = set()

    def needed(self, key: str) -> bool:
        return self.need.get(key, 0) > 0

    def want(self, key: str, p: float, r: random.Random) -> bool:
        """Forced while the scenario is needed (no random draw then), else with probability p."""
        return self.needed(key) or r.random() < p

    def want_once(self, key: str, p: float, r: random.Random) -> bool:
        """Like want, but forces only one candidate at a time (for scenarios completed later)."""
        if self.needed(key) and key not in self._pending:
            self._pending.add(key)
            return True
        return r.random() < p

    def release(self, key: str) -> None:
        """The pending forced candidate of `key` will not complete: force the next one."""
        self._pending.discard(key)

    def done(self, key: str) -> None:
        self._pending.discard(key)
        if self.needed(key):
            self.need[key] -= 1
