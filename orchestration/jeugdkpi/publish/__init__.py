"""Publication for BI tools: write-audit-publish of the checked marts (docs/publication.md)."""
