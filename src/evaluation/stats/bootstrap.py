r"""Wild cluster bootstrap (restricted, WCR11) for one OLS coefficient, vectorised over all draws.

With few clusters (fewer than about 30) cluster-robust t tests over-reject; the wild cluster bootstrap with the
null imposed (WCR) keeps its size close to nominal even with 5-20 clusters (Cameron, Gelbach and Miller 2008,
*Review of Economics and Statistics* 90(3), 414-427; MacKinnon and Webb 2017). This module implements the
"fast and wild" algorithm of Roodman, MacKinnon, Nielsen and Webb (2019, *Stata Journal* 19(1), 4-60, Stata's
``boottest``): every bootstrap statistic is a function of G-vectors and G x G matrices of cluster sums, so all B
draws are one matrix product.

Algorithm (coefficient ``j``, null :math:`\beta_j = r`, CRV1 statistic)
----------------------------------------------------------------------
Let :math:`A = (X'X)^{-1}X'` and :math:`a_j` its row ``j``. The restricted residuals are
:math:`\tilde u(r) = M_{-j}(y - r x_j) = u_0 - r w` (regression on the other columns), linear in ``r``. With
cluster weights :math:`v_{gb}` the bootstrap sample is :math:`y^*_b = y - \tilde u + \tilde u \circ v_b`, and

* numerator: :math:`\hat\beta^*_{jb} - r = \sum_g S_g v_{gb}`, :math:`S_g = \sum_{i\in g} a_{ji}\tilde u_i`;
* CRV1 scores of the bootstrap residuals :math:`M(\tilde u\circ v_b)`: :math:`Z_{\cdot b} = K v_b` with
  :math:`K = \mathrm{diag}(S) - C D`, :math:`C_{h\cdot} = \sum_{i\in h} a_{ji} x_i'` and
  :math:`D_{\cdot g} = \sum_{i\in g} A_{\cdot i}\tilde u_i`;
* :math:`t^*_b = (S'v_b) / \sqrt{c \sum_h Z_{hb}^2}` with :math:`c = \frac{G}{G-1}\frac{n-1}{n-k}`.

The p-value is symmetric, :math:`p = \#\{|t^*_b| > |t|\} / B` (as ``wildboottest`` and ``boottest``'s
default). Because :math:`S` and :math:`K` are linear in ``r``, :math:`p(r)` for any ``r`` costs O(G B), and the
confidence interval is found by test inversion: the set of ``r`` with :math:`p(r) > \alpha` (Roodman et al.
2019, section 3.5), found by bisection with the same draws. Weights: Rademacher (:math:`\pm 1`), or Webb's
six-point distribution (:math:`\pm\sqrt{1/2}, \pm 1, \pm\sqrt{3/2}`; Webb 2023, *Canadian Journal of
Economics* 56(3)) which has more distinct draws when G is very small. With Rademacher weights and
:math:`2^G \le B` all :math:`2^G` sign vectors are enumerated (no simulation error).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings
from evaluation.core.keys import key
from evaluation.stats.degenerate import NotEstimable
from evaluation.stats.inference import t_critical, t_inference, vcov_crv3
from evaluation.stats.regression import cluster_codes, clustered_by, dummies, first_differences, identified_dummies

__all__ = [
    "FEW_CLUSTERS",
    "WildResult",
    "change_does_not_vary",
    "crv3_did",
    "draw_weights",
    "wcr_did",
    "wcr_test",
    "wild_tstats",
]

Weights = Literal["rademacher", "webb"]
FEW_CLUSTERS = 30  # below this many clusters the reports add the wild cluster bootstrap
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])
_BISECT_STEPS = 60


@dataclass(frozen=True)
class WildResult:
    """WCR p-value and test-inversion confidence interval of one coefficient."""

    estimate: float
    se: float  # CRV1
    t_stat: float
    p_value: float
    ci_low: float
    ci_high: float
    n_boot: int
    n_clusters: int
    weights: str
    full_enumeration: bool

    def to_dict(self) -> dict[str, object]:
        """Fields as a plain dict.

        Returns
        -------
        dict
            Field name -> value (p-value, interval ends, draws, weight type).
        """
        return dict(self.__dict__)


def draw_weights(
    n_clusters: int, n_boot: int, weights: Weights, rng: np.random.Generator
) -> tuple[np.ndarray, bool]:
    r"""Cluster weights of the wild bootstrap, and whether they are the full Rademacher enumeration.

    Rademacher with :math:`2^G \le B`: all :math:`2^G` sign vectors (so ``B`` becomes :math:`2^G`).

    Parameters
    ----------
    n_clusters : int
        Number of clusters ``G``.
    n_boot : int
        Number of bootstrap draws ``B`` wanted.
    weights : {"rademacher", "webb"}
        Rademacher (:math:`\pm 1`) or Webb's six-point distribution.
    rng : numpy.random.Generator
        Source of the draws (not used for a full enumeration).

    Returns
    -------
    v : numpy.ndarray
        Weights, shape ``(G, B)`` (``(G, 2**G)`` when enumerated).
    full : bool
        True when ``v`` is the full Rademacher enumeration (no simulation error).

    Raises
    ------
    ValueError
        When ``weights`` is neither ``"rademacher"`` nor ``"webb"``.

    References
    ----------
    Webb, M. D. (2023). *Canadian Journal of Economics* 56(3); Roodman et al. (2019). *Stata Journal* 19(1), 4-60.
    """
    if weights == "rademacher":
        if 2**n_clusters <= n_boot:
            v = np.array(list(itertools.product([-1.0, 1.0], repeat=n_clusters))).T
            return v, True
        return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, n_boot)), False
    if weights == "webb":
        return rng.choice(_WEBB, size=(n_clusters, n_boot)), False
    raise ValueError(f"weights must be 'rademacher' or 'webb', got {weights!r}")


def _checked(y: object, X: object, codes: object, j: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``y``, ``X`` and ``codes`` as arrays, or a ``ValueError`` naming the argument that a bootstrap cannot use."""
    y = np.asarray(y, dtype=float).ravel()
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[0] != y.size:
        raise ValueError(f"X must have shape (n, k) with n = {y.size} rows of y, got {X.shape}")
    if not 0 <= j < X.shape[1]:
        raise ValueError(f"j must index a column of X (0..{X.shape[1] - 1}), got {j}")
    for name, arr in (("y", y), ("X", X)):
        if not np.isfinite(arr).all():
            bad = int((~np.isfinite(arr)).sum())
            raise ValueError(f"{name} has {bad} missing or infinite value(s); drop those rows first")
    codes = np.asarray(codes)
    if codes.shape != (y.size,):
        raise ValueError(f"codes must have one cluster per row of y ({y.size}), got shape {codes.shape}")
    if pd.isna(pd.Series(codes.astype(object))).any():
        raise ValueError("codes has missing cluster labels; drop the rows without a cluster first")
    return y, X, codes


class _Wild:
    """Precomputed cluster sums of one regression for the statistic at any null value ``r``."""

    def __init__(self, y: np.ndarray, X: np.ndarray, codes: np.ndarray, j: int, restricted: bool) -> None:
        y, X, codes = _checked(y, X, codes, j)
        n, k = X.shape
        self.present, dense = np.unique(codes, return_inverse=True)
        G = self.present.size
        if G < 2:
            raise NotEstimable("one_cluster", f"the wild cluster bootstrap needs at least 2 clusters, found {G}")
        q, rr = np.linalg.qr(X)
        A = np.linalg.solve(rr, q.T)  # (k, n) = (X'X)^{-1} X'
        beta = A @ y
        resid = y - X @ beta
        self.ssc = G / (G - 1) * (n - 1) / (n - k)
        aj = A[j]

        def csum(m: np.ndarray) -> np.ndarray:  # sum rows within clusters: (n, p) -> (G, p)
            out = np.zeros((G, m.shape[1]))
            np.add.at(out, dense, m)
            return out

        C = csum(aj[:, None] * X)  # (G, k)
        # Score of the original fit -> CRV1 SE of beta_j.
        score = csum((aj * resid)[:, None])[:, 0]
        self.beta = float(beta[j])
        self.se = float(np.sqrt(self.ssc * np.sum(score**2)))
        scale = max(float(np.abs(y).max(initial=0.0)), 1e-300) * float(np.sqrt(np.sum(aj**2)))
        if not self.se > 1e-10 * scale:  # 0 up to rounding: every t statistic would be 0/0 or +-inf
            raise NotEstimable(
                "no_cluster_variation",
                "the cluster-robust standard error is zero (the outcome's residuals cancel within every cluster, "
                "e.g. it does not vary, or each group lies in a single village)",
            )
        if restricted:
            X0 = np.delete(X, j, axis=1)
            if X0.shape[1]:
                coef, *_ = np.linalg.lstsq(X0, np.column_stack([y, X[:, j]]), rcond=None)
                u0 = y - X0 @ coef[:, 0]
                w = X[:, j] - X0 @ coef[:, 1]
            else:
                u0, w = y.copy(), X[:, j].copy()
        else:  # unrestricted (WCU): residuals of the full fit, centred at beta_hat
            u0, w = resid, np.zeros(n)
        self.parts = []
        for u in (u0, w):
            S = csum((aj * u)[:, None])[:, 0]  # (G,)
            D = csum(A.T * u[:, None]).T  # (k, G)
            K = np.diag(S) - C @ D  # (G, G)
            self.parts.append((S, K))
        self.n_clusters = G

    def boot(self, v: np.ndarray) -> tuple[np.ndarray, ...]:
        r"""B-vectors from which :math:`t^*(r)` follows for any ``r``, for weights ``v`` of shape ``(G, B)``.

        Numerator :math:`S_0'v - r S_1'v`; squared score norm
        :math:`\|K_0 v - r K_1 v\|^2 = a - 2 r b + r^2 c` with :math:`a = \|K_0 v\|^2`, :math:`b = (K_0 v)'(K_1 v)`,
        :math:`c = \|K_1 v\|^2`, so each further ``r`` costs O(B).
        """
        (S0, K0), (S1, K1) = self.parts
        z0, z1 = K0 @ v, K1 @ v
        a = np.einsum("gb,gb->b", z0, z0)
        b = np.einsum("gb,gb->b", z0, z1)
        c = np.einsum("gb,gb->b", z1, z1)
        return S0 @ v, S1 @ v, a, b, c

    @staticmethod
    def tstar(pre: tuple[np.ndarray, ...], r: float, ssc: float) -> np.ndarray:
        num0, num1, a, b, c = pre
        den = np.sqrt(ssc * np.maximum(a - 2 * r * b + r * r * c, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            return (num0 - r * num1) / den


def wild_tstats(
    y: np.ndarray, X: np.ndarray, codes: np.ndarray, j: int, v: np.ndarray, restricted: bool = True, r: float = 0.0
) -> tuple[float, np.ndarray]:
    r"""The CRV1 t statistic of coefficient ``j`` and its B wild-bootstrap counterparts.

    ``codes`` are integer row indices into ``v``, so that several regressions on different samples can share one
    set of cluster weights (as Romano-Wolf needs).

    Parameters
    ----------
    y : numpy.ndarray
        Outcome, shape ``(n,)``.
    X : numpy.ndarray
        Design matrix, shape ``(n, k)``, full column rank.
    codes : numpy.ndarray
        Integer cluster index of each row into the rows of ``v``, shape ``(n,)``.
    j : int
        Column of ``X`` whose coefficient is tested.
    v : numpy.ndarray
        Cluster weights, shape ``(G_all, B)``.
    restricted : bool, default True
        WCR under :math:`\beta_j = r`, statistic :math:`(\hat\beta_j - r)/se`; otherwise WCU centred at
        :math:`\hat\beta_j` (statistic :math:`\hat\beta_j/se`, bootstrap :math:`(\hat\beta^*_j - \hat\beta_j)/se^*`).
    r : float, default 0.0
        Null value of the coefficient (outcome units per unit of column ``j``).

    Returns
    -------
    t : float
        The observed CRV1 t statistic.
    t_boot : numpy.ndarray
        The bootstrap t statistics, shape ``(B,)``.

    Raises
    ------
    ValueError
        When ``y`` or ``X`` holds a missing or infinite value or a cluster label is missing (the message names the
        argument); :class:`evaluation.stats.degenerate.NotEstimable` (a ``ValueError``) with fewer than 2 clusters
        (``one_cluster``) or a CRV1 standard error of zero (``no_cluster_variation``).

    References
    ----------
    Roodman, D., MacKinnon, J. G., Nielsen, M. Ø. and Webb, M. D. (2019). *Stata Journal* 19(1), 4-60.
    """
    w = _Wild(y, X, codes, j, restricted)
    pre = w.boot(np.asarray(v)[w.present])
    if restricted:
        return (w.beta - r) / w.se, _Wild.tstar(pre, r, w.ssc)
    return w.beta / w.se, _Wild.tstar(pre, 0.0, w.ssc)


def wcr_test(
    y: np.ndarray,
    X: np.ndarray,
    codes: Sequence[object] | np.ndarray,
    j: int,
    *,
    n_boot: int = 9999,
    weights: Weights = "rademacher",
    seed: int | Sequence[int] = 0,
    alpha: float = 0.05,
    r: float = 0.0,
    v: np.ndarray | None = None,
) -> WildResult:
    r"""WCR11 p-value of :math:`H_0: \beta_j = r` and the (1 - alpha) confidence interval by test inversion.

    See the module docstring for the formulas (Cameron, Gelbach and Miller 2008; Roodman et al. 2019).

    Parameters
    ----------
    y : numpy.ndarray
        Outcome, shape ``(n,)``.
    X : numpy.ndarray
        Design matrix, shape ``(n, k)``, full column rank.
    codes : sequence or numpy.ndarray
        Cluster label of each row, shape ``(n,)``.
    j : int
        Column of ``X`` whose coefficient is tested.
    n_boot : int, default 9999
        Bootstrap draws ``B``.
    weights : {"rademacher", "webb"}, default "rademacher"
        Distribution of the cluster weights.
    seed : int or sequence of int, default 0
        Seed of ``np.random.default_rng``.
    alpha : float, default 0.05
        Level of the interval (coverage ``1 - alpha``).
    r : float, default 0.0
        Null value of the coefficient.
    v : numpy.ndarray, optional
        Weights of shape ``(G, B)`` (clusters in sorted label order) that replace the drawn ones.

    Returns
    -------
    WildResult
        Estimate and CRV1 SE (outcome units), t statistic, WCR p-value, interval bounds, ``B``, ``G``.

    Raises
    ------
    ValueError
        With unknown ``weights``, a missing or infinite value in ``y`` or ``X``, or a missing cluster label (the
        message names the argument); :class:`evaluation.stats.degenerate.NotEstimable` (a ``ValueError``) with
        fewer than 2 clusters (``one_cluster``) or a CRV1 standard error of zero (``no_cluster_variation``).

    References
    ----------
    Cameron, A. C., Gelbach, J. B. and Miller, D. L. (2008). *Review of Economics and Statistics* 90(3),
    414-427; Roodman et al. (2019). *Stata Journal* 19(1), 4-60, section 3.5.
    """
    codes = cluster_codes(codes)
    G = int(codes.max()) + 1
    full = False
    if v is None:
        v, full = draw_weights(G, n_boot, weights, np.random.default_rng(seed))
    w = _Wild(y, X, codes, j, restricted=True)
    pre = w.boot(v[w.present])

    def pval(r0: float) -> float:
        t0 = (w.beta - r0) / w.se
        return float(np.mean(np.abs(_Wild.tstar(pre, r0, w.ssc)) > abs(t0)))

    def bound(sign: float) -> float:
        inside = w.beta
        step = max(w.se, 1e-12) * t_critical(G - 1, alpha)
        outside = w.beta + sign * step
        for _ in range(60):
            if pval(outside) <= alpha:
                break
            inside, outside = outside, w.beta + 2 * (outside - w.beta)
        else:
            return sign * np.inf
        for _ in range(_BISECT_STEPS):
            mid = 0.5 * (inside + outside)
            if pval(mid) > alpha:
                inside = mid
            else:
                outside = mid
            if abs(outside - inside) <= 1e-9 * max(w.se, abs(w.beta), 1e-300):
                break
        return 0.5 * (inside + outside)

    return WildResult(
        estimate=w.beta,
        se=w.se,
        t_stat=(w.beta - r) / w.se,
        p_value=pval(r),
        ci_low=bound(-1.0),
        ci_high=bound(1.0),
        n_boot=int(v.shape[1]),
        n_clusters=w.n_clusters,
        weights=weights,
        full_enumeration=full,
    )


def _did_design(
    panel: pd.DataFrame, outcome: str, design: DesignSettings, fixed_effects: str | None
) -> tuple[np.ndarray, ...]:
    """First differences ``d``, the design ``[1, treated, fixed-effect dummies]`` and the cluster labels."""
    fd = first_differences(panel, outcome, design, keep=(fixed_effects,) if fixed_effects is not None else ())
    X = np.column_stack([np.ones(len(fd)), fd["treated"].to_numpy(float)])
    if fixed_effects is not None:
        X = np.column_stack([X, dummies(fd[fixed_effects])])
    return fd["d"].to_numpy(float), X, fd["cluster"].to_numpy()


def change_does_not_vary(y: np.ndarray, treated: np.ndarray) -> bool:
    """Whether the first differences ``y`` are the same for every unit of each arm (a 0/0 bootstrap statistic).

    Parameters
    ----------
    y : numpy.ndarray
        First differences, shape ``(n,)``.
    treated : numpy.ndarray
        0/1 arm of each unit, shape ``(n,)``.

    Returns
    -------
    bool
        True when no arm present has two different values of ``y``.
    """
    arms = [y[treated == g] for g in np.unique(treated)]
    return all(np.ptp(a) == 0 for a in arms if a.size)


def wcr_did(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    *,
    n_boot: int,
    seed: int,
    weights: Sequence[Weights] = ("rademacher", "webb"),
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """WCR p-values and intervals of the panel DiD effect (first differences on treated, as in ``did``).

    One set of cluster weights per weight type is drawn for the scope (stream ``[seed, 100 + i]``) and shared by
    all outcomes.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    outcomes : sequence of str
        Outcome columns.
    design : DesignSettings
        Column names of unit, period and cluster, the wave labels and ``alpha``.
    n_boot : int
        Bootstrap draws per weight type.
    seed : int
        Seed of the draws.
    weights : sequence of {"rademacher", "webb"}, default ("rademacher", "webb")
        Weight types; the first gives the ``wcr_*`` keys, the others ``wcr_<type>_*``.
    fixed_effects : str, optional
        Column whose levels get indicators in the first-difference regression; ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters; default ``design.cluster``.

    Returns
    -------
    table : pandas.DataFrame
        One row per outcome and weight type with the :class:`WildResult` fields; an outcome whose DiD is not
        estimable (fewer than 3 families, one arm, or a change that is the same for every family of each arm, so
        that every bootstrap statistic is 0/0) has no row and no keys; one whose CRV1 standard error is zero (e.g.
        each arm in a single village) has no row and only ``wcr_reason``.
    keys : dict
        ``<scope>.<outcome>.did.{wcr_p_value, wcr_ci_low, wcr_ci_high, wcr_webb_*, wcr_draws}``, or
        ``<scope>.<outcome>.did.wcr_reason`` (a code of :data:`evaluation.stats.degenerate.REASONS`).

    Raises
    ------
    ValueError
        With fewer than 2 clusters or unknown ``weights``.

    References
    ----------
    MacKinnon, J. G. and Webb, M. D. (2017). *Journal of Applied Econometrics* 32(2), 233-254; Roodman et al.
    (2019). *Stata Journal* 19(1), 4-60.
    """
    design = clustered_by(design, cluster)
    clusters = np.unique(panel[design.cluster].dropna().astype(str))
    draws = {}
    for i, wt in enumerate(weights):
        draws[wt] = draw_weights(clusters.size, n_boot, wt, np.random.default_rng([seed, 100 + i]))
    rows = []
    keys: dict[str, object] = {}
    for outcome in outcomes:
        y, X, cl = _did_design(panel, outcome, design, fixed_effects)
        if len(y) < 3 or len(set(X[:, 1])) < 2 or change_does_not_vary(y, X[:, 1]):
            continue  # not estimable (evaluation.stats.degenerate): the DiD reports why
        idx = np.searchsorted(clusters, cl)
        results = []
        try:
            for wt in weights:
                v, full = draws[wt]
                res = wcr_test(y, X, idx, 1, alpha=design.alpha, v=v[np.unique(idx)], weights=wt)
                results.append((wt, WildResult(**{**res.to_dict(), "full_enumeration": full})))
        except NotEstimable as exc:  # e.g. one village per arm: the CRV1 SE is 0, every statistic 0/0
            keys[key(scope, outcome, "did", "wcr_reason")] = exc.reason
            continue
        for wt, res in results:
            rows.append({"outcome": outcome, **res.to_dict()})
            tag = "wcr" if wt == "rademacher" else f"wcr_{wt}"
            for name in ("p_value", "ci_low", "ci_high"):
                val = getattr(res, name)
                if np.isfinite(val):
                    keys[key(scope, outcome, "did", f"{tag}_{name}")] = val
        keys[key(scope, outcome, "did", "wcr_draws")] = int(draws[weights[0]][0].shape[1])
    columns = ["outcome", *WildResult.__dataclass_fields__]
    return pd.DataFrame(rows, columns=columns), keys  # the columns even when no outcome is estimable


def crv3_did(
    panel: pd.DataFrame,
    scope: str,
    outcomes: Sequence[str],
    design: DesignSettings,
    *,
    fixed_effects: str | None = None,
    cluster: str | None = None,
) -> tuple[pd.DataFrame, dict[str, object]]:
    r"""CRV3 (cluster jackknife) standard error, interval and p-value of the panel DiD effect of each outcome.

    The regression is the one of :func:`evaluation.stats.estimators.did` and :func:`wcr_did` (first differences
    on ``[1, treated, fixed-effect dummies]``, one row per family with both waves), so the estimate equals the
    DiD; only its variance is the cluster jackknife of :func:`evaluation.stats.inference.vcov_crv3`,
    :math:`\frac{G-1}{G}\sum_g(\hat\beta^{(g)}-\hat\beta)^2`, with a t interval on ``G - 1`` degrees of freedom
    (MacKinnon, Nielsen and Webb 2023): :math:`\hat\beta \mp t_{G-1, 1-\alpha/2}\,se_{CRV3}`, in outcome
    units.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of the scope with a 0/1 ``treated`` column.
    scope : str
        Label that prefixes the result keys.
    outcomes : sequence of str
        Outcome columns.
    design : DesignSettings
        Column names of unit, period and cluster, the wave labels and ``alpha``.
    fixed_effects : str, optional
        Column whose levels get indicators in the first-difference regression; ``None`` (default) for none.
    cluster : str, optional
        Column whose labels define the clusters; default ``design.cluster``.

    Returns
    -------
    table : pandas.DataFrame
        One row per estimable outcome: ``outcome, estimate, crv3_se, crv3_ci_low, crv3_ci_high, crv3_p_value,
        n_clusters``.
    keys : dict
        ``<scope>.<outcome>.did.{crv3_se, crv3_ci_low, crv3_ci_high, crv3_p_value}`` (finite values only), or
        ``<scope>.<outcome>.did.crv3_reason`` (a code of :data:`evaluation.stats.degenerate.REASONS`) when the
        jackknife does not exist (one cluster, a group in a single village, no variation).

    References
    ----------
    MacKinnon, J. G., Nielsen, M. Ø. and Webb, M. D. (2023). *Journal of Econometrics* 232(2), 272-299.
    """
    design = clustered_by(design, cluster)
    rows = []
    keys: dict[str, object] = {}
    for outcome in outcomes:
        y, X, cl = _did_design(panel, outcome, design, fixed_effects)
        if len(y) < 3 or len(set(X[:, 1])) < 2 or change_does_not_vary(y, X[:, 1]):
            continue  # not estimable (evaluation.stats.degenerate): the DiD reports why
        keep = np.ones(X.shape[1], dtype=bool)
        if X.shape[1] > 2:  # fixed-effect levels without a row are dropped, as in did
            keep[2:] = identified_dummies(X[:, 2:])
        X = X[:, keep]
        codes = cluster_codes(cl)
        g = int(codes.max()) + 1
        if g < 2:
            keys[key(scope, outcome, "did", "crv3_reason")] = "one_cluster"
            continue
        try:
            se = float(np.sqrt(vcov_crv3(X, y, codes)[1, 1]))
        except (ValueError, np.linalg.LinAlgError):
            keys[key(scope, outcome, "did", "crv3_reason")] = "arm_in_one_cluster"
            continue
        beta = float(np.linalg.lstsq(X, y, rcond=None)[0][1])
        lo, hi, p = t_inference(beta, se, g - 1, design.alpha)
        if not se > 0:
            keys[key(scope, outcome, "did", "crv3_reason")] = "no_cluster_variation"
            continue
        row = {"outcome": outcome, "estimate": beta, "crv3_se": se, "crv3_ci_low": lo, "crv3_ci_high": hi,
               "crv3_p_value": p, "n_clusters": g}  # fmt: skip
        rows.append(row)
        for name in ("crv3_se", "crv3_ci_low", "crv3_ci_high", "crv3_p_value"):
            if np.isfinite(row[name]):
                keys[key(scope, outcome, "did", name)] = row[name]
    columns = ["outcome", "estimate", "crv3_se", "crv3_ci_low", "crv3_ci_high", "crv3_p_value", "n_clusters"]
    return pd.DataFrame(rows, columns=columns), keys
