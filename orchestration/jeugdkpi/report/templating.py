"""The Jinja2 environment of the reports and the validation page: templates in `report/templates/` (shipped as
package data), autoescaping on for every template, so a value from the data can never become markup."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

TEMPLATES = Path(__file__).parent / "templates"


def oneline(text: str) -> Markup:
    """`{% filter oneline %}`: the block's lines stripped and joined, so a template can put one element per line
    while the output keeps a table row or a chart on one line. Each template line must hold whole tags."""
    return Markup("".join(line.strip() for line in str(text).splitlines()))


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)
    env.filters["oneline"] = oneline
    return env


def render(template: str, /, **context) -> str:
    return environment().get_template(template).render(**context)
