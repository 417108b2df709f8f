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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings

__all__ = ["add_indices", "standardised_index"]

Method = Literal["anderson", "klk"]


def standardised_index(
    Y: np.ndarray, reference: np.ndarray, signs: np.ndarray | None = None, method: Method = "anderson"
) -> tuple[np.ndarray, np.ndarray]:
    """Index of the columns of ``Y`` (shape ``(n, k)``, NaN = missing) and the weights used.

    ``reference`` (bool, shape ``(n,)``) marks the rows (comparison group at baseline) that define means, SDs and
    the covariance. A row with every component missing gets NaN.
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
        w = np.linalg.inv(np.cov(zr, rowvar=False)).sum(axis=1)
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
    """
    out = panel.copy()
    ref = ((panel[design.period] == design.before) & (panel["treated"] == 0)).to_numpy()
    weights: dict[str, dict[str, float]] = {}
    for name, members in families.items():
        Y = panel[list(members)].astype(float).to_numpy()
        signs = np.array([-1.0 if m in negative else 1.0 for m in members])
        idx, w = standardised_index(Y, ref, signs, method)
        out[name] = idx
        weights[name] = {m: float(x / w.sum()) for m, x in zip(members, w, strict=True)}
    return out, weights
