r"""Multiple-testing adjustments: Holm, Benjamini-Hochberg and the Romano-Wolf step-down.

With eleven outcomes, some will look "significant" by chance. The reports adjust the p-values within each
pre-specified group of hypotheses (primary outcomes, secondary outcomes, family indices):

* **Holm** (1979, *Scand. J. Statist.* 6(2)): controls the family-wise error rate (FWER) for any dependence;
* **Benjamini-Hochberg** (1995, *JRSS B* 57(1)): controls the false discovery rate (FDR); both from
  ``statsmodels.stats.multitest.multipletests``;
* **Romano-Wolf step-down** (Romano and Wolf 2005, *Econometrica* 73(4); 2016, *Stat. Prob. Letters* 113;
  Clarke, Romano and Wolf 2020, *Stata Journal* 20(4), ``rwolf``): controls the FWER and, by using the joint
  bootstrap distribution of the t statistics, gains power when outcomes are correlated. With :math:`|t|` ordered
  from largest, :math:`p_{(s)} = \big(1 + \#\{b: \max_{k \ge s} |t^*_{(k)b}| \ge |t_{(s)}|\}\big)/(B + 1)`, made
  monotone by a running maximum. The bootstrap statistics are wild cluster bootstrap (WCR, null imposed) t
  statistics that share one set of cluster weights across outcomes, as in pyfixest's ``rwolf``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats.bootstrap import _did_design, change_does_not_vary, draw_weights, wild_tstats
from evaluation.stats.degenerate import NotEstimable
from evaluation.stats.regression import clustered_by

__all__ = ["adjust", "adjusted_table", "benjamini_hochberg", "holm", "romano_wolf", "romano_wolf_did"]


def _observed(pvalues: Sequence[float], name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The p-values as floats, an all-NaN output of their shape, and which of them are observed (not NaN).

    Raises ``ValueError`` naming ``name`` for a p-value outside ``[0, 1]`` or infinite, or a non-1-D input.
    """
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"{name} must be a 1-D sequence of p-values, got shape {p.shape}")
    ok = ~np.isnan(p)
    bad = p[ok][(p[ok] < 0) | (p[ok] > 1)]
    if bad.size:
        raise ValueError(f"{name} must lie in [0, 1] (NaN for a missing p-value), got {bad[0]!r}")
    return p, np.full(p.shape, np.nan), ok


def holm(pvalues: Sequence[float]) -> np.ndarray:
    r"""Holm step-down adjusted p-values: sorted ascending, :math:`\max_{j \le i} \min(1, (m - j + 1) p_{(j)})`.

    The same numbers as ``multipletests(p, method="holm")``; written out because statsmodels' Holm branch calls
    ``gc.collect()`` on every use, which costs a quarter of a second in a notebook kernel. A missing p-value (NaN)
    is handled as R's ``p.adjust`` does: it stays NaN and is not counted in ``m`` (``holm([0.01, nan, 0.03])`` is
    ``[0.02, nan, 0.03]``).

    Parameters
    ----------
    pvalues : sequence of float
        Raw p-values, shape ``(m,)``, each in ``[0, 1]`` or NaN (missing).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values in the input order, shape ``(m,)``; NaN where the input is NaN.

    Raises
    ------
    ValueError
        When a p-value is outside ``[0, 1]`` (or infinite), or ``pvalues`` is not 1-D.

    References
    ----------
    Holm, S. (1979). "A simple sequentially rejective multiple test procedure." *Scandinavian Journal of
    Statistics* 6(2), 65-70.
    """
    p, out, ok = _observed(pvalues, "pvalues")
    q = p[ok]
    m = q.size
    order = np.argsort(q, kind="mergesort")
    adj = np.empty(m)
    adj[order] = np.minimum(np.maximum.accumulate((m - np.arange(m)) * q[order]), 1.0)
    out[ok] = adj
    return out


def benjamini_hochberg(pvalues: Sequence[float]) -> np.ndarray:
    r"""Benjamini-Hochberg (1995) adjusted p-values: sorted ascending, :math:`\min_{j \ge i} \min(1, m p_{(j)} / j)`.

    The same numbers as statsmodels ``multipletests(p, method="fdr_bh")`` (tested); written out so that a notebook
    kernel need not import statsmodels (about 0.6 s). A missing p-value (NaN) stays NaN and is not counted in
    ``m``, as in R's ``p.adjust`` (``benjamini_hochberg([0.01, nan, 0.03])`` is ``[0.02, nan, 0.03]``).

    Parameters
    ----------
    pvalues : sequence of float
        Raw p-values, shape ``(m,)``, each in ``[0, 1]`` or NaN (missing).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values (FDR q-values) in the input order, shape ``(m,)``; NaN where the input is NaN.

    Raises
    ------
    ValueError
        When a p-value is outside ``[0, 1]`` (or infinite), or ``pvalues`` is not 1-D.

    References
    ----------
    Benjamini, Y. and Hochberg, Y. (1995). *Journal of the Royal Statistical Society B* 57(1), 289-300.
    """
    p, out, ok = _observed(pvalues, "pvalues")
    q = p[ok]
    m = q.size
    order = np.argsort(q, kind="mergesort")
    ranked = q[order] * m / np.arange(1, m + 1)
    adj = np.empty(m)
    adj[order] = np.minimum(np.minimum.accumulate(ranked[::-1])[::-1], 1.0)
    out[ok] = adj
    return out


def adjust(pvalues: Sequence[float], method: str) -> np.ndarray:
    """Holm (``"holm"``, :func:`holm`) or Benjamini-Hochberg (``"fdr_bh"``, :func:`benjamini_hochberg`) p-values.

    Parameters
    ----------
    pvalues : sequence of float
        Raw p-values, shape ``(m,)``, in ``[0, 1]`` or NaN (missing: left out of the count and NaN in the result,
        as R's ``p.adjust``).
    method : {"holm", "fdr_bh"}
        The adjustment (statsmodels' names).

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, shape ``(m,)`` (empty for no p-values).

    Raises
    ------
    ValueError
        For another ``method``, or a p-value outside ``[0, 1]``.

    References
    ----------
    Holm (1979); Benjamini and Hochberg (1995); statsmodels ``multipletests``.
    """
    if method not in ("holm", "fdr_bh"):
        raise ValueError(f"unknown multiple-testing method {method!r}; use 'holm' or 'fdr_bh'")
    p = np.asarray(pvalues, dtype=float)
    if p.size == 0:
        return p
    if method == "holm":
        return holm(p)
    if method == "fdr_bh":
        return benjamini_hochberg(p)
    raise ValueError(f"unknown multiple-testing method {method!r}; use 'holm' or 'fdr_bh'")


def romano_wolf(t_stats: np.ndarray, t_boot: np.ndarray) -> np.ndarray:
    """Romano-Wolf step-down adjusted p-values from observed and bootstrap t statistics.

    A hypothesis whose observed statistic is missing (NaN, e.g. an outcome without variance, whose t is 0/0) or
    whose bootstrap statistics are not all finite is left out of the step-down: its p-value is NaN and the others
    are computed over the remaining hypotheses (as if it had not been tested), never "significant" by default.

    Parameters
    ----------
    t_stats : numpy.ndarray
        Observed t statistics, shape ``(m,)``; NaN for a hypothesis without a statistic.
    t_boot : numpy.ndarray
        Bootstrap t statistics under the null, shape ``(m, B)``.

    Returns
    -------
    numpy.ndarray
        Adjusted p-values, shape ``(m,)``, in ``[1/(B+1), 1]`` (see the module docstring for the formula); NaN for
        the hypotheses left out.

    Raises
    ------
    ValueError
        When ``t_boot`` is not ``(m, B)`` with ``B >= 1`` or a statistic is infinite.

    References
    ----------
    Romano, J. P. and Wolf, M. (2005). *Econometrica* 73(4), 1237-1282; Clarke, D., Romano, J. P. and Wolf, M.
    (2020). *Stata Journal* 20(4), 812-843.
    """
    t_all = np.abs(np.asarray(t_stats, dtype=float)).ravel()
    tb_all = np.abs(np.asarray(t_boot, dtype=float))
    if tb_all.ndim != 2 or tb_all.shape[0] != t_all.size or tb_all.shape[1] < 1:
        raise ValueError(f"t_boot must have shape (m, B) = ({t_all.size}, B >= 1), got {tb_all.shape}")
    if np.isinf(t_all).any():
        raise ValueError("t_stats must be finite (NaN for a hypothesis without a statistic), got an infinite one")
    out = np.full(t_all.size, np.nan)
    ok = ~np.isnan(t_all) & np.isfinite(tb_all).all(axis=1)
    t, tb = t_all[ok], tb_all[ok]
    m, B = tb.shape
    if m == 0:
        return out
    order = np.argsort(-t, kind="mergesort")
    # running max over the hypotheses still in play, from the least significant up
    tail_max = np.maximum.accumulate(tb[order][::-1], axis=0)[::-1]  # (m, B): max over k >= s
    p_step = (1 + (tail_max >= t[order][:, None]).sum(axis=1)) / (B + 1)
    p_step = np.minimum(np.maximum.accumulate(p_step), 1.0)
    adj = np.empty(m)
    adj[order] = p_step
    out[ok] = adj
    return out


def romano_wolf_did(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    *,
    n_boot: int,
    seed: int,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> dict[str, float]:
    """Romano-Wolf p-values of the DiD effects of ``outcomes`` (shared Rademacher cluster weights, WCR t).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label of the scope (not used in the computation).
    outcomes : sequence of str
        The outcomes of one group of hypotheses.
    design : DesignSettings
        Column names of unit, period and cluster and the wave labels.
    n_boot : int
        Bootstrap draws ``B``.
    seed : int
        Seed of the draws (stream ``[seed, 200]``).
    fixed_effects : str, optional
        Column whose levels get indicators in the first-difference regression; ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters; default ``design.cluster``.

    Returns
    -------
    dict of str to float
        Adjusted p-value of each outcome with at least 3 families whose change varies within an arm and whose CRV1
        standard error is not zero (the others are left out of the step-down: their statistic would be 0/0).

    Raises
    ------
    ValueError
        With fewer than 2 clusters.

    References
    ----------
    Clarke, D., Romano, J. P. and Wolf, M. (2020). *Stata Journal* 20(4), 812-843 (``rwolf``).
    """
    design = clustered_by(design, cluster)
    clusters = np.unique(panel[design.cluster].dropna().astype(str))
    v, _ = draw_weights(clusters.size, n_boot, "rademacher", np.random.default_rng([seed, 200]))
    names, ts, tbs = [], [], []
    for outcome in outcomes:
        y, X, cl = _did_design(panel, outcome, design, fixed_effects)
        if len(y) < 3 or change_does_not_vary(y, X[:, 1]):
            continue  # not estimable (evaluation.stats.degenerate): left out of the step-down
        try:
            t, tb = wild_tstats(y, X, np.searchsorted(clusters, cl), 1, v, restricted=True)
        except NotEstimable:  # a CRV1 SE of zero (e.g. one village per arm): no statistic to step down over
            continue
        names.append(outcome)
        ts.append(t)
        tbs.append(tb)
    if not names:
        return {}
    p = romano_wolf(np.array(ts), np.vstack(tbs))
    return dict(zip(names, p.tolist(), strict=True))


def adjusted_table(
    pvalues: Mapping[str, float],
    groups: Mapping[str, Sequence[str]],
    romano: Mapping[str, float],
    scope: str,
    alpha: float = 0.05,
    method: str = "did",
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Holm, BH and Romano-Wolf p-values within each group of hypotheses, and which outcomes survive.

    Parameters
    ----------
    pvalues : mapping of str to float
        Raw p-value of each outcome, in ``[0, 1]`` or NaN (missing).
    groups : mapping of str to sequence of str
        Outcomes of each pre-specified group of hypotheses.
    romano : mapping of str to float
        Romano-Wolf p-values computed within the same groups.
    scope : str
        Label that prefixes the result keys.
    alpha : float, default 0.05
        Level below which an adjusted p-value "survives".
    method : str, default "did"
        Method part of the keys.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome and group with the raw and adjusted p-values.
    keys : dict
        ``<scope>.<outcome>.<method>.{holm, fdr_bh, romano_wolf}_p_value`` and ``..._survives`` (bool) of every
        outcome with a p-value; an outcome whose raw p-value is missing (NaN) is left out of the count of tests
        (R's ``p.adjust``) and recorded as ``<scope>.multiple_testing.left_out.<outcome> = "no_p_value"``.

    Raises
    ------
    ValueError
        When an outcome is not a valid key part.

    References
    ----------
    Holm (1979); Benjamini and Hochberg (1995); Romano and Wolf (2005).
    """
    rows = []
    keys: dict[str, object] = {}
    for group, members in groups.items():
        present = [o for o in members if o in pvalues]
        raw = [pvalues[o] for o in present]
        holm = adjust(raw, "holm")
        bh = adjust(raw, "fdr_bh")
        for i, o in enumerate(present):
            row = {
                "outcome": o,
                "group": group,
                "p_value": raw[i],
                "holm_p_value": float(holm[i]),
                "fdr_bh_p_value": float(bh[i]),
                "romano_wolf_p_value": float(romano.get(o, np.nan)),
            }
            rows.append(row)
            if not np.isfinite(raw[i]):  # left out of the count, as R's p.adjust does; named with why
                keys[key(scope, "multiple_testing", "left_out", o)] = "no_p_value"
            for name in ("holm", "fdr_bh", "romano_wolf"):
                val = row[f"{name}_p_value"]
                if np.isfinite(val):
                    keys[key(scope, o, method, f"{name}_p_value")] = val
                    keys[key(scope, o, method, f"{name}_survives")] = bool(val < alpha)
    columns = ["outcome", "group", "p_value", "holm_p_value", "fdr_bh_p_value", "romano_wolf_p_value"]
    return pd.DataFrame(rows, columns=columns), keys  # the columns even when no group has an outcome
