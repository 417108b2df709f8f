"""What a notebook cell displays: a :class:`Section` (heading, notes, table), a :class:`Banner`, :class:`Sections`.

All three render as HTML in Jupyter (``_repr_html_``) and as plain text elsewhere (``__repr__``), so that a cell ending
with a section shows it well (linearmodels ``shared/base.py`` style). Titles, notes and cells are escaped.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class Section:
    """A heading, paragraphs and a table, displayed as HTML in the notebook."""

    title: str
    table: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    level: int = 2

    def _repr_html_(self) -> str:
        parts = [f"<h{self.level}>{html.escape(self.title)}</h{self.level}>"]
        parts += [f"<p>{html.escape(n)}</p>" for n in self.notes]
        if self.table is not None:
            parts.append(self.table.to_html(index=False, escape=True, border=0, classes="prokus-table"))
        return "\n".join(parts)

    def __repr__(self) -> str:
        body = "" if self.table is None else "\n" + self.table.to_string(index=False)
        return f"{self.title}\n" + "\n".join(self.notes) + body


@dataclass
class Banner:
    """A visible banner (synthetic data warning) at the top of a report."""

    text: str
    title: str

    def _repr_html_(self) -> str:
        banner = ""
        if self.text:
            banner = (
                '<div class="prokus-banner" style="border:3px solid #b00020;background:#fff3f3;padding:10px;'
                f'margin:0 0 12px 0;font-weight:bold;color:#b00020">{html.escape(self.text)}</div>'
            )
        return f"{banner}<h1>{html.escape(self.title)}</h1>"

    def __repr__(self) -> str:
        return f"{self.text}\n{self.title}" if self.text else self.title


@dataclass
class Sections:
    """Several sections displayed one after the other."""

    parts: list[Any] = field(default_factory=list)

    def _repr_html_(self) -> str:
        return "\n".join(p._repr_html_() for p in self.parts if p is not None)

    def __repr__(self) -> str:
        return "\n\n".join(repr(p) for p in self.parts if p is not None)
