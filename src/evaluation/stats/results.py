"""Result container returned by every estimator of :mod:`evaluation.stats.estimators`.

The design follows the results classes of ``linearmodels`` (a frozen record of the point estimate, its
standard error, the confidence interval, the p-value and the sample bookkeeping), reduced to the single
coefficient of interest that each programme-evaluation estimator reports.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, fields
from typing import Any

__all__ = ["Estimate"]

_METHOD_LABELS = {
    "pre_post": "Before/after (paired change)",
    "did": "Difference-in-differences (2x2)",
    "diff_in_means": "Difference in means",
    "ancova": "ANCOVA (endline on baseline)",
    "drdid": "Doubly robust DiD (Sant'Anna-Zhao, improved)",
}

_INT_FIELDS = frozenset({"n_obs", "n_units", "n_clusters", "df_resid", "n_dropped"})
_STR_FIELDS = frozenset({"method", "outcome", "vcov", "design"})

_VCOV_LABELS = {
    "HC1": "HC1 heteroskedasticity-robust",
    "CRV1": "CRV1 cluster-robust",
    "IF": "influence function",
    "IF-cluster": "influence function, cluster-robust",
}


def _fmt(value: float, digits: int = 6) -> str:
    """Format a number with ``digits`` significant digits, without exponent for everyday magnitudes.

    Large money amounts stay readable (``1,234,568`` rather than ``1.23457e+06``); ``nan`` and ``inf`` are
    kept; very small or very large magnitudes fall back to the general (exponent) format.
    """
    if value is None or math.isnan(value):
        return "nan"
    if value == 0:
        return "0"
    if math.isinf(value):
        return str(value)
    magnitude = math.floor(math.log10(abs(value)))
    if not -4 <= magnitude < 15:
        return f"{value:.{digits}g}"
    decimals = max(0, digits - 1 - magnitude)
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _fmt_p(p: float) -> str:
    """Format a p-value, switching to ``<0.0001`` for very small values."""
    if p is None or math.isnan(p):
        return "nan"
    if p < 1e-4:
        return "<0.0001"
    return f"{p:.4f}"


@dataclass(frozen=True, slots=True)
class Estimate:
    """One estimated programme effect with its inference and sample bookkeeping.

    Parameters
    ----------
    estimate : float
        Point estimate (a mean change, a difference in means or a regression coefficient).
    se : float
        Standard error of ``estimate`` (from the ``vcov`` sandwich estimator).
    ci_low, ci_high : float
        Bounds of the two-sided ``1 - alpha`` confidence interval,
        ``estimate -/+ t_{1-alpha/2, df_resid} * se``.
    p_value : float
        Two-sided p-value of H0: effect = 0 against the t distribution with ``df_resid`` degrees of freedom.
    n_obs : int
        Number of data rows used.
    n_units : int
        Number of units (families) used; equal to ``n_obs`` for cross-sectional designs.
    n_clusters : int or None
        Number of clusters when the variance is clustered, else ``None``.
    method : str
        One of ``'pre_post'``, ``'did'``, ``'diff_in_means'``, ``'ancova'``, ``'drdid'``.
    outcome : str
        Name of the outcome column.
    vcov : str
        ``'HC1'`` (heteroskedasticity-robust), ``'CRV1'`` (cluster-robust), or for ``drdid`` ``'IF'`` /
        ``'IF-cluster'`` (influence-function variance, unclustered or clustered).
    df_resid : int
        Degrees of freedom of the t reference distribution (``n - k`` for HC1, ``G - 1`` for CRV1).
    alpha : float
        Significance level of the confidence interval.
    n_dropped : int
        Units (panel designs) or rows (other designs) dropped because of a missing period or value.
    design : str
        Data design, e.g. ``'panel'``, ``'repeated_cross_section'`` or ``'cross_section'``.

    Notes
    -----
    Modelled on the results classes of ``linearmodels`` (K. Sheppard), restricted to one coefficient.
    """

    estimate: float
    se: float
    ci_low: float
    ci_high: float
    p_value: float
    n_obs: int
    n_units: int
    n_clusters: int | None
    method: str
    outcome: str
    vcov: str
    df_resid: int
    alpha: float
    n_dropped: int
    design: str

    def to_dict(self) -> dict[str, Any]:
        """Return all fields as a dict of plain Python values (``float``, ``int``, ``str`` or ``None``).

        Returns
        -------
        dict
            Field name to value, in field order; suitable for ``json.dumps`` or ``pandas.DataFrame``.
        """
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value is None or f.name in _STR_FIELDS:
                out[f.name] = None if value is None else str(value)
            elif f.name in _INT_FIELDS:
                out[f.name] = int(value)
            else:
                out[f.name] = float(value)
        return out

    def conf_int(self) -> tuple[float, float]:
        """Return the confidence interval.

        Returns
        -------
        tuple of float
            ``(ci_low, ci_high)`` at level ``1 - alpha``.
        """
        return (float(self.ci_low), float(self.ci_high))

    @property
    def level(self) -> float:
        """Confidence level of the interval, ``1 - alpha``."""
        return 1.0 - float(self.alpha)

    def _rows(self) -> list[tuple[str, str]]:
        """Label/value pairs shared by the text and HTML summaries."""
        pct = f"{100 * self.level:g}%"
        clusters = "not clustered" if self.n_clusters is None else str(self.n_clusters)
        return [
            ("Outcome", self.outcome),
            ("Method", _METHOD_LABELS.get(self.method, self.method)),
            ("Design", self.design),
            ("Estimate", _fmt(self.estimate)),
            ("Std. error", _fmt(self.se)),
            (f"{pct} CI", f"[{_fmt(self.ci_low)}, {_fmt(self.ci_high)}]"),
            ("p-value", _fmt_p(self.p_value)),
            ("Observations (rows)", str(self.n_obs)),
            ("Units", str(self.n_units)),
            ("Dropped (missing)", str(self.n_dropped)),
            ("Clusters", clusters),
            ("Variance", _VCOV_LABELS.get(self.vcov, self.vcov)),
            ("t df", str(self.df_resid)),
        ]

    def __str__(self) -> str:
        rows = self._rows()
        width = max(len(label) for label, _ in rows)
        title = f"Estimate: {self.method} ({self.outcome})"
        lines = [title, "=" * max(len(title), 40)]
        lines += [f"{label:<{width}}  {value}" for label, value in rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Return a small HTML table for Jupyter display."""
        body = "".join(
            f"<tr><th style='text-align:left'>{html.escape(label)}</th>"
            f"<td style='text-align:right'>{html.escape(value)}</td></tr>"
            for label, value in self._rows()
        )
        caption = html.escape(f"{_METHOD_LABELS.get(self.method, self.method)}: {self.outcome}")
        return f"<table class='evaluation-estimate'><caption>{caption}</caption><tbody>{body}</tbody></table>"
