"""Analysed outcomes are never silently absent: per survey file and wave, every outcome of the plan is checked.

Today's exports arrive from several form versions and tools; a question that was renamed (``pendapatan_rt``
instead of ``household_income``), exported with its label as header, or left out of one wave would otherwise
become an ignored column and an outcome with no values in that wave, and the analysis would quietly run on fewer
families. :func:`check_coverage` runs after the survey table is assembled (and after indicators such as
``fies_score`` are derived from item-level questions), so it checks the final indicator columns, not raw headers.

The rule, per survey file and wave, for every primary and secondary outcome of the analysis plan that the codebook
asks in that wave:

* **error** (``outcome_missing``) when fewer than :data:`MIN_FILLED` (50 %) of the file's interviews of that wave
  hold a value: the outcome is absent, renamed or lost in the export. The message names the file, the outcome
  and the file's columns the codebook does not know (a renamed question is usually one of them), and says what to
  do without losing anything (rename the column to the codebook name, or export with "XML values and headers");
* **warning** (``outcome_sparse``) when fewer than :data:`WELL_FILLED` (80 %) hold a value: the outcome is
  analysed, and the report's data-quality section counts the warning.

Questions not asked by relevance (``business_revenue`` when no business operates) are already filled with their
not-asked value when this check runs, so they count as answered. The thresholds are documented in the README
("Bringing your own data").
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from evaluation.intake.codebook import Codebook
from evaluation.intake.problems import Problem, Report

__all__ = ["MIN_FILLED", "WELL_FILLED", "check_coverage", "plan_outcomes"]

MIN_FILLED = 0.5
WELL_FILLED = 0.8


def plan_outcomes(plan_path: str | None = None) -> tuple[str, ...]:
    """List the outcomes the analysis plan uses: its primary and secondary outcomes, in plan order.

    Parameters
    ----------
    plan_path : str, optional
        The analysis plan; ``data/analysis_plan.toml`` when None.

    Returns
    -------
    tuple of str
        The outcome names, each once.

    Raises
    ------
    UserError
        When the plan cannot be read (:func:`evaluation.core.plan.load_plan`).
    """
    from evaluation.core.plan import load_plan

    plan = load_plan(plan_path)
    return tuple(dict.fromkeys((*plan.primary, *plan.secondary)))


def _unknown_columns(report: Report, file: str) -> list[str]:
    return [p.column for p in report.problems if p.rule == "unknown_column" and p.file == file]


def _looks_like_labels(columns: Iterable[str]) -> bool:
    return any(" " in c.strip() for c in columns)


def check_coverage(survey: pd.DataFrame, codebook: Codebook, outcomes: Iterable[str], report: Report) -> None:
    """Check that every analysed outcome is present and mostly filled per survey file and wave.

    Parameters
    ----------
    survey : pandas.DataFrame
        The assembled, typed survey table with ``_file``, ``_row`` and ``wave`` (rows without a wave are skipped:
        the schema reports them).
    codebook : Codebook
        The codebook (which waves ask each outcome).
    outcomes : iterable of str
        The outcomes the analysis uses (:func:`plan_outcomes`); names not in the codebook's survey table are
        skipped (the plan is checked elsewhere).
    report : Report
        Receives one ``outcome_missing`` error or ``outcome_sparse`` warning per file, wave and outcome.

    References
    ----------
    The issue "Field exports as they really arrive" (kind 1: an analysed column that is absent, renamed or
    half-filled is never silent).
    """
    names = [o for o in outcomes if o in codebook and codebook[o].table == "survey"]
    if survey.empty or "wave" not in survey or "_file" not in survey:
        return
    for (file, wave), grp in survey.groupby(["_file", "wave"], sort=True, dropna=True):
        n = len(grp)
        first = int(grp["_row"].min()) if "_row" in grp else None
        unknown = _unknown_columns(report, str(file))
        for name in names:
            var = codebook[name]
            if var.waves and str(wave) not in var.waves:
                continue
            filled = int(grp[name].notna().sum()) if name in grp else 0
            share = filled / n if n else 1.0
            if share >= WELL_FILLED:
                continue
            where = f"{filled} of {n} interviews of the {wave} wave in this file have a value for {name}"
            if share < MIN_FILLED:
                if unknown:
                    shown = ", ".join(repr(c) for c in unknown[:8]) + (" ..." if len(unknown) > 8 else "")
                    hint = f"; the file has column(s) the codebook does not know: {shown}"
                    fix = (
                        f"if one of those columns is this question under another name (a renamed question or a "
                        f"label header), rename that column to {name} in the export and keep every other column"
                    )
                    if _looks_like_labels(unknown):
                        fix += "; for a KoboToolbox 'Labels' export, download it again with 'XML values and headers'"
                else:
                    hint = "; no column of the file holds it"
                    fix = f"export the {wave} data again with the question {name} (codebook: {var.label_en})"
                report.add(
                    Problem(
                        "error", str(file), first, name, "", "outcome_missing",
                        f"the analysed outcome {name} ({var.label_en}) is missing: {where}{hint}",
                        fix, "survey",
                    )
                )  # fmt: skip
            else:
                report.add(
                    Problem(
                        "warning", str(file), first, name, "", "outcome_sparse",
                        f"the analysed outcome {name} is often empty: {where} (fewer than "
                        f"{WELL_FILLED:.0%}); the analysis uses the families that answered",
                        "check that the question was asked of everyone and that the export is complete",
                        "survey", count=n - filled,
                    )
                )  # fmt: skip
