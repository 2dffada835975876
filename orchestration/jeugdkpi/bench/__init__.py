"""The benchmark of whole runs (`make bench`, `python -m jeugdkpi.bench`; see __main__.py). A developer script,
not a test: its numbers go into the notes and docs/performance.md."""
