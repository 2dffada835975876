"""Ingest of every landing source into the `raw` schema, with the audit trail in `audit`.

One sub-package per landing sub-folder (see ../shared/spec/interfaces.md section 2). The shared
mechanics (file discovery, hashing, idempotency, quarantine, reconciliation) live in `files.py`.
"""
