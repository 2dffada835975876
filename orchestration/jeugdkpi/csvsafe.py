"""CSV cells a spreadsheet cannot run (issue 15): a text cell that begins with `=`, `+`, `-`, `@`, a tab or a
carriage return is read by Excel (and LibreOffice) as a formula, so a landing file named `=HYPERLINK("x").csv`
would become a live formula in `jeugdkpi explain --format csv`. Every CSV the CLI writes passes its text cells
through `neutralise`, which prefixes such a cell with `'` (the spreadsheet shows the text, the `'` is not
displayed). Numbers, and text that is a plain number such as `-3.5`, stay as they are: no spreadsheet runs
them. The values read from the input stay data; nothing is ever evaluated."""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise(value: object) -> object:
    """`value` with a `'` before it when it is text a spreadsheet would read as a formula; anything else
    (numbers, None, harmless text) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralise_row(values) -> list:
    return [neutralise(v) for v in values]


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` with every text cell and column name neutralised (for `DataFrame.to_csv`);
    numeric columns are left alone."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(c) for c in out.columns]
    return out
