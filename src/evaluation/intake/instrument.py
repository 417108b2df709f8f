"""The survey instrument as XLSForm, generated from the codebook (never written by hand).

Two forms (XLSForm spec: https://xlsform.org/en/), each an XLSX with the sheets ``survey``, ``choices`` and
``settings``, labels in Bahasa Indonesia (default) and English:

* the **household survey** (baseline, midline, endline): family id and wave, then every survey variable of the
  codebook, grouped by the codebook's ``group`` column, with its unit as hint, its range as ``constraint``, its
  categories as a choice list, and its ``relevant`` expression (e.g. profit is asked only if a business operates);
* the **monitoring checklist** for field officers: every programme variable (grant received, amount, date, use
  of grant, mentoring sessions attended, grant-use report (LPJ), receipts).

Both convert with ``pyxform`` (ODK's converter) without error; question names are the codebook names, so the
exports come back through :mod:`evaluation.intake.pipeline` without any renaming.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

from evaluation.core.atomic import replacing_file
from evaluation.core.paths import resolve
from evaluation.intake.codebook import Codebook, Variable, load_codebook

LANGS = ("Bahasa Indonesia (id)", "English (en)")
GROUP_LABELS = {
    "identitas": ("Identitas keluarga dan kunjungan", "Family and visit"),
    "usaha": ("Usaha keluarga", "Family business"),
    "rumah_tangga": ("Pendapatan dan pengeluaran rumah tangga", "Household income and spending"),
    "kesejahteraan": ("Ketahanan pangan dan kesejahteraan", "Food security and well-being"),
    "bantuan": ("Bantuan modal usaha (BSIMU)", "Capital grant (BSIMU)"),
    "pendampingan": ("Pendampingan", "Mentoring"),
    "akuntabilitas": ("Akuntabilitas penggunaan dana", "Accountability for the grant"),
}
FORMS = {
    "survey": ("prokus_household_survey", "ProKUS survei rumah tangga / household survey"),
    "programme": ("prokus_monitoring", "ProKUS daftar periksa monitoring / monitoring checklist"),
}
YES_NO = (("1", "Ya", "Yes"), ("0", "Tidak", "No"))
SURVEY_COLUMNS = (
    "type",
    "name",
    *(f"label::{lang}" for lang in LANGS),
    *(f"hint::{lang}" for lang in LANGS),
    "required",
    "relevant",
    "constraint",
    *(f"constraint_message::{lang}" for lang in LANGS),
)


def _type(var: Variable) -> str:
    return {
        "integer": "integer",
        "number": "decimal",
        "binary": "select_one yes_no",
        "category": f"select_one {var.name}",
        "multiple": f"select_multiple {var.name}",
        "date": "date",
    }.get(var.type, "text")


def _constraint(var: Variable) -> tuple[str, str, str]:
    if var.type in ("integer", "number") and var.min and var.max:
        return (
            f". >= {var.min} and . <= {var.max}",
            f"Harus antara {var.min} dan {var.max}" + (f" ({var.unit_id})" if var.unit_id else ""),
            f"Must be between {var.min} and {var.max}" + (f" ({var.unit_en})" if var.unit_en else ""),
        )
    if var.type == "date" and var.min and var.max:
        return (
            f". >= date('{var.min}') and . <= date('{var.max}')",
            f"Tanggal harus antara {var.min} dan {var.max}",
            f"The date must be between {var.min} and {var.max}",
        )
    return "", "", ""


def _question(var: Variable, required: bool | None = None) -> dict[str, str]:
    c, msg_id, msg_en = _constraint(var)
    req = var.required if required is None else required
    return {
        "type": _type(var),
        "name": var.name,
        f"label::{LANGS[0]}": var.label_id,
        f"label::{LANGS[1]}": var.label_en,
        f"hint::{LANGS[0]}": var.unit_id,
        f"hint::{LANGS[1]}": var.unit_en,
        "required": "yes" if req else "",
        "relevant": var.relevant,
        "constraint": c,
        f"constraint_message::{LANGS[0]}": msg_id,
        f"constraint_message::{LANGS[1]}": msg_en,
    }


def _ordered(variables: list[Variable]) -> list[Variable]:
    """Questions grouped by the codebook's ``group``; in a group, those others depend on first.

    Groups keep their order of first appearance; inside a group the rest follow codebook order.
    """
    groups = list(dict.fromkeys(v.group for v in variables))
    referenced = {v.relevant.split("}")[0].removeprefix("${") for v in variables if v.relevant}
    out = []
    for g in groups:
        members = [v for v in variables if v.group == g]
        out += sorted(members, key=lambda v: (v.name not in referenced, members.index(v)))
    return out


def form_rows(codebook: Codebook, table: str) -> tuple[list[dict[str, str]], list[tuple[str, str, str, str]]]:
    """Build the ``survey`` and ``choices`` rows of the form for one table.

    Parameters
    ----------
    codebook : Codebook
        The codebook (personal variables are left out of the form).
    table : {"survey", "programme"}
        The household survey or the monitoring checklist.

    Returns
    -------
    tuple of (list of dict, list of tuple)
        The ``survey`` sheet rows (column name -> cell; metadata questions, then groups of questions) and the
        ``choices`` sheet rows ``(list_name, name, label id, label en)``.

    References
    ----------
    XLSForm specification (https://xlsform.org/en/): sheets ``survey`` and ``choices``, ``begin_group``,
    ``select_one``/``select_multiple``, ``relevant``, ``constraint``, ``label::language``.
    """
    rows: list[dict[str, str]] = [
        {"type": "start", "name": "start"},
        {"type": "end", "name": "end"},
        {"type": "today", "name": "today"},
    ]
    variables = [v for v in codebook.table(table) if not v.personal]
    if table == "survey":
        ident = [v for v in variables if v.group == "identitas"]
        rest = [v for v in variables if v.group != "identitas"]
    else:
        ident, rest = [], variables
    rows.append(_group_row("identitas"))
    rows.append(_question(codebook["family_id"], required=True))
    rows += [_question(v) for v in ident]
    rows.append({"type": "end_group", "name": ""})
    current = None
    for v in _ordered(rest):
        if v.group != current:
            if current is not None:
                rows.append({"type": "end_group", "name": ""})
            rows.append(_group_row(v.group or "lainnya"))
            current = v.group
        rows.append(_question(v))
    if current is not None:
        rows.append({"type": "end_group", "name": ""})
    choices: list[tuple[str, str, str, str]] = []
    used = {r["type"].split(" ", 1)[1] for r in rows if r["type"].startswith("select_")}
    if "yes_no" in used:
        choices += [("yes_no", *c) for c in YES_NO]
    for v in [codebook["family_id"], *variables]:
        if v.name in used:
            choices += [(v.name, c.code, c.label_id, c.label_en) for c in v.categories]
    return rows, choices


def _group_row(group: str) -> dict[str, str]:
    label_id, label_en = GROUP_LABELS.get(group, (group, group))
    return {"type": "begin_group", "name": group, f"label::{LANGS[0]}": label_id, f"label::{LANGS[1]}": label_en}


def write_form(codebook: Codebook, table: str, path: Path, version: str) -> Path:
    """Write one XLSForm workbook (temporary file, then rename).

    Parameters
    ----------
    codebook : Codebook
        The codebook.
    table : {"survey", "programme"}
        The household survey or the monitoring checklist.
    path : pathlib.Path
        The ``.xlsx`` file; its directory is created.
    version : str
        The form version of the ``settings`` sheet.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    OSError
        When the file cannot be written.

    References
    ----------
    XLSForm specification (https://xlsform.org/en/): sheets ``survey``, ``choices`` and ``settings``
    (``form_title``, ``form_id``, ``version``, ``default_language``).
    """
    rows, choices = form_rows(codebook, table)
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(list(SURVEY_COLUMNS))
    for r in rows:
        ws.append([r.get(c, "") or None for c in SURVEY_COLUMNS])
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", *(f"label::{lang}" for lang in LANGS)])
    for c in choices:
        ch.append(list(c))
    st = wb.create_sheet("settings")
    form_id, title = FORMS[table]
    st.append(["form_title", "form_id", "version", "default_language"])
    st.append([title, form_id, version, LANGS[0]])
    with replacing_file(path) as tmp:
        wb.save(tmp)
    return path


def write_instrument(out: str | Path, codebook: Codebook | None = None) -> tuple[Path, Path]:
    """Write the household survey to ``out`` and the monitoring checklist beside it (``<stem>_monitoring.xlsx``).

    The form version is the first 10 hex digits of the codebook's SHA-256, so a changed codebook gives a new
    form version on the server.

    Parameters
    ----------
    out : str or path-like
        The household survey's file (``.xlsx`` is appended when missing), relative to the project root or
        absolute.
    codebook : Codebook, optional
        The codebook; the project's when None.

    Returns
    -------
    tuple of (pathlib.Path, pathlib.Path)
        The household survey and the monitoring checklist.

    Raises
    ------
    OSError
        When a file cannot be written.

    References
    ----------
    XLSForm specification (https://xlsform.org/en/); both forms convert with ``pyxform`` (ODK).
    """
    import hashlib

    cb = codebook or load_codebook()
    version = hashlib.sha256(Path(cb.path).read_bytes()).hexdigest()[:10]
    survey = resolve(out)
    if survey.suffix.lower() != ".xlsx":
        survey = survey.with_suffix(".xlsx")
    monitoring = survey.with_name(f"{survey.stem}_monitoring.xlsx")
    return write_form(cb, "survey", survey, version), write_form(cb, "programme", monitoring, version)
