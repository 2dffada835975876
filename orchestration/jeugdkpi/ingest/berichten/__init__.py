"""iJw 3.2 message ingest: landing/berichten/**/*.xml (and *.zip) -> raw.jw* tables."""
