"""Validation of intake tables against the codebook: the rules across tables, relevance and outlier warnings.

The per-table rules (required values, ranges, categories, dates inside the programme period, one row per family
or per family and wave, NIK structure) are a pandera schema generated from the codebook
(:mod:`evaluation.intake.schema`). Rules across tables (every surveyed family in the roster, programme rows for
ProKUS families, planned vs disbursed grant, relevance) and the outlier warnings are plain pandas code here. Each
failure becomes a :class:`~evaluation.intake.problems.Problem`; a :class:`~evaluation.intake.problems.Report`
prints at most a screenful of them and writes the full list to CSV (:mod:`evaluation.intake.problems`).

Severities: ``error`` stops the intake (nothing is written to ``data/processed`` or ``reports``); ``warning``
does not stop it and is counted in the reports' data-quality section; ``note`` says what was normalised.

Warning rules (documented thresholds):

* ``outlier_regional_median``: a rupiah outcome above :data:`OUTLIER_MEDIAN_FACTOR` (20) times the median of the
  positive values of the same region and wave (at least :data:`OUTLIER_MIN_N` positive values);
* ``nik_sex_mismatch``: the NIK marks a woman (day + 40) but the head is recorded as male, or the reverse;
* ``disbursed_without_date``: a grant was disbursed but the disbursement date is empty;
* ``answered_not_relevant``: a question was answered although its relevance condition is false;
* ``baseline_after_disbursement``: the family's baseline interview is dated after its grant's disbursement date
  (the baseline would already show the grant's effect);
* ``disbursed_after_visit``: a monitoring visit records the grant as received with a disbursement date later than
  the visit's own date (:func:`visit_date_warnings`, on the visit form's export before its questions are read).

Error rule ``village_code``: a ``village`` that is not a code (no digit at all: a name, of a person or a place, typed
instead of the ``region.kecamatan.desa`` code) or a code whose digits do not begin with the family's ``subdistrict``
code (:func:`check_village_codes`); the value is never shown, since it may be a name.

Error rule ``personal_in_text``: a NIK-like or phone-like text in a text column the codebook does not mark
personal (:func:`check_personal_text`); the value is never shown.

The names of :mod:`evaluation.intake.problems` and :mod:`evaluation.intake.schema` are re-exported here, so
``from evaluation.intake.validation import Problem, Report, check_schema`` keeps working.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from evaluation.intake.codebook import Codebook, Variable
from evaluation.intake.parsing import nik_birth_date
from evaluation.intake.patterns import personal_kind
from evaluation.intake.problems import (
    ROW_COLUMNS,
    SEVERITY_ORDER,
    TERMINAL_ROWS,
    Problem,
    Report,
    problem_at,
    region_of,
    where,
)
from evaluation.intake.schema import RULE_TEXT, check_schema, schema_for

__all__ = [
    "OUTLIER_MEDIAN_FACTOR",
    "OUTLIER_MIN_N",
    "RELEVANCE",
    "ROW_COLUMNS",
    "RULE_TEXT",
    "SEVERITY_ORDER",
    "TERMINAL_ROWS",
    "Problem",
    "Report",
    "check_personal_text",
    "check_relations",
    "check_schema",
    "check_village_codes",
    "not_asked_value",
    "not_relevant_mask",
    "outlier_warnings",
    "relevance",
    "schema_for",
    "visit_date_warnings",
]

OUTLIER_MEDIAN_FACTOR = 20.0
OUTLIER_MIN_N = 10
RELEVANCE = re.compile(r"^\$\{(\w+)\}\s*(=|!=)\s*'?([\w.]+)'?$")

# Interview-date window of each survey wave. The codebook admits 2019 dates because the optional pre-programme wave
# (``pre2019``) is fielded then; a baseline, midline or endline interview before the programme year (2020) is a
# slip of the year, never a pre-programme interview.
WAVE_WINDOWS = {
    "pre2019": (pd.Timestamp("2019-01-01"), pd.Timestamp("2019-12-31")),
    "baseline": (pd.Timestamp("2020-01-01"), pd.Timestamp("2021-12-31")),
    "midline": (pd.Timestamp("2020-01-01"), pd.Timestamp("2021-12-31")),
    "endline": (pd.Timestamp("2020-01-01"), pd.Timestamp("2021-12-31")),
}


def relevance(var: Variable) -> tuple[str, str, str] | None:
    """Parse the simple XLSForm relevance ``${var} = value`` (or ``!=``) of a codebook variable.

    Parameters
    ----------
    var : Variable
        The codebook variable (its ``relevant`` column).

    Returns
    -------
    tuple of (str, str, str) or None
        ``(variable, operator, value)`` with operator ``"="`` or ``"!="``; None when the question is always asked.

    Raises
    ------
    ValueError
        When the expression is not of the form ``${var} = value`` (the only form the codebook uses).

    References
    ----------
    XLSForm specification, "Relevant" (https://xlsform.org/en/#relevant).
    """
    if not var.relevant:
        return None
    m = RELEVANCE.match(var.relevant)
    if not m:
        raise ValueError(f"{var.name}: relevance {var.relevant!r} is not of the form ${{var}} = value")
    return m.group(1), m.group(2), m.group(3)


def not_relevant_mask(df: pd.DataFrame, var: Variable) -> pd.Series:
    """Mark the rows where the question of ``var`` was not asked (its relevance condition is known to be false).

    Parameters
    ----------
    df : pandas.DataFrame
        A typed table holding the variable the condition refers to.
    var : Variable
        The codebook variable.

    Returns
    -------
    pandas.Series
        Boolean, aligned with ``df.index``; False where the condition holds, where the variable it refers to is
        empty, and everywhere when ``var`` has no condition or ``df`` lacks the referred column.

    Raises
    ------
    ValueError
        When the relevance expression is not of the form ``${var} = value`` (see :func:`relevance`).

    References
    ----------
    XLSForm specification, "Relevant" (https://xlsform.org/en/#relevant): a non-relevant question is not asked
    and exported empty.
    """
    rel = relevance(var)
    if rel is None or rel[0] not in df:
        return pd.Series(False, index=df.index)
    other, op, value = rel
    col = df[other]
    try:
        target: object = float(value)
        known = pd.to_numeric(col, errors="coerce")
    except ValueError:
        target, known = value, col
    equal = known == target
    false = ~equal if op == "=" else equal
    return (false & known.notna()).fillna(False).astype(bool)


def not_asked_value(var: Variable) -> float | None:
    """Give the value a question takes when it is not asked: 0 for numbers whose range includes 0, else empty.

    Parameters
    ----------
    var : Variable
        The codebook variable.

    Returns
    -------
    float or None
        ``0.0`` for integer, number and binary variables whose codebook range includes 0 (no grant, no session
        attended), else None (the cell stays empty).
    """
    if var.type in ("integer", "number", "binary"):
        lo = float(var.min) if var.min else -np.inf
        hi = float(var.max) if var.max else np.inf
        if lo <= 0 <= hi:
            return 0.0
    return None


def check_relations(tables: Mapping[str, pd.DataFrame], codebook: Codebook, treated_value: str) -> list[Problem]:
    """Check the rules across tables and between the answers of one row.

    Errors: a survey or programme family missing from the roster (``family_in_roster``), a programme row of a
    family outside the treated group (``programme_family_is_prokus``), a disbursed grant above the planned one
    (``disbursed_le_planned``), a disbursement date without money (``date_without_disbursement``), a received
    grant of 0 (``received_has_amount``). Warnings: see the module docstring.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The typed ``roster``, ``programme`` and ``survey`` tables (with ``_file``, ``_row`` and ``_region``).
    codebook : Codebook
        The codebook (relevance conditions, personal variables).
    treated_value : str
        The roster ``group`` of ProKUS families (``"prokus"``).

    Returns
    -------
    list of Problem
        Errors and warnings in the order above; empty when every rule holds.

    Raises
    ------
    ValueError
        When a relevance expression of the codebook is not of the form ``${var} = value``.

    References
    ----------
    Permendagri 7/2019 (NIK layout: day of birth + 40 for women); the disbursement record (SP2D) of the grant.
    """
    out: list[Problem] = []
    roster, programme, survey = tables["roster"], tables["programme"], tables["survey"]
    known = set(roster["family_id"].dropna())
    loose = {re.sub(r"\s+", "", str(k)).upper(): k for k in known}  # ids as typed carelessly: case and spaces
    for name, df in (("survey", survey), ("programme", programme)):
        if "family_id" not in df:
            continue
        missing = df["family_id"].notna() & ~df["family_id"].isin(known)
        for i in df.index[missing]:
            near = loose.get(re.sub(r"\s+", "", str(df.at[i, "family_id"])).upper())
            hint = (
                f"; the roster has {near}, which differs only in upper/lower case or spaces" if near is not None else ""
            )
            out.append(
                problem_at(
                    df,
                    i,
                    "family_id",
                    "error",
                    "family_in_roster",
                    f"the family is not in the roster (every {name} family must be){hint}",
                    f"write the id as the roster does ({near})"
                    if near is not None
                    else "correct the family id, or add the family to the roster",
                    name,
                    codebook,
                )
            )
    if "group" in roster and "family_id" in programme:
        groups = roster.drop_duplicates("family_id").set_index("family_id")["group"]
        g = programme["family_id"].map(groups)
        for i in programme.index[g.notna() & (g != treated_value)]:
            out.append(
                problem_at(
                    programme,
                    i,
                    "family_id",
                    "error",
                    "programme_family_is_prokus",
                    f"the family has a programme row but is in the roster's group {g[i]!r}",
                    f"programme rows are for group {treated_value!r} families only; correct the group or the id",
                    "programme",
                    codebook,
                )
            )
    p = programme
    if {"bsimu_planned", "bsimu_disbursed"} <= set(p):
        over = p["bsimu_disbursed"] > p["bsimu_planned"]
        for i in p.index[over.fillna(False)]:
            out.append(
                problem_at(
                    p,
                    i,
                    "bsimu_disbursed",
                    "error",
                    "disbursed_le_planned",
                    f"the disbursed grant exceeds the planned grant ({int(p.at[i, 'bsimu_planned'])})",
                    "check both amounts against the disbursement record (SP2D) and correct one",
                    "programme",
                    codebook,
                )
            )
    if {"bsimu_disbursed", "disbursement_date"} <= set(p):
        no_money = (p["bsimu_disbursed"] == 0) & p["disbursement_date"].notna()
        for i in p.index[no_money.fillna(False)]:
            out.append(
                problem_at(
                    p,
                    i,
                    "disbursement_date",
                    "error",
                    "date_without_disbursement",
                    "a disbursement date is given but nothing was disbursed",
                    "enter the disbursed amount, or clear the date",
                    "programme",
                    codebook,
                )
            )
        no_date = (p["bsimu_disbursed"] > 0) & p["disbursement_date"].isna()
        for i in p.index[no_date.fillna(False)]:
            out.append(
                problem_at(
                    p,
                    i,
                    "disbursement_date",
                    "warning",
                    "disbursed_without_date",
                    "a grant was disbursed but the disbursement date is empty",
                    "add the date from the disbursement record",
                    "programme",
                    codebook,
                )
            )
    if {"grant_received", "bsimu_disbursed"} <= set(p):
        bad = (p["grant_received"] == 1) & (p["bsimu_disbursed"] == 0)
        for i in p.index[bad.fillna(False)]:
            out.append(
                problem_at(
                    p,
                    i,
                    "bsimu_disbursed",
                    "error",
                    "received_has_amount",
                    "the grant is recorded as received but the disbursed amount is 0",
                    "enter the amount received, or set grant_received to 0",
                    "programme",
                    codebook,
                )
            )
    if "nik" in roster and "head_sex" in roster:
        for i in roster.index[roster["nik"].notna()]:
            nik = str(roster.at[i, "nik"])
            if not re.fullmatch(r"\d{16}", nik):
                continue
            born, female = nik_birth_date(nik)
            sex = roster.at[i, "head_sex"]
            if born is not None and pd.notna(sex) and (sex == "female") != female:
                out.append(
                    problem_at(
                        roster,
                        i,
                        "nik",
                        "warning",
                        "nik_sex_mismatch",
                        f"the NIK's birth day marks a {'woman' if female else 'man'} but head_sex is {sex!r}",
                        "check the NIK and the head's sex against the family card",
                        "roster",
                        codebook,
                    )
                )
    for name, df in tables.items():
        for var in codebook.table(name):
            if var.name not in df or not var.relevant:
                continue
            asked_not = not_relevant_mask(df, var)
            fill = not_asked_value(var)
            answered = df[var.name].notna() & (df[var.name] != fill if fill is not None else True)
            for i in df.index[(asked_not & answered).fillna(False)]:
                out.append(
                    problem_at(
                        df,
                        i,
                        var.name,
                        "warning",
                        "answered_not_relevant",
                        f"answered although not asked ({var.relevant} is false)",
                        "check the answer and the question it depends on",
                        name,
                        codebook,
                    )
                )
    if {"wave", "interview_date"} <= set(survey):
        dates = pd.to_datetime(survey["interview_date"], errors="coerce")
        for wave, (first, last) in WAVE_WINDOWS.items():
            outside = (survey["wave"] == wave) & ((dates < first) | (dates > last))
            for i in survey.index[outside.fillna(False)]:
                out.append(
                    problem_at(
                        survey,
                        i,
                        "interview_date",
                        "error",
                        "interview_date_outside_wave",
                        f"a {wave} interview dated {dates[i].date().isoformat()}, outside its wave's window "
                        f"{first.date().isoformat()} to {last.date().isoformat()}",
                        "check the date against the visit card (a typing slip of the year is common); if the "
                        "interview belongs to another wave, correct the wave instead",
                        "survey",
                        codebook,
                    )
                )
    if {"wave", "interview_date", "family_id"} <= set(survey) and {"disbursement_date", "family_id"} <= set(p):
        paid = p.dropna(subset=["disbursement_date"]).drop_duplicates("family_id").set_index("family_id")
        paid_on = survey["family_id"].map(paid["disbursement_date"])
        late = (survey["wave"] == "baseline") & (survey["interview_date"] > paid_on)
        for i in survey.index[late.fillna(False)]:
            out.append(
                problem_at(
                    survey,
                    i,
                    "interview_date",
                    "warning",
                    "baseline_after_disbursement",
                    f"the baseline interview is dated after the family's grant was disbursed "
                    f"({pd.Timestamp(paid_on[i]).date().isoformat()}): the baseline may already show the grant",
                    "check the interview date and the disbursement date against the visit card and the disbursement "
                    "record (SP2D); if both are right, keep the row (the warning is counted in the report)",
                    "survey",
                    codebook,
                )
            )
    out.extend(check_village_codes(tables))
    out.extend(check_personal_text(tables, codebook))
    return out


def visit_date_warnings(
    frame: pd.DataFrame, rows: list[int], columns: Mapping[str, str], file: str, table: str
) -> list[Problem]:
    """Warn where a monitoring visit records a grant disbursed after the visit (``disbursed_after_visit``).

    A visit can only record a transfer that has already happened: a disbursement date later than the visit's date
    is a typing error in one of the two dates (or a submission edited later without its visit date). Only dates
    written year first (``2020-11-02``, as KoboToolbox and ODK export them, with or without a time) are compared;
    other spellings are left to the date rules of the codebook.

    Parameters
    ----------
    frame : pandas.DataFrame
        The visit form's export as read (text cells).
    rows : list of int
        The spreadsheet row of each row of ``frame``.
    columns : mapping of str to str
        Question name to export column; ``visit_date`` and ``disbursement_date`` are needed, ``grant_received``
        is used when present (only rows with the grant received, ``1``, are checked).
    file : str
        The export file as shown to the user.
    table : str
        The table the export feeds (``programme``).

    Returns
    -------
    list of Problem
        One warning per visit row, at the disbursement date's column; empty when a column is missing.
    """
    if "visit_date" not in columns or "disbursement_date" not in columns:
        return []

    def day(col: str) -> pd.Series:
        text = frame[col].astype("string").str.strip().str.slice(0, 10)
        return pd.to_datetime(text.where(text.str.fullmatch(r"\d{4}-\d{2}-\d{2}")), format="%Y-%m-%d",
                              errors="coerce")  # fmt: skip

    visit, paid = day(columns["visit_date"]), day(columns["disbursement_date"])
    late = (paid > visit).fillna(False)
    if "grant_received" in columns:
        late &= frame[columns["grant_received"]].astype("string").str.strip().isin(["1", "1.0"]).fillna(False)
    return [
        Problem(
            "warning",
            file,
            rows[k],
            columns["disbursement_date"],
            "",
            "disbursed_after_visit",
            f"the visit of {visit.iloc[k].date().isoformat()} records the grant as received, but its disbursement "
            f"date is later ({paid.iloc[k].date().isoformat()})",
            "check both dates against the bank book and the visit card, and correct the wrong one",
            table,
        )
        for k in np.flatnonzero(late.to_numpy())
    ]


_CODE = re.compile(r"^\d+(?:[.\- ]\d+)*$")


def check_village_codes(tables: Mapping[str, pd.DataFrame]) -> list[Problem]:
    """Check that every ``village`` of the roster is a village code of the family's sub-district (``village_code``).

    The village is the clustering unit of the standard errors: a name typed in its place ("Siti Aminah", a
    person's name, or "Sukamaju", the village's name) would make a cluster of its own and carry a name into the
    processed tables. A value without any digit is not a code; a code (digits with dots, dashes or spaces) must
    begin with the digits of the family's ``subdistrict`` code (``region.kecamatan.desa`` begins with
    ``region.kecamatan``); a value mixing digits with other characters (a sign, letters, a formula) is not a code
    either.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The typed tables; only ``roster`` (``village`` and, when present, ``subdistrict``, which must be a code
        too) is read.

    Returns
    -------
    list of Problem
        One error per wrong village cell, by file, row and column; the value is never shown (it may be a name).

    References
    ----------
    Permendagri 72/2019 (Kode dan Data Wilayah Administrasi Pemerintahan): a village code extends its
    sub-district's code; data/codebook.csv, ``village`` and ``subdistrict``.
    """
    roster = tables.get("roster")
    out: list[Problem] = []
    if roster is None or "village" not in roster:
        return out
    sub = roster["subdistrict"] if "subdistrict" in roster else pd.Series(None, index=roster.index, dtype=object)
    for i in roster.index[sub.notna()]:
        text = str(sub[i]).strip()
        if text and not _CODE.match(text):  # a name or a sign beside the code: not a code, never shown
            file, row = where(roster, i)
            out.append(
                Problem(
                    "error", file, row, "subdistrict", "", "village_code",
                    "the subdistrict is not a code: a code is digits separated by dots (region.kecamatan), and this "
                    "value holds other characters (not shown)",
                    "write the sub-district code (region.kecamatan, e.g. 3402.01) from the programme's list; a "
                    "family's name belongs in no column of the exports", "roster", region_of(roster, i),
                )
            )  # fmt: skip
    for i in roster.index[roster["village"].notna()]:
        text = str(roster.at[i, "village"]).strip()
        if not text:
            continue
        if not any(c.isdigit() for c in text):
            message = ("the village is not a code (it holds no digit: a name typed instead of the village code; "
                       "the value is not shown)")  # fmt: skip
        elif _CODE.match(text) and pd.notna(sub[i]) and _CODE.match(str(sub[i]).strip()):
            digits, prefix = re.sub(r"\D", "", text), re.sub(r"\D", "", str(sub[i]))
            if digits.startswith(prefix) and len(digits) > len(prefix):
                continue
            message = f"the village code does not begin with the family's subdistrict code ({str(sub[i]).strip()})"
        elif not _CODE.match(text):
            # a sign, a letter or a formula beside the digits ('-3402.02.002', '3402.01.2001 Siti Aminah'): as a
            # cluster it would stand apart from its village and change the standard errors
            message = ("the village is not a code: a code is digits separated by dots (region.kecamatan.desa), and "
                       "this value holds other characters (not shown)")  # fmt: skip
        else:
            continue
        file, row = where(roster, i)
        out.append(
            Problem(
                "error", file, row, "village", "", "village_code", message,
                "write the village code (region.kecamatan.desa, e.g. 3402.01.2001) from the programme's list of "
                "villages; a family's name belongs in no column of the exports", "roster", region_of(roster, i),
            )
        )  # fmt: skip
    return out


PERSONAL_TEXT_TYPES = ("string", "text")
_KIND_WORDS = {"nik": "a 16-digit number (a NIK or family card number)", "phone": "a phone number"}


def check_personal_text(tables: Mapping[str, pd.DataFrame], codebook: Codebook) -> list[Problem]:
    """Find personal data typed into a non-personal text column (``personal_in_text`` errors, value never shown).

    A NIK, family card number or phone number typed into ``village`` or a free-text remark would otherwise be
    carried into every processed table, since only the columns the codebook marks personal are dropped
    (:mod:`evaluation.intake.patterns`).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The typed tables (with ``_file``, ``_row`` and, when known, ``_region``).
    codebook : Codebook
        The codebook: the text variables (types ``string``, ``text``) not marked personal are checked.

    Returns
    -------
    list of Problem
        One error per cell holding a NIK-like or phone-like text, by table, column and row; the value is empty.
    """
    out = []
    for name, df in tables.items():
        for var in codebook.table(name):
            if var.personal or var.type not in PERSONAL_TEXT_TYPES or var.name not in df:
                continue
            col = df[var.name]
            for i in df.index[col.notna()]:
                kind = personal_kind(str(col.at[i]))
                if kind is None:
                    continue
                file, row = where(df, i)
                out.append(
                    Problem(
                        "error", file, row, var.name, "", "personal_in_text",
                        f"the cell holds {_KIND_WORDS[kind]}, personal data, in a column that is not personal "
                        "(it would reach the processed tables; the value is not shown)",
                        "remove it from this cell (put it in the roster's nik or phone column if it belongs to the "
                        "family) and export again", name, region_of(df, i),
                    )
                )  # fmt: skip
    return out


def outlier_warnings(tables: Mapping[str, pd.DataFrame], codebook: Codebook) -> list[Problem]:
    """Warn of rupiah outcomes above 20 times the median of their region and wave (see the module docstring).

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The typed tables; only ``survey`` (with ``_region`` and ``wave``) is read.
    codebook : Codebook
        The codebook (which survey variables are rupiah amounts).

    Returns
    -------
    list of Problem
        One ``outlier_regional_median`` warning per value above :data:`OUTLIER_MEDIAN_FACTOR` times the median
        of the positive values (IDR) of its region and wave, when that median rests on at least
        :data:`OUTLIER_MIN_N` values; empty when the survey lacks ``_region`` or ``wave``.
    """
    survey = tables["survey"]
    out: list[Problem] = []
    if "_region" not in survey or "wave" not in survey:
        return out
    for var in codebook.table("survey"):
        if not var.is_money or var.name not in survey:
            continue
        x = survey[var.name]
        pos = x.where(x > 0)
        med = pos.groupby([survey["_region"], survey["wave"]]).transform("median")
        n = pos.groupby([survey["_region"], survey["wave"]]).transform("count")
        flag = (x > OUTLIER_MEDIAN_FACTOR * med) & (n >= OUTLIER_MIN_N)
        for i in survey.index[flag.fillna(False)]:
            out.append(
                problem_at(
                    survey,
                    i,
                    var.name,
                    "warning",
                    "outlier_regional_median",
                    f"the value is more than {OUTLIER_MEDIAN_FACTOR:g} times the median of its region and wave "
                    f"({int(med[i])})",
                    "check the value (a typing error such as an extra 0, or a genuine windfall to keep)",
                    "survey",
                    codebook,
                )
            )
    return out
