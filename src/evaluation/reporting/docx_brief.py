"""The policy brief as an editable Word document (``brief_<lang>.docx``), for ministry staff to paste from.

It is rendered from the same content record as the PDF and HTML briefs (:func:`evaluation.reporting.brief.
brief_content`, built from ``results.json``), with the same charts (the PNG files drawn for the PDF), so the three
formats cannot disagree. Word styles carry the structure (Title, Heading 2, List Bullet, List Number, Table Grid), so
a reader who pastes a section into their own report keeps its headings and lists. The document's language is set
(``id-ID`` or ``en-GB``) for Word's spelling check, and the file holds no clock time (:func:`~evaluation.reporting.
office.fixed_zip`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from evaluation.reporting.office import FIXED_DATE, fixed_zip, page_field

__all__ = ["WORD_LANGUAGE", "docx_brief_bytes", "item_text"]

WORD_LANGUAGE = {"id": "id-ID", "en": "en-GB"}  # Word's proofing language of the brief
NAVY = (0x1B, 0x3A, 0x5C)
GREY = (0x46, 0x46, 0x46)
BANNER_RED = (0xB0, 0x00, 0x20)
FIGURE_WIDTH_CM = 16.0


def item_text(item: Any) -> str:
    """The words of one brief item: a plain string, or a record with a ``text`` field (a finding with its key).

    Parameters
    ----------
    item : str or dict
        An entry of the content's ``findings``, ``recommendations`` or ``methods`` list.

    Returns
    -------
    str
        The text shown to the reader.
    """
    if isinstance(item, dict):
        return str(item.get("text", ""))
    return str(item)


def _set_language(doc: Any, lang: str) -> None:
    """Set the proofing language of the Normal style (every paragraph inherits it)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = doc.styles["Normal"].element.get_or_add_rPr()
    el = rpr.find(qn("w:lang"))
    if el is None:
        el = OxmlElement("w:lang")
        rpr.append(el)
    el.set(qn("w:val"), WORD_LANGUAGE.get(lang, lang))


def _shade(cell: Any, hex_colour: str) -> None:
    """Fill a table cell with a colour (``#rrggbb``), lightened as the PDF does (status cells)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rgb = [int(hex_colour.lstrip("#")[i : i + 2], 16) for i in (0, 2, 4)]
    light = "".join(f"{round(c + (255 - c) * 0.65):02X}" for c in rgb)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), light)
    cell._tc.get_or_add_tcPr().append(shd)


def _keep_rows_together(table: Any) -> None:
    """Ask Word not to split a row over pages and to keep the table's rows on one page where they fit."""
    from docx.oxml import OxmlElement

    last = len(table.rows) - 1
    for i, row in enumerate(table.rows):
        tr_pr = row._tr.get_or_add_trPr()
        cant = OxmlElement("w:cantSplit")
        tr_pr.append(cant)
        if i == last:  # the last row is not tied to what follows the table
            continue
        for cell in row.cells:
            for p in cell.paragraphs:
                p.paragraph_format.keep_with_next = True
    header = table.rows[0]._tr.get_or_add_trPr()
    header.append(OxmlElement("w:tblHeader"))


TEXT_WIDTH_CM = 17.4  # A4 less the 1.8 cm margins
# Relative column widths, as in the PDF's Typst template (brief.typ)
WIDTHS = {
    "effects": (1.9, 1.2, 1.1, 1.1, 1.8, 2.2),
    "scorecard": (1.1, 1.9, 1.05, 0.95, 1.35, 2.0, 1.2),
    "risk": (1.0, 1.7, 3.1, 0.8, 0.7),
}


def _table(
    doc: Any, columns: list[str], rows: list[list[str]], numeric: range, pt: Any, widths: tuple[float, ...] = ()
) -> Any:
    """A Table Grid table with a bold header row; the ``numeric`` columns are right-aligned."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    table = doc.add_table(rows=1 + len(rows), cols=len(columns))
    table.style = "Table Grid"
    table.autofit = False
    if len(widths) == len(columns):
        for j, w in enumerate(widths):
            width = Cm(TEXT_WIDTH_CM * w / sum(widths))
            table.columns[j].width = width  # the grid (LibreOffice reads this) and each cell (Word reads these)
            for cell in table.columns[j].cells:
                cell.width = width
    for j, text in enumerate(columns):
        cell = table.rows[0].cells[j]
        cell.text = ""
        run = cell.paragraphs[0].add_run(str(text))
        run.bold = True
        run.font.size = pt(8.5)
    for i, row in enumerate(rows, start=1):
        for j, text in enumerate(row):
            cell = table.rows[i].cells[j]
            cell.text = ""
            para = cell.paragraphs[0]
            para.add_run(str(text)).font.size = pt(8.5)
            if j in numeric:
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _keep_rows_together(table)
    return table


def _note(doc: Any, text: str, pt: Any, rgb: Any) -> None:
    if not text:
        return
    run = doc.add_paragraph().add_run(text)
    run.italic = True
    run.font.size = pt(8)
    run.font.color.rgb = rgb(*GREY)


def docx_brief_bytes(content: dict[str, Any], root: Path) -> bytes:
    """The brief as a Word document: the same headings, findings, tables, charts and notes as the PDF.

    Parameters
    ----------
    content : dict
        The brief's content record (:func:`evaluation.reporting.brief.brief_content`).
    root : pathlib.Path
        The scope's folder; the content's figure paths are relative to it.

    Returns
    -------
    bytes
        The ``.docx`` file, byte-identical for the same content and charts.

    Raises
    ------
    FileNotFoundError
        When a chart named in the content is missing (the charts are drawn before the brief is rendered).
    """
    from docx import Document
    from docx.shared import Cm, Pt, RGBColor

    doc = Document()
    props = doc.core_properties
    props.title = content["title"]
    props.author = props.last_modified_by = content["issuer"]
    props.subject = content["kind"]
    props.created = props.modified = props.last_printed = FIXED_DATE
    props.revision = 1
    props.language = WORD_LANGUAGE.get(content["lang"], content["lang"])
    props.comments = content["footer"]
    _set_language(doc, content["lang"])

    section = doc.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)
    section.left_margin = section.right_margin = Cm(1.8)
    section.top_margin = section.bottom_margin = Cm(1.6)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = "Arial", Pt(10)
    for name in ("Title", "Heading 2"):
        doc.styles[name].font.color.rgb = RGBColor(*NAVY)
        doc.styles[name].font.name = "Arial"

    footer = section.footer.paragraphs[0]
    footer.add_run(content["footer"] + "    ").font.size = Pt(7.5)
    page_field(footer, "PAGE")

    if content.get("banner"):
        run = doc.add_paragraph().add_run(content["banner"])
        run.bold = True
        run.font.color.rgb = RGBColor(*BANNER_RED)
    run = doc.add_paragraph().add_run(f"{content['kind']} · {content['issuer']}")
    run.font.size, run.font.color.rgb = Pt(8), RGBColor(*GREY)
    doc.add_heading(content["title"], level=0)
    meta = content["date_line"] + (f" · {content['period_line']}" if content.get("period_line") else "")
    run = doc.add_paragraph().add_run(meta)
    run.font.size, run.font.color.rgb = Pt(8), RGBColor(*GREY)

    h = content["h"]
    doc.add_heading(h["findings"], level=2)
    for item in content["findings"]:
        doc.add_paragraph(item_text(item), style="List Bullet")

    effects = content["effects"]
    if effects["rows"]:
        doc.add_heading(h["effects"], level=2)
        cells = [[item_text(c) for c in r] for r in effects["rows"]]
        _table(doc, effects["columns"], cells, range(2, 5), Pt, WIDTHS["effects"])

    card = content["scorecard"]
    if card["rows"]:
        doc.add_heading(h["scorecard"], level=2)
        rows = [[*r["cells"], r["status_text"]] for r in card["rows"]]
        table = _table(doc, card["columns"], rows, range(2, 5), Pt, WIDTHS["scorecard"])
        for i, r in enumerate(card["rows"], start=1):
            status = table.rows[i].cells[len(card["columns"]) - 1]
            _shade(status, r["colour"])
            for run in status.paragraphs[0].runs:
                run.bold = True
        _note(doc, content.get("scorecard_note", ""), Pt, RGBColor)

    if content["figures"]:
        doc.add_heading(h["charts"], level=2)
    for fig in content["figures"]:
        path = Path(root) / fig["file"]
        if not path.is_file():
            raise FileNotFoundError(f"{path}: a chart of the brief is missing; render the charts first")
        pic = doc.add_paragraph()
        pic.paragraph_format.keep_with_next = True
        pic.add_run().add_picture(str(path), width=Cm(FIGURE_WIDTH_CM))
        # Alt text: Word reads it from the drawing's docPr "descr" attribute.
        for dpr in pic._p.xpath(".//wp:docPr"):
            dpr.set("descr", fig["caption"])
            dpr.set("title", fig.get("alt", fig["caption"])[:250])
        _note(doc, fig["caption"], Pt, RGBColor)

    risk = content["risk"]
    if risk["rows"]:
        doc.add_heading(h["risk"], level=2)
        _table(doc, risk["columns"], risk["rows"], range(3, len(risk["columns"])), Pt, WIDTHS["risk"])
        _note(doc, content.get("risk_note", ""), Pt, RGBColor)

    doc.add_heading(h["recommendations"], level=2)
    for item in content["recommendations"]:
        doc.add_paragraph(item_text(item), style="List Number")

    doc.add_heading(h["methods"], level=2)
    for item in content["methods"]:
        doc.add_paragraph(item_text(item), style="List Bullet")
    doc.add_heading(h["source"], level=2)
    doc.add_paragraph(content["source"])

    buf = io.BytesIO()
    doc.save(buf)
    return fixed_zip(buf.getvalue())
