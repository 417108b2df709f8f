r"""How much a failure of parallel trends would change a DiD conclusion: breakdown, event study, relative magnitudes.

A difference-in-differences estimate :math:`\hat\tau` is the programme effect only if, without the programme,
ProKUS families' mean outcome would have changed as the comparison group's did (parallel trends). Write
:math:`\delta` for the **differential trend**: how much more (in the outcome's units) the ProKUS families' mean would
have changed than the comparison group's between the last pre-programme wave and the wave of the estimate, had there
been no programme. Then :math:`\hat\tau` estimates :math:`\tau + \delta`, and the estimate corrected for a given
:math:`\delta` is :math:`\hat\tau - \delta`, with the same standard error.

**One pre-period (baseline and endline only).** Parallel trends cannot be tested: nothing in the data says how the
groups moved before the programme. :func:`breakdown` reports the **breakdown value** (Rambachan & Roth 2023, section
4.3, "breakdown value" of the bound :math:`M`): with the restriction :math:`|\delta| \le M`, the robust interval is
the union of the shifted intervals :math:`[\hat\tau - \delta \mp c\,\mathrm{se}]` over :math:`|\delta| \le M`, i.e.
:math:`[\mathrm{ci}_{low} - M,\ \mathrm{ci}_{high} + M]`, and the smallest :math:`M` at which it includes zero is

.. math::

    M^* = \max(0,\ \mathrm{ci}_{low}) \text{ when } \hat\tau > 0, \qquad
    M^* = \max(0,\ -\mathrm{ci}_{high}) \text{ when } \hat\tau < 0,

the distance from the 95% interval's nearer end to zero (0 when the interval already includes zero). It is given in
the outcome's units and as a share of the **baseline gap** :math:`|\bar y_{T,0} - \bar y_{C,0}|` between the groups,
the one yardstick for "how different are these groups" a single baseline offers.

**Two or more pre-periods.** :func:`event_study` estimates, for every wave :math:`s` other than the reference (the
last pre-programme wave, :math:`s = 0`), the two-way fixed-effects regression

.. math::

    y_{it} = \alpha_i + \lambda_t + \sum_{s \ne 0} \beta_s\, D_i\, 1[t = s] + \varepsilon_{it},

with family fixed effects :math:`\alpha_i` (absorbed by demeaning within family), wave effects :math:`\lambda_t`,
and CRV1 standard errors clustered by village, :math:`G/(G-1)\cdot(n-1)/(n-k-1)` with :math:`n` family-waves and
:math:`k` the non-absorbed regressors (the family effects, nested in villages, are not counted, but the constant they
absorb is: fixest's and pyfixest's default ``fixef_k = "nested"``, and ``diff-diff``'s ``absorb``); t and F with
:math:`G - 1` denominator degrees of freedom. The pre-period
coefficients :math:`\beta_{s<0}` are placebo effects: :math:`E[\beta_{s<0}] = \delta_{s<0}`, the differential trend
before the programme. Their joint Wald test, :math:`F = \hat\beta_{pre}' \hat V_{pre}^{-1} \hat\beta_{pre} / q`
against :math:`F(q, G-1)`, is the pre-trend test (Stata's ``test`` after ``regress, vce(cluster)``). A test that does
not reject is weak evidence: it has low power against small trends (Roth 2022), hence the sensitivity interval.

**Relative magnitudes** (Rambachan & Roth 2023, :math:`\Delta^{RM}(\bar M)`, their eq. 3.2): the change of the
differential trend from one wave to the next after the programme is at most :math:`\bar M` times the largest such
change before it, :math:`|\delta_{t+1} - \delta_t| \le \bar M\,B` with
:math:`B = \max_{s<0} |\delta_{s+1} - \delta_s|` (the pre-period coefficients and the reference's 0). For a target
:math:`\theta = l'\beta_{post}` the bias is at most :math:`\bar M B K` with
:math:`K = \sum_{s \ge 1} |\sum_{t \ge s} l_t|` (the violations add up wave by wave: ``K = j`` for the j-th
post-programme wave). :func:`relative_magnitudes` returns the identified set
:math:`[\hat\theta - \bar M \hat B K,\ \hat\theta + \bar M \hat B K]` with :math:`\delta_{pre}` set to its estimate
(Rambachan & Roth's Lemma 2.2: the union over where the largest pre-period change lies reduces to the largest one)
and the interval that widens it by :math:`c\,\mathrm{se}(\hat\theta)` on each side. This is the construction of the
``diff-diff`` package's ``HonestDiD(method="relative_magnitude")`` (version 3.13, "naive FLCI"); the R package
``HonestDiD`` instead inverts the conditional/hybrid moment-inequality test of Andrews, Roth & Pakes, which also
accounts for the sampling error in :math:`\hat B`. The breakdown :math:`\bar M^*` is the smallest :math:`\bar M` at
which that interval includes zero, :math:`\max(0, |\hat\theta| - c\,\mathrm{se}) / (\hat B K)`.

Waves are taken as equally spaced steps (2019, February 2020, midline, endline are not exactly): :math:`\bar M`
compares wave-to-wave changes, not changes per month.

References
----------
Rambachan, A. and Roth, J. (2023). "A More Credible Approach to Parallel Trends." *Review of Economic Studies*
90(5), 2555-2591. https://doi.org/10.1093/restud/rdad018

Roth, J. (2022). "Pretest with Caution: Event-Study Estimates after Testing for Parallel Trends." *American Economic
Review: Insights* 4(3), 305-322.

Freyaldenhoven, S., Hansen, C., Pérez, J. P. and Shapiro, J. M. (2021). "Visualization, identification, and
estimation in the linear panel event-study design." NBER Working Paper 29170 (event-study plots and conventions).

Cameron, A. C. and Miller, D. L. (2015). "A Practitioner's Guide to Cluster-Robust Inference." *Journal of Human
Resources* 50(2), 317-372.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from evaluation.stats.degenerate import NotEstimable
from evaluation.stats.inference import t_critical, t_inference
from evaluation.stats.regression import cluster_codes, clustered_ols, wald_test

__all__ = ["Breakdown", "EventStudy", "RobustInterval", "breakdown", "event_study", "relative_magnitudes"]


@dataclass(frozen=True)
class Breakdown:
    """The differential trend at which a DiD interval would include zero (outcome units and share of the gap)."""

    trend: float
    baseline_gap: float
    share_of_gap: float | None
    includes_zero: bool
    direction: int

    def to_dict(self) -> dict[str, object]:
        """The fields as a dict (``share_of_gap`` left out when undefined).

        Returns
        -------
        dict
            ``trend``, ``baseline_gap`` (outcome units), ``includes_zero``, ``direction`` and ``share_of_gap``.
        """
        out: dict[str, object] = {
            "trend": self.trend,
            "baseline_gap": self.baseline_gap,
            "includes_zero": self.includes_zero,
            "direction": self.direction,
        }
        if self.share_of_gap is not None:
            out["share_of_gap"] = self.share_of_gap
        return out


def breakdown(estimate: float, ci_low: float, ci_high: float, baseline_gap: float) -> Breakdown:
    r"""Breakdown value of a DiD with one pre-period: the smallest differential trend that overturns it.

    .. math::

        M^* = \max(0, \mathrm{ci}_{low}) \ (\hat\tau > 0), \qquad M^* = \max(0, -\mathrm{ci}_{high})\ (\hat\tau<0),
        \qquad \text{share} = M^* / |\bar y_{T,0} - \bar y_{C,0}|.

    A differential trend of :math:`M^*` in the direction of the estimate (ProKUS families' outcome rising faster than
    the comparison group's without the programme, for a positive estimate) shifts the interval to touch zero.

    Parameters
    ----------
    estimate : float
        DiD estimate :math:`\hat\tau` (outcome units).
    ci_low, ci_high : float
        Its confidence interval (outcome units), e.g. CRV1 with a t(G-1) critical value.
    baseline_gap : float
        ProKUS minus comparison mean at baseline (outcome units), on the families the DiD used.

    Returns
    -------
    Breakdown
        ``trend`` :math:`M^*` (outcome units, >= 0), ``baseline_gap`` (as given), ``share_of_gap``
        (:math:`M^*/|gap|`, dimensionless; ``None`` when the gap is 0), ``includes_zero`` (the interval already
        includes zero: ``trend`` is 0) and ``direction`` (+1: a faster rise of ProKUS families overturns it, -1: a
        faster fall, 0: already inconclusive).

    Raises
    ------
    ValueError
        When an input is not finite or ``ci_low > ci_high``.

    References
    ----------
    Rambachan, A. and Roth, J. (2023). *Review of Economic Studies* 90(5), 2555-2591, section 4.3 (breakdown value
    of :math:`M` for the bound :math:`|\delta| \le M`).
    """
    vals = np.asarray([estimate, ci_low, ci_high, baseline_gap], dtype=float)
    if not np.all(np.isfinite(vals)):
        raise ValueError("breakdown needs a finite estimate, interval and baseline gap (got a missing value)")
    if ci_low > ci_high:
        raise ValueError(f"breakdown: ci_low {ci_low} exceeds ci_high {ci_high}")
    if ci_low > 0:
        trend, direction = float(ci_low), 1
    elif ci_high < 0:
        trend, direction = float(-ci_high), -1
    else:
        trend, direction = 0.0, 0
    gap = float(baseline_gap)
    share = trend / abs(gap) if gap != 0 else None
    return Breakdown(trend, gap, share, direction == 0, direction)


@dataclass(frozen=True)
class EventStudy:
    """Event-study coefficients (each wave against the reference), their covariance and the pre-trend test."""

    outcome: str
    reference: str
    periods: tuple[str, ...]
    pre_periods: tuple[str, ...]
    post_periods: tuple[str, ...]
    estimate: np.ndarray
    se: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    p_value: np.ndarray
    vcov: np.ndarray
    n_obs: int
    n_units: int
    n_clusters: int
    df: int
    alpha: float
    pretrend_f: float
    pretrend_p: float
    pretrend_df: tuple[int, int]

    def index(self, period: str) -> int:
        """Position of ``period`` among :attr:`periods` (the estimated waves).

        Parameters
        ----------
        period : str
            A wave other than the reference.

        Returns
        -------
        int
            Its index into ``estimate``, ``se``, ``ci_low``, ``ci_high``, ``p_value`` and ``vcov``.
        """
        return self.periods.index(period)

    def table(self) -> pd.DataFrame:
        """One row per wave in time order, the reference included at 0.

        Returns
        -------
        pandas.DataFrame
            Columns ``period``, ``relative`` (position, reference 0, pre-programme waves negative), ``estimate``,
            ``se``, ``ci_low``, ``ci_high`` (outcome units), ``p_value`` and ``reference`` (bool).
        """
        order = [*self.pre_periods, self.reference, *self.post_periods]
        rows = []
        for rel, p in enumerate(order, start=-len(self.pre_periods)):
            if p == self.reference:
                rows.append(
                    {
                        "period": p,
                        "relative": rel,
                        "estimate": 0.0,
                        "se": 0.0,
                        "ci_low": 0.0,
                        "ci_high": 0.0,
                        "p_value": float("nan"),
                        "reference": True,
                    }
                )
                continue
            j = self.index(p)
            rows.append(
                {
                    "period": p,
                    "relative": rel,
                    "estimate": float(self.estimate[j]),
                    "se": float(self.se[j]),
                    "ci_low": float(self.ci_low[j]),
                    "ci_high": float(self.ci_high[j]),
                    "p_value": float(self.p_value[j]),
                    "reference": False,
                }
            )
        return pd.DataFrame(rows)


def _within(values: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Subtract each group's mean from every column of ``values`` (the within transformation)."""
    counts = np.bincount(codes, minlength=n_groups).astype(float)
    out = np.empty_like(values)
    for j in range(values.shape[1]):
        means = np.bincount(codes, weights=values[:, j], minlength=n_groups) / counts
        out[:, j] = values[:, j] - means[codes]
    return out


def event_study(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    period: str,
    treated: str,
    periods: Sequence[str],
    reference: str,
    cluster: str | None = None,
    alpha: float = 0.05,
) -> EventStudy:
    r"""Event study of a two-group panel: each wave's DiD against the last pre-programme wave, and the pre-trend test.

    Two-way fixed effects :math:`y_{it} = \alpha_i + \lambda_t + \sum_{s\ne 0}\beta_s D_i 1[t=s] + e_{it}` (see the
    module docstring), family effects absorbed by demeaning; CRV1 by ``cluster`` with the small-sample factor
    :math:`G/(G-1)\cdot(n-1)/(n-k-1)` (pyfixest's default for family effects nested in clusters);
    t and F inference with :math:`G-1` degrees of freedom. Rows with a missing outcome and waves not
    in ``periods`` are left out; a family seen in one wave only carries no information on a change and is left out
    too (it would only change :math:`n` in the small-sample factor).

    Parameters
    ----------
    df : pandas.DataFrame
        Long panel: one row per unit and wave.
    outcome : str
        Outcome column (numeric).
    unit : str
        Family identifier column.
    period : str
        Wave column.
    treated : str
        0/1 (or bool) column, constant within a unit: 1 for ProKUS families.
    periods : sequence of str
        Wave labels in time order; waves before ``reference`` are pre-programme, waves after it post-programme.
    reference : str
        The last pre-programme wave (coefficient fixed at 0), e.g. ``"baseline"``.
    cluster : str, optional
        Cluster column (village); ``None`` clusters by ``unit``.
    alpha : float, default 0.05
        One minus the confidence level of the intervals.

    Returns
    -------
    EventStudy
        ``estimate``, ``se``, ``ci_low``, ``ci_high`` (outcome units) and ``p_value`` for each of ``periods`` but
        the reference, their covariance ``vcov``, counts, ``df`` (G - 1) and the joint pre-trend test
        ``pretrend_f``, ``pretrend_p``, ``pretrend_df`` (q, G - 1); NaN when there is no pre-period before the
        reference.

    Raises
    ------
    ValueError
        When ``reference`` is not in ``periods``, a column is missing, ``treated`` or ``cluster`` has a missing
        value, ``treated`` varies within a unit or is not 0/1, a group or a wave has no family with a change, or
        the design is rank deficient; :class:`~evaluation.stats.degenerate.NotEstimable` (a ``ValueError``) with
        reason ``one_cluster`` (fewer than 2 clusters), ``no_variation`` (the outcome never changes within a
        family) or ``no_variation_in_change`` (a coefficient without variance).

    References
    ----------
    Rambachan, A. and Roth, J. (2023), *Review of Economic Studies* 90(5), 2555-2591 (event-study setting);
    Freyaldenhoven, S. et al. (2021), NBER WP 29170 (normalisation to the last pre-period); Cameron, A. C. and
    Miller, D. L. (2015), *Journal of Human Resources* 50(2), 317-372 (CRV1); StataCorp, [R] test (the F form).
    """
    periods = [str(p) for p in periods]
    if reference not in periods:
        raise ValueError(f"event_study: the reference wave {reference!r} is not among the waves {periods}")
    if len(set(periods)) != len(periods):
        raise ValueError(f"event_study: a wave is listed twice in {periods}")
    cl = cluster if cluster is not None else unit
    for c in (outcome, unit, period, treated, cl):
        if c not in df.columns:
            raise ValueError(f"event_study: column {c!r} is not in the table")
    wave_all = df[period].astype("string").fillna("").to_numpy(dtype=object)
    y_all = pd.to_numeric(df[outcome], errors="coerce").to_numpy(dtype=float)
    rows = np.isin(wave_all, periods) & np.isfinite(y_all)
    t_raw, c_raw = df[treated].to_numpy()[rows], df[cl].to_numpy()[rows]
    if pd.isna(t_raw).any():
        raise ValueError(f"event_study: column {treated!r} has a missing value; every family needs its group")
    if pd.isna(c_raw).any():
        raise ValueError(f"event_study: column {cl!r} has a missing value; every family needs its cluster")
    d = pd.to_numeric(pd.Series(t_raw), errors="coerce").to_numpy(dtype=float)
    if not np.isin(d, [0.0, 1.0]).all():
        raise ValueError(f"event_study: column {treated!r} must be 0/1")
    ucodes = cluster_codes(df[unit].to_numpy()[rows])
    counts = np.bincount(ucodes)
    share = np.bincount(ucodes, weights=d) / counts
    if ((share > 0) & (share < 1)).any():
        raise ValueError(f"event_study: {treated!r} varies within a unit; the group must be fixed per family")
    keep = counts[ucodes] >= 2  # a family seen once carries no change
    y, d, wave, c_raw = y_all[rows][keep], d[keep], wave_all[rows][keep], c_raw[keep]
    ucodes = cluster_codes(ucodes[keep])
    estimated = [p for p in periods if p != reference]
    for p in [reference, *estimated]:
        in_p = wave == p
        if not (in_p & (d == 1)).any() or not (in_p & (d == 0)).any():
            raise ValueError(f"event_study: wave {p!r} has no family of one group observed in two waves or more")
    cols = [(wave == p).astype(float) for p in estimated] + [d * (wave == p) for p in estimated]
    X = np.column_stack(cols)
    n_units = int(ucodes.max()) + 1 if ucodes.size else 0
    Z = _within(np.column_stack([y, X]), ucodes, n_units)
    codes = cluster_codes(c_raw)
    if np.unique(codes).size < 2:
        raise NotEstimable("one_cluster", "event_study: at least 2 clusters are needed for a clustered interval")
    if not np.any(np.abs(Z[:, 0]) > 1e-12 * max(1.0, float(np.max(np.abs(y))))):
        raise NotEstimable("no_variation", f"event_study: {outcome!r} does not change within any family")
    fit = clustered_ols(Z[:, 0], Z[:, 1:], codes)
    n_obs, n_par = Z.shape[0], Z.shape[1] - 1
    if n_obs <= n_par + 1:
        raise ValueError(f"event_study: too few family-waves ({n_obs}) for {n_par} coefficients")
    # fixest's nested convention counts the constant the family effects absorb: (n-1)/(n-k-1), not (n-1)/(n-k).
    fit = replace(fit, vcov=fit.vcov * (n_obs - n_par) / (n_obs - n_par - 1))
    k = len(estimated)
    idx = list(range(k, 2 * k))
    est = fit.beta[idx]
    vcov = fit.vcov[np.ix_(idx, idx)]
    se = np.sqrt(np.diag(vcov))
    if not np.all(se > 0):
        raise NotEstimable(
            "no_variation_in_change", f"event_study: the changes of {outcome!r} leave a coefficient without variance"
        )
    lo, hi, pv = np.empty(k), np.empty(k), np.empty(k)
    for j in range(k):
        lo[j], hi[j], pv[j] = t_inference(float(est[j]), float(se[j]), fit.df, alpha)
    pos = periods.index(reference)
    pre, post = tuple(periods[:pos]), tuple(periods[pos + 1 :])
    if pre:
        f, p_f, q, dfd = wald_test(fit, [k + estimated.index(p) for p in pre])
    else:
        f, p_f, q, dfd = float("nan"), float("nan"), 0, fit.df
    return EventStudy(
        outcome=outcome,
        reference=reference,
        periods=tuple(estimated),
        pre_periods=pre,
        post_periods=post,
        estimate=est,
        se=se,
        ci_low=lo,
        ci_high=hi,
        p_value=pv,
        vcov=vcov,
        n_obs=int(fit.n_obs),
        n_units=n_units,
        n_clusters=int(fit.n_clusters or 0),
        df=int(fit.df),
        alpha=float(alpha),
        pretrend_f=float(f),
        pretrend_p=float(p_f),
        pretrend_df=(int(q), int(dfd)),
    )


@dataclass(frozen=True)
class RobustInterval:
    """Rambachan-Roth relative-magnitudes bounds and interval for one post-programme target."""

    target: str
    mbar: float
    estimate: float
    se: float
    max_pre_change: float
    lb: float
    ub: float
    ci_low: float
    ci_high: float
    breakdown_mbar: float | None

    def to_dict(self) -> dict[str, object]:
        """The fields as a dict (``breakdown_mbar`` left out when undefined).

        Returns
        -------
        dict
            ``target``, ``mbar``, ``estimate``, ``se``, ``max_pre_change``, ``lb``, ``ub``, ``ci_low``, ``ci_high``
            and ``breakdown_mbar``.
        """
        out = {
            k: getattr(self, k)
            for k in ("target", "mbar", "estimate", "se", "max_pre_change", "lb", "ub", "ci_low", "ci_high")
        }
        if self.breakdown_mbar is not None:
            out["breakdown_mbar"] = self.breakdown_mbar
        return out


def relative_magnitudes(es: EventStudy, target: str, mbar: float = 1.0, df: float | None = None) -> RobustInterval:
    r"""Rambachan-Roth relative-magnitudes (:math:`\Delta^{RM}(\bar M)`) bounds and interval for one post wave.

    .. math::

        \hat B = \max_{s<0} |\hat\beta_{s+1} - \hat\beta_s| \ (\hat\beta_0 = 0), \quad K = j, \quad
        [\mathrm{lb}, \mathrm{ub}] = \hat\beta_j \mp \bar M \hat B K, \quad
        \mathrm{ci} = [\mathrm{lb} - c\,\mathrm{se}_j,\ \mathrm{ub} + c\,\mathrm{se}_j],

    with ``j`` the target's position among the post-programme waves (1 for the first) and :math:`c` the
    :math:`1-\alpha/2` quantile of t(``df``) (``df=float("inf")``: the normal quantile).
    See the module docstring for what this interval does and does not account for.

    Parameters
    ----------
    es : EventStudy
        An event study with at least one pre-programme wave (:func:`event_study`).
    target : str
        A post-programme wave of ``es`` (e.g. ``"endline"``).
    mbar : float, default 1.0
        :math:`\bar M >= 0`: post-programme wave-to-wave changes of the differential trend up to ``mbar`` times the
        largest pre-programme one.
    df : float, optional
        Degrees of freedom of the critical value; default ``es.df`` (G - 1), as the event study's own intervals.

    Returns
    -------
    RobustInterval
        ``estimate`` and ``se`` of the target (outcome units), ``max_pre_change`` :math:`\hat B`, the identified
        set ``lb``, ``ub``, the interval ``ci_low``, ``ci_high`` (outcome units) and ``breakdown_mbar``
        :math:`\max(0, |\hat\beta_j| - c\,\mathrm{se}_j) / (\hat B K)` (``None`` when :math:`\hat B = 0`: no
        :math:`\bar M` widens the interval).

    Raises
    ------
    ValueError
        When ``es`` has no pre-programme wave, ``target`` is not a post-programme wave, ``mbar`` is negative or not
        finite, or the target's SE is not positive.

    References
    ----------
    Rambachan, A. and Roth, J. (2023). *Review of Economic Studies* 90(5), 2555-2591, section 2.4.2 and Lemma 2.2.
    ``diff-diff`` 3.13, ``diff_diff.honest_did.HonestDiD(method="relative_magnitude")`` (same construction).
    """
    if not es.pre_periods:
        raise ValueError("relative_magnitudes needs at least one pre-programme wave before the reference")
    if target not in es.post_periods:
        raise ValueError(f"relative_magnitudes: {target!r} is not a post-programme wave of {es.post_periods}")
    if not (math.isfinite(mbar) and mbar >= 0):
        raise ValueError(f"relative_magnitudes: mbar must be a finite number >= 0, got {mbar}")
    pre = np.asarray([es.estimate[es.index(p)] for p in es.pre_periods] + [0.0])
    b = float(np.max(np.abs(np.diff(pre))))
    j = es.post_periods.index(target) + 1
    theta = float(es.estimate[es.index(target)])
    se = float(es.se[es.index(target)])
    if not se > 0:
        raise ValueError(f"relative_magnitudes: the SE of {target!r} is not positive")
    c = t_critical(es.df if df is None else df, es.alpha)  # df = inf gives the normal quantile
    half = mbar * b * j
    lb, ub = theta - half, theta + half
    room = max(0.0, abs(theta) - c * se)
    brk = room / (b * j) if b > 0 else None
    return RobustInterval(target, float(mbar), theta, se, b, lb, ub, lb - c * se, ub + c * se, brk)
