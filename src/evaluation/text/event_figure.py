"""The event-study figure: each wave's ProKUS-minus-comparison difference against the last pre-programme wave.

Drawn with the style of :mod:`evaluation.text.figures` (object API, greyscale-safe: pre-programme waves hollow
squares, later waves filled circles; every axis names its unit) and saved with :func:`~evaluation.text.figures.
save_png`, so the same numbers give the same bytes.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from evaluation.text.figures import DARK, plt

__all__ = ["event_study_figure"]


def event_study_figure(
    table: pd.DataFrame,
    outcomes: Sequence[str],
    labels: Mapping[str, str],
    wave_labels: Mapping[str, str],
    title: str,
    ylabel: str,
    source: str,
) -> plt.Figure:
    """Small multiples, one panel per outcome: coefficient and 95% interval of every wave, the reference at 0.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``outcome``, ``period``, ``relative`` (wave position, 0 = reference), ``estimate``, ``ci_low``,
        ``ci_high`` (outcome units) and ``reference`` (bool), as :meth:`evaluation.stats.pretrends.EventStudy.table`
        with an ``outcome`` column.
    outcomes : sequence of str
        Outcomes to draw, in order.
    labels : mapping
        Panel title of each outcome (label with unit).
    wave_labels : mapping
        Axis label of each wave.
    title, ylabel, source : str
        Figure title, y-axis label and the data-source line.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (closed by :func:`evaluation.text.figures.save_png`).
    """
    k = max(len(outcomes), 1)
    ncols = 2 if k > 1 else 1
    nrows = int(np.ceil(k / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.2, 2.6 * nrows + 0.7), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        sub = table[table["outcome"] == outcome].sort_values("relative")
        x = sub["relative"].to_numpy(dtype=float)
        est = sub["estimate"].to_numpy(dtype=float)
        lo, hi = sub["ci_low"].to_numpy(dtype=float), sub["ci_high"].to_numpy(dtype=float)
        pre = x <= 0
        ax.axhline(0, color="black", linewidth=0.8)
        ax.axvline(0.5, color="#444444", linewidth=0.8, linestyle=":")
        ax.vlines(x, lo, hi, color=DARK, linewidth=1.4)
        ax.plot(x[pre], est[pre], marker="s", linestyle="none", color=DARK, markerfacecolor="white")
        ax.plot(x[~pre], est[~pre], marker="o", linestyle="none", color=DARK)
        ax.set_xticks(x, [textwrap.fill(wave_labels.get(p, p), 11) for p in sub["period"]], fontsize=7)
        ax.set_title(labels[outcome], fontsize=9)
        ax.set_ylabel(ylabel, fontsize=7)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(title, x=0.02, ha="left", fontsize=10, fontweight="bold")
    fig.text(0.01, 0.005, source, fontsize=7, color="#444444")
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    return fig
