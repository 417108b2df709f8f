r"""ANCOVA beside DiD, and the multi-wave event study.

**ANCOVA vs DiD** (McKenzie 2012, *J. Development Economics* 99(2), 210-221). DiD differences out the baseline
fully; ANCOVA regresses the endline outcome on treatment and the baseline outcome, so it uses the baseline only as
much as it predicts the endline. With autocorrelation :math:`\rho` between baseline and endline values, the
variance ratio is :math:`\mathrm{Var}(\hat\tau_{ANCOVA})/\mathrm{Var}(\hat\tau_{DiD}) = (1+\rho)/2` with equal
groups: ANCOVA is more precise whenever :math:`\rho < 1`, most of all for noisy outcomes with low
:math:`\rho` (income, profits). ANCOVA's assumption differs: it conditions on the baseline level, DiD assumes
parallel trends; with groups that differ at baseline (here, assets and well-being), the two can differ, and
showing both is the honest check.

**Event study.** With more than two waves, a DiD for each later wave against baseline,
:math:`\tau_w = E[y_w - y_{base} | D=1] - E[y_w - y_{base} | D=0]`, shows how the effect evolves (midline vs
endline); it uses :func:`evaluation.stats.estimators.did` for each wave.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats import estimators
from evaluation.stats.degenerate import outcome_degeneracy
from evaluation.stats.regression import clustered_by, first_differences, with_dummies

__all__ = ["ancova_vs_did", "event_study"]


def ancova_vs_did(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    r"""ANCOVA and DiD estimates side by side, the baseline-endline autocorrelation and the SE ratio.

    Both come from :mod:`evaluation.stats.estimators` on the same rows and covariates; the theoretical SE ratio
    with equal groups is :math:`\sqrt{(1+\rho)/2}` (see the module docstring).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    outcomes : sequence of str
        Outcome columns.
    design : DesignSettings
        Column names of unit, period and cluster, the two wave labels and ``alpha``.
    fixed_effects : str, optional
        Column whose levels get indicator covariates in both regressions; ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.

    Returns
    -------
    table : pandas.DataFrame
        One row per estimable outcome: both estimates, SEs and intervals (outcome units), ``autocorrelation``
        :math:`\rho` (-1..1), ``se_ratio`` and ``theory_se_ratio`` (dimensionless).
    keys : dict
        ``<scope>.<outcome>.ancova.<Estimate field>`` and ``<scope>.<outcome>.ancova_vs_did.{autocorrelation,
        se_ratio, theory_se_ratio}``.

    Raises
    ------
    KeyError
        When a named column is missing (an outcome that cannot be estimated is skipped, not raised).

    References
    ----------
    McKenzie, D. (2012). "Beyond baseline and follow-up: The case for more T in experiments." *Journal of
    Development Economics* 99(2), 210-221.
    """
    design = clustered_by(design, cluster)
    pan, covs = with_dummies(panel, fixed_effects)
    rows = []
    keys: dict[str, object] = {}
    common = dict(
        period=design.period,
        treated="treated",
        before=design.before,
        after=design.after,
        unit=design.unit,
        cluster=design.cluster,
        covariates=covs,
        alpha=design.alpha,
    )
    for outcome in outcomes:
        if outcome_degeneracy(panel, outcome, design) is not None:
            continue  # not estimable (evaluation.stats.degenerate); the DiD section says why
        try:
            a = estimators.ancova(pan, outcome, **common)
            d = estimators.did(pan, outcome, **common)
        except ValueError:
            continue
        fd = first_differences(panel, outcome, design)
        rho = float(np.corrcoef(fd["y_before"], fd["y_after"])[0, 1])
        row = {
            "outcome": outcome,
            "did": d.estimate,
            "did_se": d.se,
            "did_ci_low": d.ci_low,
            "did_ci_high": d.ci_high,
            "ancova": a.estimate,
            "ancova_se": a.se,
            "ancova_ci_low": a.ci_low,
            "ancova_ci_high": a.ci_high,
            "autocorrelation": rho,
            "se_ratio": a.se / d.se if d.se > 0 else float("nan"),
            "theory_se_ratio": float(np.sqrt((1 + rho) / 2)),
        }
        rows.append(row)
        for name, value in a.to_dict().items():
            if value is None or name in ("outcome", "method") or (isinstance(value, float) and not np.isfinite(value)):
                continue
            keys[key(scope, outcome, "ancova", name)] = value
        for k in ("autocorrelation", "se_ratio", "theory_se_ratio"):
            if np.isfinite(row[k]):  # e.g. no ratio when the DiD SE is 0: no key rather than NaN
                keys[key(scope, outcome, "ancova_vs_did", k)] = row[k]
    columns = ["outcome", "did", "did_se", "did_ci_low", "did_ci_high", "ancova", "ancova_se", "ancova_ci_low"]
    columns += ["ancova_ci_high", "autocorrelation", "se_ratio", "theory_se_ratio"]
    return pd.DataFrame(rows, columns=columns), keys


def event_study(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    waves: Sequence[str],
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """DiD of each wave in ``waves`` (other than baseline) against baseline.

    Returns an empty table when the data have no wave besides baseline and endline.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    outcomes : sequence of str
        Outcome columns.
    design : DesignSettings
        Column names of unit, period and cluster, the baseline label and ``alpha``.
    waves : sequence of str
        Wave labels in time order (baseline included).
    fixed_effects : str, optional
        Column whose levels get indicator covariates; ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters of the CRV1 variance; default ``design.cluster``.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome and later wave: ``estimate``, ``se``, ``ci_low``, ``ci_high`` (outcome units),
        ``p_value`` and ``n_units`` (families).
    keys : dict
        ``<scope>.<outcome>.event_<wave>.{estimate, se, ci_low, ci_high, p_value, n_units}``.

    Raises
    ------
    KeyError
        When the period column is missing.

    References
    ----------
    Angrist, J. D. and Pischke, J.-S. (2009). *Mostly Harmless Econometrics*, section 5.2 (leads and lags).
    """
    present = [w for w in waves if w != design.before and (panel[design.period] == w).any()]
    if len(present) < 2:
        return pd.DataFrame(), {}
    design = clustered_by(design, cluster)
    pan, covs = with_dummies(panel, fixed_effects)
    rows = []
    keys: dict[str, object] = {}
    for outcome in outcomes:
        for w in present:
            try:
                e = estimators.did(
                    pan,
                    outcome,
                    period=design.period,
                    treated="treated",
                    before=design.before,
                    after=w,
                    unit=design.unit,
                    cluster=design.cluster,
                    covariates=covs,
                    alpha=design.alpha,
                )
            except ValueError:
                continue
            rows.append(
                {
                    "outcome": outcome,
                    "wave": w,
                    "estimate": e.estimate,
                    "se": e.se,
                    "ci_low": e.ci_low,
                    "ci_high": e.ci_high,
                    "p_value": e.p_value,
                    "n_units": e.n_units,
                }
            )
            for k in ("estimate", "se", "ci_low", "ci_high", "p_value", "n_units"):
                keys[key(scope, outcome, f"event_{w}", k)] = rows[-1][k]
    return pd.DataFrame(rows), keys
