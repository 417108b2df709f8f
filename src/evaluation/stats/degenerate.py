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

:class:`NotEstimable` is the ``ValueError`` the estimators raise for these cases (a subclass, so callers that
already catch ``ValueError`` for degenerate designs keep working); its ``reason`` is one of the codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.core.config import DesignSettings

__all__ = ["REASONS", "Degeneracy", "NotEstimable", "outcome_degeneracy", "reason_of"]

REASONS = (
    "no_data",
    "too_few_families",
    "no_variation",
    "no_variation_in_change",
    "no_variation_in_reference",
    "one_cluster",
    "no_overlap",
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
    used = wide[arm_of.isin(list(arms)).to_numpy()]
    values = used.to_numpy(dtype=float)
    if np.ptp(values) == 0:
        return Degeneracy(outcome, "no_variation")
    change = (used[design.after] - used[design.before]).to_numpy(dtype=float)
    arm_used = arm_of[arm_of.isin(list(arms))].to_numpy()
    if all(np.ptp(change[arm_used == arm]) == 0 for arm in arms):
        return Degeneracy(outcome, "no_variation_in_change")
    return None
