"""The technical report: the executed notebook as HTML with the code hidden and a table of contents, offline.

nbconvert's lab template loads require.js and MathJax from a CDN; the ``technical`` template shipped here (package
data, ``templates/nbconvert/technical``) drops every such script, so the report loads nothing from the network.
Figures are embedded in the page by nbconvert. The table of contents lists the report's ``<h2>`` and ``<h3>``
headings (the notebook's sections) with links, inserted at the top of the page.

What a reader of the report sees, and what not (issue 15):

* the page's ``<title>`` is "Laporan teknis — Evaluasi ProKUS 2020 — <scope>" (the report's first heading, in the
  notebook's language), and ``<html lang>`` is that language (``id`` or ``en``), not nbconvert's ``en``;
* the notebook's own markdown cells are instructions for whoever opens the notebook (parameters, how to run it,
  module names) and are left out: with the code hidden they would only confuse; every word a reader sees comes
  from the package's outputs (the catalogue);
* every figure has alt text (the ``alt`` the package puts in the image output's metadata; the template writes it);
* no path of the machine that ran the notebook: papermill's notebook metadata and the injected parameters are
  written project-relative into the executed notebook (:func:`relativise_notebook`) before the page is rendered.
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
from evaluation.core.paths import PROJ_ROOT
from evaluation.text.catalogue import t

if TYPE_CHECKING:
    from nbconvert import HTMLExporter

H1_RE = re.compile(r"<h1[^>]*>(?P<body>.*?)</h1>", re.DOTALL)
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


def project_relative(text: str) -> str:
    """``text`` with every absolute path inside the project written relative to the project root.

    Parameters
    ----------
    text : str
        Any text (a path, a parameter cell, an output).

    Returns
    -------
    str
        The text with ``<project root>/`` removed wherever it occurs.
    """
    root = str(PROJ_ROOT.resolve())
    return text.replace(root + "/", "").replace(root, ".")


def relativise_notebook(executed: Path) -> bool:
    """Rewrite papermill's paths in an executed notebook project-relative (no machine path in a notebook).

    Papermill records the absolute input and output paths in the notebook's metadata, and the injected parameters
    cell repeats the parameters as given; both are rewritten relative to the project root (the notebooks resolve
    relative paths against it, so the notebook still names the same files). Outputs are left as they are.

    Parameters
    ----------
    executed : pathlib.Path
        The executed notebook, rewritten in place (atomically) when something changed.

    Returns
    -------
    bool
        Whether the notebook was rewritten.
    """
    raw = executed.read_text(encoding="utf-8")
    nb = nbformat.reads(raw, as_version=4)
    changed = False
    meta = nb.metadata.get("papermill", {})
    for field in ("input_path", "output_path"):
        value = meta.get(field)
        if isinstance(value, str) and project_relative(value) != value:
            meta[field] = project_relative(value)
            changed = True
    params = meta.get("parameters", {})
    for k, v in list(params.items()):
        if isinstance(v, str) and project_relative(v) != v:
            params[k] = project_relative(v)
            changed = True
    for cell in nb.cells:
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            fixed = project_relative(cell.source)
            if fixed != cell.source:
                cell.source = fixed
                changed = True
    if changed:
        write_text(executed, nbformat.writes(nb) + "\n")
    return changed


def _title(body: str, language: str) -> str:
    """The page title: "Laporan teknis — <the report's first heading>"."""
    first = H1_RE.search(body)
    label = t("l_technical", language)
    if not first:
        return label
    heading = html.unescape(TAG_RE.sub("", first.group("body"))).replace("¶", "").strip()
    return f"{label} — {heading}" if heading else label


def render_technical_report(executed: Path, out_html: Path, language: str | None = None) -> Path:
    """Render an executed notebook to offline HTML with code hidden and a table of contents.

    ``language`` (of the page and its table of contents) defaults to the notebook's papermill parameter
    ``language``. The executed notebook's paths are first made project-relative (:func:`relativise_notebook`).
    """
    relativise_notebook(executed)
    nb = nbformat.read(executed, as_version=4)
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    language = language or str(params.get("language") or "id")
    language = language if language in LANGUAGES else "en"
    nb.cells = [c for c in nb.cells if c.cell_type != "markdown"]  # instructions for the notebook's user only
    for cell in nb.cells:  # papermill's own bookkeeping cells carry nothing for the reader
        cell.get("metadata", {}).pop("papermill", None)
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell["id"] = "injected-parameters"  # papermill draws a random id; the HTML must be byte-identical
    try:
        exporter = _EXPORTERS.pop()
    except IndexError:
        exporter = _new_exporter()
    try:
        exporter.language_code = language
        body, _ = exporter.from_notebook_node(nb)
    finally:
        _EXPORTERS.append(exporter)
    title = f"<title>{html.escape(_title(body, language))}</title>"
    body = re.sub(r"<title>.*?</title>", lambda _m: title, body, count=1, flags=re.S)
    return write_text(out_html, project_relative(add_toc(body, language)))


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
