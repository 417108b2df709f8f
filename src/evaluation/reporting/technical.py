"""The technical report: the executed notebook as HTML with the code hidden and a table of contents, offline.

nbconvert's lab template loads require.js and MathJax from a CDN; the ``technical`` template shipped here (package
data, ``templates/nbconvert/technical``) drops every such script, so the report loads nothing from the network.
Figures are embedded in the page by nbconvert. The table of contents lists the report's ``<h2>`` and ``<h3>``
headings (the notebook's sections) with links, inserted at the top of the page.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from evaluation.core.atomic import write_text
from evaluation.core.config import LANGUAGES
from evaluation.text.catalogue import t

if TYPE_CHECKING:
    from nbconvert import HTMLExporter

HEADING_RE = re.compile(r"<h([23])(?P<attrs>[^>]*)>(?P<body>.*?)</h\1>", re.DOTALL)
TAG_RE = re.compile(r"<[^>]+>")


def _template_dir() -> str:
    return str(resources.files("evaluation.reporting").joinpath("templates").joinpath("nbconvert"))


def add_toc(page: str, language: str = "id") -> str:
    """Give every h2/h3 an id and insert a linked table of contents after ``<main>``."""
    entries: list[tuple[int, str, str]] = []
    seen: set[str] = set()

    def _anchor(m: re.Match[str]) -> str:
        level, attrs, body = int(m.group(1)), m.group("attrs"), m.group("body")
        text = html.unescape(TAG_RE.sub("", body)).replace("¶", "").strip()
        found = re.search(r'id="([^"]+)"', attrs)
        if found:
            anchor = found.group(1)
        else:
            base = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
            anchor, i = f"sec-{base}", 2
            while anchor in seen:
                anchor, i = f"sec-{base}-{i}", i + 1
            attrs = f'{attrs} id="{anchor}"'
        seen.add(anchor)
        entries.append((level, anchor, text))
        return f"<h{level}{attrs}>{body}</h{level}>"

    page = HEADING_RE.sub(_anchor, page)
    if not entries:
        return page
    items = "\n".join(
        f'<li class="toc-{lvl}"><a href="#{html.escape(a)}">{html.escape(txt)}</a></li>' for lvl, a, txt in entries
    )
    toc_language = language if language in LANGUAGES else "en"
    nav = (
        f'<nav class="prokus-toc" aria-label="toc"><strong>{t("toc_title", toc_language)}</strong>'
        f"<ol>\n{items}\n</ol></nav>"
    )
    return page.replace("<main>", "<main>\n" + nav, 1)


def render_technical_report(executed: Path, out_html: Path, language: str | None = None) -> Path:
    """Render an executed notebook to offline HTML with code hidden and a table of contents.

    ``language`` (of the table of contents' title) defaults to the notebook's papermill parameter ``language``.
    """
    nb = nbformat.read(executed, as_version=4)
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    language = language or str(params.get("language") or "id")
    for cell in nb.cells:  # papermill's own bookkeeping cells carry nothing for the reader
        cell.get("metadata", {}).pop("papermill", None)
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"  # papermill draws a random id; the HTML must be byte-identical
    try:
        exporter = _EXPORTERS.pop()
    except IndexError:
        exporter = _new_exporter()
    try:
        body, _ = exporter.from_notebook_node(nb)
    finally:
        _EXPORTERS.append(exporter)
    return write_text(out_html, add_toc(body, language))


# Idle exporters for reuse: an exporter compiles its Jinja templates on first use (about a third of a second),
# and a run renders one report per notebook, from several worker threads (each takes its own from the list).
_EXPORTERS: list[HTMLExporter] = []


def _new_exporter() -> HTMLExporter:
    from nbconvert import HTMLExporter

    return HTMLExporter(
        template_name="technical",
        extra_template_basedirs=[_template_dir()],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
