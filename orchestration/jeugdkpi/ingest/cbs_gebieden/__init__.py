"""CBS "Gebieden in Nederland" (StatLine, one table per year): refreshes seeds/municipalities.csv with each
municipality's jeugdzorgregio (`jeugdkpi cbs-gebieden`, docs/regions.md)."""
