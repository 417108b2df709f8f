"""Office files (Word, Excel) written by the project: no clock time inside, so the same content gives the same bytes.

python-docx and openpyxl stamp every zip entry with the time of saving and write the save time into
``docProps/core.xml``; a reviewer's ``prokus-eval verify`` compares documents byte for byte, so every ``.docx`` and
``.xlsx`` the project writes passes through :func:`fixed_zip`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from typing import Any

__all__ = ["FIXED_DATE", "ZIP_DATE", "fixed_zip", "page_field"]

FIXED_DATE = dt.datetime(2000, 1, 1, 12, 0, 0)  # the Word file's core-property dates (no run date in a result file)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip entry can carry


def page_field(paragraph: Any, instruction: str) -> None:
    """Append a Word field (``PAGE``, ``NUMPAGES``) to a paragraph."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        if kind:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instruction} "
        else:
            el = OxmlElement("w:t")
            el.text = text
        run._r.append(el)


def fixed_zip(data: bytes) -> bytes:
    """An Office file (``.docx``, ``.xlsx``) with no clock time in it: the same content gives the same bytes.

    python-docx and openpyxl stamp every zip entry with the time of saving, and openpyxl writes the save time into
    ``docProps/core.xml``; here every entry is dated :data:`ZIP_DATE` and the document's created/modified dates
    are :data:`FIXED_DATE`. The entries, their order and their content are otherwise unchanged.

    Parameters
    ----------
    data : bytes
        The zip file (an Office Open XML document).

    Returns
    -------
    bytes
        The normalised file.
    """
    stamp = FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)", rb"\g<1>" + stamp + rb"\g<3>", body
                )
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, body)
    return out.getvalue()
