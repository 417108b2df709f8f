r"""Standardised summary indices of outcome families (Anderson 2008; Kling, Liebman and Katz 2007).

Testing one index per family of related outcomes, instead of every outcome, is the first defence against
multiple testing. Each outcome :math:`k` is standardised by the comparison group's baseline mean and SD and signed
so that higher is better, :math:`z_{ik} = s_k (y_{ik} - \mu_k)/\sigma_k`. Then:

* **KLK** (Kling, Liebman and Katz 2007, *Econometrica* 75(1), 83-119): the mean of the available :math:`z_{ik}`;
* **Anderson** (2008, *JASA* 103(484), 1481-1495, eq. on p. 1485): the inverse-covariance weighted mean
  :math:`\bar s_i = (\sum_k w_k z_{ik}) / (\sum_{k\ \mathrm{observed}} w_k)` with :math:`w = \Sigma^{-1}\mathbf 1`
  (row sums of the inverse covariance matrix of the :math:`z` in the comparison group at baseline), which gives
  less weight to outcomes that repeat the same information.

Both indices are then re-standardised by the comparison group's baseline mean and SD, so an effect on an index
is in standard deviations. The index of a family is named ``index_<topic>`` and is analysed like an outcome.

A component that cannot be standardised or carries no information in the scope is left out of its index, and the
index is built from the remaining components (:func:`left_out_components`): one with no value in a wave
(``no_data``), one that takes a single value for every family in both waves (``no_variation``), and one that does
not vary, or has fewer than two values, among the comparison families at baseline (``no_variation_in_reference``,
its SD would divide by zero). An index none of whose components remain is not computed. Anderson (2008, p. 1485)
builds each family's index from the components available; leaving out a component for the whole scope keeps the
index the same mixture of components in both waves.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings
from evaluation.stats.degenerate import outcome_degeneracy

__all__ = ["add_indices", "left_out_components", "standardised_index"]

Method = Literal["anderson", "klk"]


def standardised_index(
    Y: np.ndarray, reference: np.ndarray, signs: np.ndarray | None = None, method: Method = "anderson"
) -> tuple[np.ndarray, np.ndarray]:
    """Standardised summary index of the columns of ``Y`` and the weights used (see the module docstring).

    A row with every component missing gets NaN.

    Parameters
    ----------
    Y : numpy.ndarray
        Components, shape ``(n, k)``, each in its own units; NaN = missing.
    reference : numpy.ndarray
        Bool, shape ``(n,)``: the rows (comparison group at baseline) that define means, SDs and the covariance.
    signs : numpy.ndarray, optional
        +1 or -1 per component, shape ``(k,)``, so that higher is better; default all +1.
    method : {"anderson", "klk"}, default "anderson"
        Inverse-covariance weights (Anderson 2008) or equal weights (Kling, Liebman and Katz 2007).

    Returns
    -------
    index : numpy.ndarray
        The index, shape ``(n,)``, in SDs of the reference rows (mean 0, SD 1 there).
    weights : numpy.ndarray
        Weight of each component, shape ``(k,)`` (not normalised).

    Raises
    ------
    ValueError
        When a component does not vary in the reference rows, when there are too few complete reference rows for
        the covariance matrix, or for an unknown ``method``.

    References
    ----------
    Anderson, M. L. (2008). *Journal of the American Statistical Association* 103(484), 1481-1495; Kling, J. R.,
    Liebman, J. B. and Katz, L. F. (2007). *Econometrica* 75(1), 83-119.
    """
    Y = np.asarray(Y, dtype=float)
    ref = np.asarray(reference, dtype=bool)
    k = Y.shape[1]
    s = np.ones(k) if signs is None else np.asarray(signs, dtype=float)
    mu = np.nanmean(Y[ref], axis=0)
    sd = np.nanstd(Y[ref], axis=0, ddof=1)
    if np.any(~(sd > 0)):
        raise ValueError("a component of the index has no variation in the reference group")
    Z = s * (Y - mu) / sd
    if method == "klk":
        w = np.ones(k)
    elif method == "anderson":
        zr = Z[ref]
        zr = zr[~np.isnan(zr).any(axis=1)]
        if zr.shape[0] <= k:
            raise ValueError("too few complete reference rows for the Anderson covariance matrix")
        w = np.linalg.inv(np.atleast_2d(np.cov(zr, rowvar=False))).sum(axis=1)  # 2-d also for one component
    else:
        raise ValueError(f"method must be 'anderson' or 'klk', got {method!r}")
    obs = ~np.isnan(Z)
    num = np.where(obs, Z, 0.0) @ w
    den = obs @ w
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(obs.any(axis=1), num / den, np.nan)
    m, v = np.nanmean(raw[ref]), np.nanstd(raw[ref], ddof=1)
    return (raw - m) / v, w


def add_indices(
    panel: pd.DataFrame,
    families: Mapping[str, Sequence[str]],
    negative: Sequence[str],
    design: DesignSettings,
    method: Method = "anderson",
) -> tuple[pd.DataFrame, dict[str, dict[str, float]]]:
    """The panel with one column per family index (reference: comparison group at baseline) and the weights.

    The same standardisation is applied to every wave, so a DiD on the index measures the change in SD units.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table with a 0/1 ``treated`` column.
    families : mapping of str to sequence of str
        Index name (``index_<topic>``) to its component outcomes.
    negative : sequence of str
        Outcomes for which lower is better (their sign is flipped).
    design : DesignSettings
        Column name of the period and the baseline label.
    method : {"anderson", "klk"}, default "anderson"
        Weighting of the components.

    Returns
    -------
    panel : pandas.DataFrame
        A copy of ``panel`` with one index column per family (SD units of the reference group); a family none of
        whose components remain (:func:`left_out_components`) gets no column.
    weights : dict of str to dict of str to float
        For each index computed, the normalised weight of each component used (summing to 1); the components
        left out have no weight.

    Raises
    ------
    ValueError
        As :func:`standardised_index` (e.g. too few complete reference rows for the Anderson weights).

    References
    ----------
    Anderson (2008); Kling, Liebman and Katz (2007).
    """
    out = panel.copy()
    ref = ((panel[design.period] == design.before) & (panel["treated"] == 0)).to_numpy()
    weights: dict[str, dict[str, float]] = {}
    left_out = left_out_components(panel, families, design)
    for name, all_members in families.items():
        members = [m for m in all_members if m not in left_out.get(name, {})]
        if not members:
            continue
        Y = panel[list(members)].astype(float).to_numpy()
        signs = np.array([-1.0 if m in negative else 1.0 for m in members])
        idx, w = standardised_index(Y, ref, signs, method)
        out[name] = idx
        weights[name] = {m: float(x / w.sum()) for m, x in zip(members, w, strict=True)}
    return out, weights


def left_out_components(
    panel: pd.DataFrame, families: Mapping[str, Sequence[str]], design: DesignSettings
) -> dict[str, dict[str, str]]:
    """The components each index leaves out in this scope, and why (see the module docstring).

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table with a 0/1 ``treated`` column.
    families : mapping of str to sequence of str
        Index name to its component outcomes.
    design : DesignSettings
        Column names of unit and period and the wave labels.

    Returns
    -------
    dict of str to dict of str to str
        ``{index: {component: reason}}`` with a reason of :data:`evaluation.stats.degenerate.REASONS`
        (``no_data``, ``no_variation`` or ``no_variation_in_reference``); indices that leave nothing out are
        absent.

    Raises
    ------
    KeyError
        When the period or ``treated`` column is missing.
    """
    ref = ((panel[design.period] == design.before) & (panel["treated"] == 0)).to_numpy()
    out: dict[str, dict[str, str]] = {}
    for name, members in families.items():
        for m in members:
            reason = None
            degenerate = outcome_degeneracy(panel, m, design)
            if degenerate is not None and degenerate.reason in ("no_data", "no_variation"):
                reason = degenerate.reason
            else:
                x = pd.to_numeric(panel[m], errors="coerce").to_numpy(dtype=float)[ref]
                x = x[~np.isnan(x)]
                if x.size < 2 or np.ptp(x) == 0:
                    reason = "no_variation_in_reference"
            if reason is not None:
                out.setdefault(name, {})[m] = reason
    return out
