"""Check everything before writing anything (issue 14): the regions asked for and the data each scope needs.

Runs after the raw data are validated and before processed data are written or any notebook starts, so a data set
that cannot be analysed is refused with one paragraph instead of a failure inside a notebook (``KeyError``):

* every ``--regions`` code is configured and has families in the data; without ``--regions``, every configured
  region has families in the data;
* in every selected region and nationally, each arm (ProKUS and comparison) has at least
  :data:`MIN_FAMILIES_PER_ARM` families with a value at both waves (``[design] before`` and ``after``) for every
  analysed outcome (``[analysis] outcomes``); a data set with one family, no comparison group or an outcome left
  blank everywhere fails here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from evaluation.core.config import NATIONAL, REGION_COLUMN, Config
from evaluation.core.errors import UserError

__all__ = ["MIN_FAMILIES_PER_ARM", "check_data", "check_regions"]

MIN_FAMILIES_PER_ARM = 2  # a difference in differences needs a spread of changes in each arm


def check_regions(cfg: Config, regions: Sequence[str] | None) -> list[str]:
    """The region codes of a run (default all configured); unknown codes refused with the configured ones listed.

    Parameters
    ----------
    cfg : Config
        The configuration.
    regions : sequence of str, optional
        ``--regions`` as given.

    Returns
    -------
    list of str
        The codes, in the order given (config order by default), each once.

    Raises
    ------
    UserError
        When a code is not configured.
    """
    codes = list(dict.fromkeys(str(r) for r in regions)) if regions else list(cfg.region_codes)
    unknown = [c for c in codes if c not in cfg.region_codes]
    if unknown:
        raise UserError(
            f"region '{unknown[0]}' is not configured"
            if len(unknown) == 1
            else f"regions {', '.join(repr(c) for c in unknown)} are not configured",
            file=cfg.path,
            rule=f"region codes are {', '.join(cfg.region_codes)} (national synthesis always runs)",
            fix="use configured codes, or add a [[regions]] entry to the config",
        )
    return codes


def _families_with_both_waves(survey: pd.DataFrame, families: pd.Index, outcome: str, before: str, after: str) -> int:
    rows = survey.loc[survey["family_id"].isin(families) & survey[outcome].notna(), ["family_id", "wave"]]
    rows = rows[rows["wave"].astype(str).isin((before, after))].astype(str).drop_duplicates()
    counts = rows["family_id"].value_counts()
    return int((counts == (1 if before == after else 2)).sum())


def check_data(cfg: Config, codes: Sequence[str], tables: Mapping[str, pd.DataFrame], explicit: bool) -> None:
    """Refuse data that cannot give every scope of the run an estimate.

    Parameters
    ----------
    cfg : Config
        The configuration (design: group column, treated value, waves; outcomes).
    codes : sequence of str
        The run's region codes (:func:`check_regions`).
    tables : mapping of str to pandas.DataFrame
        The validated typed tables (``roster`` and ``survey``) of the intake.
    explicit : bool
        Whether the codes came from ``--regions`` (for the message).

    Raises
    ------
    UserError
        Naming the region, the arm and the outcome that has too few families, or the regions with no families.
    """
    roster, survey = tables["roster"], tables["survey"]
    design = cfg.design
    if roster.empty or survey.empty or REGION_COLUMN not in roster or design.group not in roster:
        raise UserError(
            "the data have no families to analyse",
            rule=f"the roster lists families with {REGION_COLUMN} and {design.group}; the survey has their waves",
            fix="check the data folder (prokus-eval validate DATA_DIR)",
        )
    roster = roster.drop_duplicates("family_id")
    present = set(roster[REGION_COLUMN].astype(str))
    absent = [c for c in codes if c not in present]
    if absent:
        names = ", ".join(f"{c} ({cfg.region(c).name})" for c in absent)
        raise UserError(
            f"region(s) {names} have no families in the data",
            file=cfg.path,
            rule="every region of a run has families in the roster (region_code)",
            fix=f"run only the regions present (--regions {' '.join(sorted(present & set(cfg.region_codes)))})"
            if not explicit
            else "choose regions present in the roster, or add their families to the data",
        )
    treated = roster[design.group].astype(str) == design.treated_value
    outcomes = [o for o in cfg.analysis.outcomes if o in survey]
    missing = [o for o in cfg.analysis.outcomes if o not in survey]
    if missing:
        raise UserError(
            f"the survey has no column for the analysed outcome(s) {', '.join(missing)}",
            file=cfg.path,
            rule="[analysis] outcomes are survey columns of the codebook",
            fix="add the columns to the survey export, or remove the outcomes from [analysis] outcomes",
        )
    shortfalls = []
    for scope in [*codes, NATIONAL]:
        in_scope = roster if scope == NATIONAL else roster[roster[REGION_COLUMN].astype(str) == scope]
        name = cfg.scope_name(scope) if scope == NATIONAL else f"{scope} ({cfg.region(scope).name})"
        for arm, mask in (("ProKUS", treated), ("comparison", ~treated)):
            families = pd.Index(in_scope.loc[mask.loc[in_scope.index], "family_id"])
            for outcome in outcomes:
                n = _families_with_both_waves(survey, families, outcome, design.before, design.after)
                if n < MIN_FAMILIES_PER_ARM:
                    shortfalls.append(f"{name}, {arm} group, {outcome}: {n}")
    if shortfalls:
        shown = "; ".join(shortfalls[:6]) + (f"; and {len(shortfalls) - 6} more" if len(shortfalls) > 6 else "")
        raise UserError(
            f"too few families to estimate an effect; families with a value at both {design.before} and "
            f"{design.after}: {shown}. Nothing was written and no notebook ran",
            rule=f"in every region of the run and nationally, each arm has at least {MIN_FAMILIES_PER_ARM} families "
            "with a value at both waves for every analysed outcome",
            fix="check the data (a missing comparison group, an outcome left blank, a region with too few families); "
            "or run only the regions that have enough data (--regions)",
        )
