"""Degenerate outcomes: an outcome of a scope that no estimator can turn into an effect with an interval.

Real survey data of one region can leave an outcome without the information an estimate needs: a renamed question
leaves it empty in one wave, a 0/1 outcome is 0 for every family of a region in both waves, one arm has a single
family with both interviews. Such an outcome is *not estimable* in that scope; every other outcome is. The
statistics say so per outcome, with a reason code, instead of raising for the whole scope or reporting a
zero-width interval ``[0, 0]`` (which a reader would take for an exact, or an unclear, effect).

Reason codes (:data:`REASONS`), checked in this order by :func:`outcome_degeneracy`:

``no_data``
    No family has a value of the outcome in a wave (``wave`` names it), or the column is absent.
``too_few_families``
    Fewer than two families of an arm (``arm``: ``prokus`` or ``comparison``) have the outcome in both waves:
    an arm's mean change has no variance to estimate.
``no_variation``
    Every family has the same value in both waves (e.g. no family received social assistance again): there is
    no change to estimate and no variance to test it with. The outcome "did not vary".
``no_variation_in_change``
    The outcome varies, but its change between the waves is the same for every family of each arm: the
    difference of mean changes is exact and has no standard error.
``no_variation_in_reference``
    (summary indices only) The component does not vary among the comparison families at baseline, whose
    standard deviation standardises it (:func:`evaluation.stats.indices.add_indices`).
``one_cluster``
    The estimation sample has fewer than two clusters, so no cluster-robust variance exists.
``no_overlap``
    (doubly robust DiD only, :func:`evaluation.stats.estimators.drdid`) The comparison families cannot be
    reweighted to the covariates of the ProKUS families: some covariate values occur among ProKUS families only
    (perfect separation of the propensity score), so no comparison family stands for them.
``no_cluster_variation``
    The cluster-robust standard error is zero although the outcome varies: the residuals cancel within every
    cluster, e.g. when each arm lies in a single village. A t statistic would be 0/0 (the wild bootstrap and
    Romano-Wolf leave such an outcome out).
``arm_in_one_cluster``
    Every family of an arm (``arm``) with the outcome in both waves lives in one village (cluster). That
    village's shock cannot be told apart from the programme's effect: with one village per arm the CRV1 standard
    error is zero up to rounding (a "p < 0.0001" that means nothing), with one treated village CRV1 and the wild
    bootstrap over-reject badly (MacKinnon and Webb 2017, *J. Applied Econometrics* 32(2)), and the cluster
    jackknife (CRV3) does not exist (leaving that village out leaves the arm empty). When all families of the
    estimate live in one village the reason is ``one_cluster``.
``no_p_value``
    (multiple testing only) The outcome has an estimate but no p-value (NaN); the corrections leave it out of
    the count of tests, as R's ``p.adjust`` does.

:class:`NotEstimable` is the ``ValueError`` the estimators raise for these cases (a subclass, so callers that
already catch ``ValueError`` for degenerate designs keep working); its ``reason`` is one of the codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings

__all__ = ["REASONS", "Degeneracy", "NotEstimable", "outcome_degeneracy", "reason_of", "require_finite"]

REASONS = (
    "no_data",
    "too_few_families",
    "no_variation",
    "no_variation_in_change",
    "no_variation_in_reference",
    "one_cluster",
    "no_overlap",
    "no_cluster_variation",
    "arm_in_one_cluster",
    "no_p_value",
)
_ARMS = {1: "prokus", 0: "comparison"}


@dataclass(frozen=True)
class Degeneracy:
    """Why an outcome is not estimable in a scope.

    Parameters
    ----------
    outcome : str
        The outcome column.
    reason : str
        One of :data:`REASONS`.
    wave : str, optional
        The wave without data (``no_data``).
    arm : str, optional
        The arm (``prokus`` or ``comparison``) with too few families (``too_few_families``).
    """

    outcome: str
    reason: str
    wave: str | None = None
    arm: str | None = None

    @property
    def message(self) -> str:
        """A one-line technical description in English (the ``status`` keys; readers get catalogue words)."""
        o = self.outcome
        return {
            "no_data": f"no family has a value of {o!r} in wave {self.wave!r}" if self.wave else f"{o!r} is absent",
            "too_few_families": f"fewer than 2 {self.arm} families have {o!r} in both waves",
            "no_variation": f"{o!r} did not vary: every family has the same value in both waves",
            "no_variation_in_change": f"the change of {o!r} is the same for every family of each group",
            "no_variation_in_reference": f"{o!r} does not vary among the comparison families at baseline",
            "one_cluster": f"fewer than 2 clusters have {o!r}",
            "no_overlap": f"no comparison families resemble the ProKUS families in their covariates ({o!r})",
            "no_cluster_variation": f"the cluster-robust standard error of {o!r} is zero",
            "arm_in_one_cluster": f"every {self.arm or 'one arm'} family with {o!r} lives in a single cluster",
            "no_p_value": f"{o!r} has no p-value",
        }[self.reason]

    def error(self) -> NotEstimable:
        """The :class:`NotEstimable` error that carries this degeneracy.

        Returns
        -------
        NotEstimable
            The error (not raised).
        """
        return NotEstimable(self.reason, self.message, wave=self.wave, arm=self.arm)


class NotEstimable(ValueError):
    """An outcome that is valid data but carries no information for the estimate (see the module docstring).

    Parameters
    ----------
    reason : str
        One of :data:`REASONS`.
    message : str
        The technical message.
    wave, arm : str, optional
        The wave or arm concerned.
    """

    def __init__(self, reason: str, message: str, *, wave: str | None = None, arm: str | None = None) -> None:
        if reason not in REASONS:
            raise ValueError(f"reason must be one of {REASONS}, got {reason!r}")
        super().__init__(f"{message} ({reason})")
        self.reason = reason
        self.wave = wave
        self.arm = arm


def reason_of(exc: BaseException) -> str | None:
    """The reason code of an estimator's error: :class:`NotEstimable`'s, ``one_cluster`` for too few clusters.

    Parameters
    ----------
    exc : BaseException
        An error an estimator raised.

    Returns
    -------
    str or None
        A code of :data:`REASONS`, or ``None`` for another error.
    """
    if isinstance(exc, NotEstimable):
        return exc.reason
    text = str(exc)
    if "cluster" in text and ("at least 2 clusters" in text or "need at least 2" in text):
        return "one_cluster"
    return None


def outcome_degeneracy(
    panel: pd.DataFrame,
    outcome: str,
    design: DesignSettings,
    *,
    arms: Sequence[int] = (1, 0),
    treated: str = "treated",
) -> Degeneracy | None:
    """Whether ``outcome`` is degenerate in ``panel`` for a panel estimate over ``arms``, and why.

    The checks, in order: ``no_data``, ``too_few_families``, ``one_cluster`` and ``arm_in_one_cluster`` (only when
    ``panel`` has the design's cluster column), ``no_variation``, ``no_variation_in_change``.

    Parameters
    ----------
    panel : pandas.DataFrame
        Long analysis table of one scope (one row per family and wave) with ``treated`` (0/1).
    outcome : str
        The outcome column.
    design : DesignSettings
        Column names of unit and period and the two wave labels.
    arms : sequence of int, default (1, 0)
        The arms the estimate compares: ``(1, 0)`` for a difference-in-differences, ``(1,)`` for the
        before/after change of ProKUS families.
    treated : str, default "treated"
        The 0/1 arm column.

    Returns
    -------
    Degeneracy or None
        The first reason of :data:`REASONS` that applies, or ``None`` when the outcome can be estimated.

    Raises
    ------
    KeyError
        When the unit, period or ``treated`` column is missing.
    """
    if outcome not in panel:
        return Degeneracy(outcome, "no_data")
    period = panel[design.period]
    y = pd.to_numeric(panel[outcome], errors="coerce")
    for wave in (design.before, design.after):
        if not y[period == wave].notna().any():
            return Degeneracy(outcome, "no_data", wave=str(wave))
    wide = pd.DataFrame({"unit": panel[design.unit], "period": period, "y": y}).dropna()
    wide = wide[wide["period"].isin([design.before, design.after])]
    wide = wide.pivot_table(index="unit", columns="period", values="y", aggfunc="first").dropna()
    arm_of = panel.drop_duplicates(design.unit).set_index(design.unit)[treated].reindex(wide.index)
    for arm in arms:
        if int((arm_of == arm).sum()) < 2:
            return Degeneracy(outcome, "too_few_families", arm=_ARMS.get(arm, str(arm)))
    if design.cluster in panel:  # the arm's families all in one village: its shock is the arm's, no CRV1
        cluster_of = panel.drop_duplicates(design.unit).set_index(design.unit)[design.cluster].reindex(wide.index)
        if cluster_of[arm_of.isin(list(arms)).to_numpy()].nunique() < 2:
            return Degeneracy(outcome, "one_cluster")
        for arm in arms:
            if cluster_of[(arm_of == arm).to_numpy()].nunique() < 2:
                return Degeneracy(outcome, "arm_in_one_cluster", arm=_ARMS.get(arm, str(arm)))
    used = wide[arm_of.isin(list(arms)).to_numpy()]
    values = used.to_numpy(dtype=float)
    if np.ptp(values) == 0:
        return Degeneracy(outcome, "no_variation")
    change = (used[design.after] - used[design.before]).to_numpy(dtype=float)
    arm_used = arm_of[arm_of.isin(list(arms))].to_numpy()
    if all(np.ptp(change[arm_used == arm]) == 0 for arm in arms):
        return Degeneracy(outcome, "no_variation_in_change")
    return None


def require_finite(**values: object) -> None:
    """Refuse a missing (NaN) or infinite number among the named arguments, with a message naming the argument.

    The public statistics call it on the inputs they cannot use: a NaN would otherwise flow silently into a NaN
    (or, worse, a finite but meaningless) result.

    Parameters
    ----------
    **values : object
        Argument name -> a number or an array of numbers.

    Raises
    ------
    ValueError
        ``"<name> has <k> missing or infinite value(s)"`` for the first argument that has one.
    """
    for name, value in values.items():
        arr = np.asarray(value, dtype=float)
        bad = int(arr.size - np.isfinite(arr).sum())
        if bad:
            raise ValueError(f"{name} has {bad} missing or infinite value(s); drop those rows or fix the input first")
