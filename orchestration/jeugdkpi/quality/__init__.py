"""The quality gate: GX expectation suites (expectations/*.json) run against the working warehouse.
See docs/quality-gate.md."""
