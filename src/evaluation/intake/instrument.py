"""The survey instrument as XLSForm, generated from the codebook's questions layer (never written by hand).

Two forms (XLSForm spec: https://xlsform.org/en/), each an XLSX with the sheets ``survey``, ``choices`` and
``settings``, labels in Bahasa Indonesia (default) and English, written from ``data/questions.csv``,
``data/question_choices.csv`` and ``data/indicators.toml`` (:mod:`evaluation.intake.questions`):

* the **household survey** (baseline, midline, endline): enumerator and supervisor codes, the family picked from
  a preload list (``select_one_from_file keluarga.csv``, written from the roster by :func:`write_preload`), wave,
  date and informed consent (a refusal ends the interview: every module is relevant only on consent, and the
  refusal and its reason are saved); then one group per module, opened by a note naming its source (FIES, WHO-5,
  SUSENAS, ...), with the questions as an enumerator reads them (recall period in the text), hard constraints
  (the range, plus the don't-know / refused codes), soft checks (an ``acknowledge`` the enumerator must confirm
  when an unusual value is entered), and the module's indicators as ``calculate`` fields named as in the codebook
  (so exports hold both the answers and the indicators), each shown back in a note (running totals; a yes/no
  indicator in words, through a ``<name>_text`` calculate with ``jr:choice-name``);
* the **monitoring visit form** for field officers, one submission per family and round: officer code, family
  from the preload list, round and date, then the programme questions (grant received, amount, date, use,
  mentoring sessions, grant-use report (LPJ), receipts) with the same constraints and checks.

The form version is the first 10 hex digits of a SHA-256 over the codebook and the three question files, so a
changed question or formula gives a new version on the server. Both forms convert with ``pyxform`` and pass ODK
Validate (tested). The calculates are the XPath translation of the same formula trees that intake evaluates
(:mod:`evaluation.intake.derive`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook

from evaluation.core.atomic import replacing_file
from evaluation.core.errors import UserError
from evaluation.core.paths import resolve
from evaluation.intake.codebook import Codebook, load_codebook
from evaluation.intake.questions import Indicator, Node, Question, QuestionBank, files_version, load_questions

__all__ = [
    "FORMS",
    "LANGS",
    "PRELOAD",
    "SURVEY_COLUMNS",
    "form_rows",
    "write_form",
    "write_instrument",
    "write_preload",
    "xpath",
]

LANGS = ("Bahasa Indonesia (id)", "English (en)")
PRELOAD = "keluarga.csv"
MODULE_LABELS = {
    "identitas": ("Identitas kunjungan dan persetujuan", "Visit and consent"),
    "rumah_tangga": ("Anggota rumah tangga", "Household members"),
    "usaha": ("Usaha keluarga", "Family business"),
    "kerja": ("Jam kerja", "Hours worked"),
    "pendapatan": ("Pendapatan rumah tangga", "Household income"),
    "konsumsi": ("Pengeluaran rumah tangga", "Household consumption"),
    "tabungan": ("Tabungan", "Savings"),
    "aset": ("Kepemilikan aset", "Assets owned"),
    "bansos": ("Bantuan sosial yang diterima", "Social assistance received"),
    "fies": ("Pengalaman kerawanan pangan (FIES)", "Food insecurity experience (FIES)"),
    "who5": ("Kesejahteraan psikologis (WHO-5)", "Psychological well-being (WHO-5)"),
    "bantuan": ("Bantuan modal usaha (BSIMU)", "Capital grant (BSIMU)"),
    "pendampingan": ("Pendampingan", "Mentoring"),
    "akuntabilitas": ("Akuntabilitas penggunaan dana", "Accountability for the grant"),
    "tindak_lanjut": ("Temuan dan tindak lanjut", "Problems found and follow-up"),
}
# Choices that stand alone in a select_multiple ("no problem", "no follow-up needed"): never ticked with another.
ALONE = "none"
FORMS = {
    "survey": ("prokus_household_survey", "ProKUS survei rumah tangga / household survey"),
    "programme": ("prokus_monitoring", "ProKUS kunjungan monitoring / monitoring visit"),
}
FORM_OF_TABLE = {"survey": "survey", "programme": "visit"}
CODE_PATTERNS = {  # field team codes: hard constraint (regular expression)
    "enumerator_code": ("^E[0-9]{3}$", "E dan tiga angka, mis. E017", "E and three digits, e.g. E017"),
    "supervisor_code": ("^S[0-9]{2}$", "S dan dua angka, mis. S03", "S and two digits, e.g. S03"),
    "officer_code": ("^P[0-9]{3}$", "P dan tiga angka, mis. P021", "P and three digits, e.g. P021"),
}
SURVEY_COLUMNS = (
    "type",
    "name",
    *(f"label::{lang}" for lang in LANGS),
    *(f"hint::{lang}" for lang in LANGS),
    "required",
    "relevant",
    "constraint",
    *(f"constraint_message::{lang}" for lang in LANGS),
    "calculation",
    "appearance",
)
CONSENTED = "${consent} = '1'"


# ------------------------------------------------------------------------------------------------ XPath
def _num(x: float | str) -> str:
    v = float(x)
    return str(int(v)) if v.is_integer() else repr(v)


def _or(parts: list[str]) -> str:
    parts = [p for p in parts if p != "false()"]
    return "false()" if not parts else parts[0] if len(parts) == 1 else "(" + " or ".join(parts) + ")"


def _dk(q: Question) -> str:
    return _or([f"${{{q.name}}} = '{c}'" for c in q.dk_codes])


def _xp(node: Node, bank: QuestionBank) -> tuple[str, str]:
    """Value and missing condition of a formula node, in XPath (semantics of :func:`derive.evaluate`)."""
    if node.kind == "num":
        return _num(node.value), "false()"
    if node.kind == "name":
        q = bank.question(str(node.value))
        return f"${{{q.name}}}", _or([f"${{{q.name}}} = ''", _dk(q)])
    if node.kind == "neg":
        v, m = _xp(node.args[0], bank)
        return f"(-{v})", m
    if node.kind == "bin":
        (va, ma), (vb, mb) = (_xp(a, bank) for a in node.args)
        op = {"+": "+", "-": "-", "*": "*", "/": "div"}[str(node.value)]
        return f"({va} {op} {vb})", _or([ma, mb])
    fn = str(node.value)
    if fn == "coalesce":
        (va, ma), (vb, mb) = (_xp(a, bank) for a in node.args)
        both = "false()" if "false()" in (ma, mb) else f"({ma} and {mb})"
        return f"if({ma}, {vb}, {va})", both
    if fn == "sum":
        qs = [bank.question(str(a.value)) for a in node.args]
        value = " + ".join(f"if(${{{q.name}}} = '', 0, ${{{q.name}}})" for q in qs)
        return f"({value})", _or([_dk(q) for q in qs])
    target = _num(node.args[0].value)
    qs = [bank.question(str(a.value)) for a in node.args[1:]]
    dk = _or([_dk(q) for q in qs])
    if fn == "count":
        return "(" + " + ".join(f"if(${{{q.name}}} = '{target}', 1, 0)" for q in qs) + ")", dk
    hit = _or([f"${{{q.name}}} = '{target}'" for q in qs])
    return f"if({hit}, 1, 0)", ("false()" if dk == "false()" else f"(not({hit}) and {dk})")


def xpath(indicator: Indicator, bank: QuestionBank, money: bool = False) -> str:
    """Write an indicator's formula as the XPath of an XLSForm ``calculate``: empty when it is missing.

    Parameters
    ----------
    indicator : Indicator
        The indicator.
    bank : QuestionBank
        The questions layer (don't-know / refused codes).
    money : bool, optional
        Round to whole rupiah, as intake does for money indicators.

    Returns
    -------
    str
        ``if(<missing>, '', <value>)``.

    References
    ----------
    ODK XForms specification, XPath functions ``if``, ``round``, ``not``; operators ``+ - * div``.
    """
    value, missing = _xp(indicator.tree, bank)
    if money:
        value = f"round({value})"
    return value if missing == "false()" else f"if({missing}, '', {value})"


# ------------------------------------------------------------------------------------------------ rows
def _labels(prefix: str, text_id: str, text_en: str) -> dict[str, str]:
    return {f"{prefix}::{LANGS[0]}": text_id, f"{prefix}::{LANGS[1]}": text_en}


def _type(q: Question, codebook: Codebook) -> str:
    if q.type == "family":
        return f"select_one_from_file {PRELOAD}"
    if q.type in ("select_one", "select_multiple"):
        return f"{q.type} {q.list or q.name}"
    return q.type


def _amount(x: str, unit: str, lang: str) -> str:
    """A number as a reader writes it: Rp1.500.000 (id), Rp1,500,000 (en), 70 jam / 70 hours."""
    v = float(x)
    sign, v = ("-" if v < 0 else ""), abs(v)
    text = f"{int(v):,}" if v.is_integer() else f"{v:,}"
    if lang == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    if unit == "Rp":
        return f"{sign}Rp{text}"
    part = unit.split(" / ")[0 if lang == "id" else -1] if unit else ""
    return f"{sign}{text} {part}".strip()


def _constraint(q: Question) -> tuple[str, str, str]:
    if q.name in CODE_PATTERNS:
        pattern, msg_id, msg_en = CODE_PATTERNS[q.name]
        return f"regex(., '{pattern}')", f"Kode tidak sah: {msg_id}", f"Invalid code: {msg_en}"
    if q.type == "date" and q.min and q.max:
        return (
            f". >= date('{q.min}') and . <= date('{q.max}')",
            f"Tanggal harus antara {q.min} dan {q.max}",
            f"The date must be between {q.min} and {q.max}",
        )
    if q.numeric and q.min and q.max:
        rng = f". >= {q.min} and . <= {q.max}"
        codes = list(q.dk_codes)
        text_id = f"Harus antara {_amount(q.min, q.unit, 'id')} dan {_amount(q.max, q.unit, 'id')}"
        text_en = f"Must be between {_amount(q.min, q.unit, 'en')} and {_amount(q.max, q.unit, 'en')}"
        if codes:
            rng = f"({rng}) or " + " or ".join(f". = {c}" for c in codes)
            text_id += f", atau {' / '.join(codes)} (tidak tahu / menolak)"
            text_en += f", or {' / '.join(codes)} (don't know / refused)"
        return rng, text_id, text_en
    if q.type == "select_multiple" and q.list:
        return (
            f"not(selected(., '{ALONE}') and count-selected(.) > 1)",
            "Pilihan 'tidak ada' tidak boleh digabung dengan pilihan lain",
            "'None' cannot be ticked together with another answer",
        )
    return "", "", ""


def _question(q: Question, codebook: Codebook, relevant: str) -> dict[str, str]:
    c, msg_id, msg_en = _constraint(q)
    hint_id = " ".join(x for x in (q.hint_id, f"[{q.unit.split(' / ')[0]}]" if q.unit else "") if x)
    hint_en = " ".join(x for x in (q.hint_en, f"[{q.unit.split(' / ')[-1]}]" if q.unit else "") if x)
    return {
        "type": _type(q, codebook),
        "name": q.name,
        **_labels("label", q.label_id, q.label_en),
        **_labels("hint", hint_id, hint_en),
        "required": "yes" if q.required else "",
        "relevant": _and(relevant, q.relevant),
        "constraint": c,
        **_labels("constraint_message", msg_id, msg_en),
        "appearance": "minimal" if q.type == "family" else "",
    }


def _and(a: str, b: str) -> str:
    if a and b:
        return f"({a}) and ({b})"
    return a or b


def _soft_check(q: Question, relevant: str) -> dict[str, str]:
    dk = " and ".join(f"${{{q.name}}} != {c}" for c in q.dk_codes)
    cond = f"${{{q.name}}} > {q.soft_max}" + (f" and {dk}" if dk else "")
    return {
        "type": "acknowledge",
        "name": f"check_{q.name}",
        **_labels(
            "label",
            f"Periksa: jawaban ${{{q.name}}} lebih dari {_amount(q.soft_max, q.unit, 'id')}. Tanyakan sekali lagi "
            "kepada responden; jika keliru, kembali dan perbaiki. Centang jika jawaban sudah benar.",
            f"Check: the answer ${{{q.name}}} is above {_amount(q.soft_max, q.unit, 'en')}. Ask the respondent "
            "again; if it is wrong, go back and correct it. Tick when the answer is right.",
        ),
        "required": "yes",
        "relevant": _and(relevant, _and(q.relevant, cond)),
    }


def _names(node: Node) -> list[str]:
    """The question names of a formula, in order."""
    if node.kind == "name":
        return [str(node.value)]
    return [n for a in node.args for n in _names(a)]


def _read_back(ind: Indicator, bank: QuestionBank, codebook: Codebook) -> dict[str, str] | None:
    """A ``calculate`` holding a yes/no indicator as the words of a choice list (``jr:choice-name``), or None.

    An indicator that is one select_one question (``business_operating = business_running``) is read back as that
    question's answer ("Ya", "Tidak", "Tidak tahu"); another binary indicator (``any(1, assist_pkh, ...)``) as the
    label of its code in the list of its first select_one question whose list holds the codes 1 and 0 ("Ya" /
    "Tidak"). Shown in the read-back note in the form's language instead of the code.
    """
    if codebook[ind.name].type != "binary":
        return None
    qs = [bank.question(n) for n in _names(ind.tree)]
    if ind.tree.kind == "name" and qs[0].type == "select_one":
        value, ref = f"${{{qs[0].name}}}", qs[0].name
    else:
        lists = [(q, {c.name for c in bank.choices.get(q.list or q.name, ())}) for q in qs if q.type == "select_one"]
        found = [q for q, codes in lists if {"0", "1"} <= codes]
        if not found:
            return None
        value, ref = f"${{{ind.name}}}", found[0].name
    return {"type": "calculate", "name": f"{ind.name}_text", "calculation": f"jr:choice-name({value}, '${{{ref}}}')"}


def _calculates(ind: Indicator, bank: QuestionBank, codebook: Codebook, relevant: str) -> list[dict[str, str]]:
    var = codebook[ind.name]
    unit_id = f" {var.unit_id}" if var.unit_id else ""
    unit_en = f" {var.unit_en}" if var.unit_en else ""
    words = _read_back(ind, bank, codebook)
    shown = f"${{{words['name']}}}" if words else f"${{{ind.name}}}"
    return [
        {"type": "calculate", "name": ind.name, "calculation": xpath(ind, bank, var.is_money)},
        *([words] if words else []),
        {
            "type": "note",
            "name": f"total_{ind.name}",
            **_labels(
                "label",
                f"{var.label_id}: {shown}{unit_id}. Bacakan kembali kepada responden; jika tidak sesuai, "
                "kembali dan perbaiki jawabannya.",
                f"{var.label_en}: {shown}{unit_en}. Read it back to the respondent; if it does not fit, "
                "go back and correct the answers.",
            ),
            "relevant": relevant,  # shown even when empty: a missing total tells the enumerator an answer is missing
        },
    ]


def _module_note(module: str, questions: list[Question], relevant: str) -> dict[str, str]:
    sources = "; ".join(dict.fromkeys(q.source for q in questions if q.source))
    return {
        "type": "note",
        "name": f"source_{module}",
        **_labels("label", f"Sumber modul: {sources}", f"Module source: {sources}"),
        "relevant": relevant,
    }


def form_rows(
    codebook: Codebook, table: str, bank: QuestionBank | None = None
) -> tuple[list[dict[str, str]], list[tuple[str, str, str, str]]]:
    """Build the ``survey`` and ``choices`` rows of one form.

    Parameters
    ----------
    codebook : Codebook
        The codebook (choices of the codebook's own categorical questions, indicator labels and units).
    table : {"survey", "programme"}
        The household survey or the monitoring visit form.
    bank : QuestionBank, optional
        The questions layer; the one beside the codebook when None.

    Returns
    -------
    tuple of (list of dict, list of tuple)
        The ``survey`` sheet rows (column name -> cell) and the ``choices`` sheet rows
        ``(list_name, name, label id, label en)``.

    Raises
    ------
    UserError
        When the questions layer is malformed (:func:`evaluation.intake.questions.load_questions`).

    References
    ----------
    XLSForm specification (https://xlsform.org/en/): ``begin_group``, ``select_one``, ``select_one_from_file``,
    ``relevant``, ``constraint``, ``calculate``, ``note``, ``acknowledge``, ``label::language``.
    """
    bank = bank or load_questions(codebook.path)
    form = FORM_OF_TABLE[table]
    questions = bank.form(form)
    rows: list[dict[str, str]] = [
        {"type": "start", "name": "start"},
        {"type": "end", "name": "end"},
        {"type": "today", "name": "today"},
        {"type": "deviceid", "name": "deviceid"},
    ]
    modules = list(dict.fromkeys(q.module for q in questions))
    consent = any(q.name == "consent" for q in questions)
    for module in modules:
        members = [q for q in questions if q.module == module]
        relevant = CONSENTED if consent and module != "identitas" else ""
        label_id, label_en = MODULE_LABELS.get(module, (module, module))
        rows.append({"type": "begin_group", "name": module, **_labels("label", label_id, label_en),
                     "relevant": relevant})  # fmt: skip
        if module != "identitas":
            rows.append(_module_note(module, members, ""))
        for q in members:
            rows.append(_question(q, codebook, ""))
            if q.soft_max and q.numeric:
                rows.append(_soft_check(q, ""))
            if q.name == "consent":
                rows.append({
                    "type": "note", "name": "refused_end",
                    **_labels("label", "Wawancara tidak dilanjutkan. Simpan formulir ini sebagai penolakan.",
                              "The interview ends here. Save this form as a refusal."),
                    "relevant": "${consent} = '0'",
                })  # fmt: skip
        if form == "survey":
            for ind in bank.indicators:
                if ind.module == module:
                    rows += _calculates(ind, bank, codebook, "")
        rows.append({"type": "end_group", "name": ""})
    choices: list[tuple[str, str, str, str]] = []
    used = [r["type"].split(" ", 1)[1] for r in rows if r["type"].startswith(("select_one ", "select_multiple "))]
    for name in dict.fromkeys(used):
        if name in bank.choices:
            choices += [(name, c.name, c.label_id, c.label_en) for c in bank.choices[name]]
        elif name in codebook:
            choices += [(name, c.code, c.label_id, c.label_en) for c in codebook[name].categories]
        else:
            raise UserError(f"the choice list {name} is neither in question_choices.csv nor a codebook category",
                            file=str(bank.paths[0]), column="list", fix="add the list")  # fmt: skip
    return rows, choices


def write_form(codebook: Codebook, table: str, path: Path, version: str, bank: QuestionBank | None = None) -> Path:
    """Write one XLSForm workbook (temporary file, then rename).

    Parameters
    ----------
    codebook : Codebook
        The codebook.
    table : {"survey", "programme"}
        The household survey or the monitoring visit form.
    path : pathlib.Path
        The ``.xlsx`` file; its directory is created.
    version : str
        The form version of the ``settings`` sheet.
    bank : QuestionBank, optional
        The questions layer; the one beside the codebook when None.

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
    (``form_title``, ``form_id``, ``version``, ``default_language``, ``instance_name``).
    """
    rows, choices = form_rows(codebook, table, bank)
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
    name = "concat(${family_id}, '-', ${wave})" if table == "survey" else "concat(${family_id}, '-r', ${visit_round})"
    st.append(["form_title", "form_id", "version", "default_language", "instance_name"])
    st.append([title, form_id, version, LANGS[0], name])
    with replacing_file(path) as tmp:
        wb.save(tmp)
    return path


def write_instrument(out: str | Path, codebook: Codebook | None = None) -> tuple[Path, Path]:
    """Write the household survey to ``out`` and the monitoring visit form beside it (``<stem>_monitoring.xlsx``).

    Parameters
    ----------
    out : str or path-like
        The household survey's file (``.xlsx`` is appended when missing), relative to the project root or
        absolute.
    codebook : Codebook, optional
        The codebook; the project's when None. Its directory holds the questions layer.

    Returns
    -------
    tuple of (pathlib.Path, pathlib.Path)
        The household survey and the monitoring visit form.

    Raises
    ------
    OSError
        When a file cannot be written.
    UserError
        When the questions layer is malformed.

    References
    ----------
    XLSForm specification (https://xlsform.org/en/); both forms convert with ``pyxform`` and pass ODK Validate.
    """
    cb = codebook or load_codebook()
    bank = load_questions(cb.path)
    version = files_version([Path(cb.path), *bank.paths])
    survey = resolve(out)
    if survey.suffix.lower() != ".xlsx":
        survey = survey.with_suffix(".xlsx")
    monitoring = survey.with_name(f"{survey.stem}_monitoring.xlsx")
    return (
        write_form(cb, "survey", survey, version, bank),
        write_form(cb, "programme", monitoring, version, bank),
    )


def write_preload(roster: str | Path, out_dir: str | Path = "deploy/preload") -> Path:
    """Write the forms' family list (``keluarga.csv``) from a roster: pseudonymous family id and village only.

    The file is a deployment file: upload it with the forms (KoboToolbox "Media", ODK Central "Form
    attachments"); ``deploy/`` is listed in ``.gitignore`` and never enters git. No NIK, name, phone or address
    is read into it.

    Parameters
    ----------
    roster : str or path-like
        The roster CSV (``family_id`` and ``village`` columns, as ``data/raw/<name>/roster.csv``).
    out_dir : str or path-like, optional
        The deployment folder, relative to the project root or absolute.

    Returns
    -------
    pathlib.Path
        The written ``keluarga.csv`` (columns ``name``, ``label``, ``village``; sorted by family id).

    Raises
    ------
    UserError
        When the roster is missing or lacks ``family_id`` or ``village``.

    References
    ----------
    XLSForm specification, ``select_one_from_file`` (a CSV with ``name`` and ``label`` columns).
    """
    path = resolve(roster)
    if not path.is_file():
        raise UserError("the roster does not exist", file=str(roster), fix="give the roster CSV of the programme")
    head = pd.read_csv(path, nrows=0).columns
    missing = [c for c in ("family_id", "village") if c not in head]
    if missing:
        raise UserError(f"the roster has no column {', '.join(missing)}", file=str(roster), row=1,
                        fix="use the roster with the codebook's column names")  # fmt: skip
    df = pd.read_csv(path, usecols=["family_id", "village"], dtype=str).dropna(subset=["family_id"])
    df = df.drop_duplicates("family_id").sort_values("family_id", kind="mergesort")
    table = pd.DataFrame(
        {"name": df["family_id"], "label": df["family_id"] + " - desa " + df["village"].fillna(""),
         "village": df["village"].fillna("")}
    )  # fmt: skip
    target = resolve(out_dir) / PRELOAD
    with replacing_file(target) as tmp:
        table.to_csv(tmp, index=False, lineterminator="\n")
    return target
