"""Report figures (matplotlib, object API only: ``fig, ax = plt.subplots()``, never the implicit figure).

Each function takes tidy tables and labels and returns a :class:`matplotlib.figure.Figure`; :func:`save_png`
writes it with fixed metadata so that the same numbers give the same bytes. Figures stay readable in greyscale:
groups differ by marker and line style, not colour alone, and every axis names its unit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from evaluation.core.atomic import replacing_file

plt.rcParams.update(
    {
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "svg.hashsalt": "prokus",
        "path.simplify": False,
    }
)
DARK = "#1b3a5c"
LIGHT = "#8a8a8a"
STYLE = {
    "prokus": {"color": DARK, "marker": "o", "linestyle": "-"},
    "comparison": {"color": LIGHT, "marker": "s", "linestyle": "--"},
}


def save_png(fig: plt.Figure, path: str | Path, dpi: int = 110) -> Path:
    """Save ``fig`` as PNG with fixed metadata (byte-identical for identical content) and close it."""
    p = Path(path)
    try:
        with replacing_file(p) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None}, bbox_inches="tight")
    finally:
        plt.close(fig)
    return p


def before_after_figure(
    means: pd.DataFrame,
    outcomes: Sequence[str],
    labels: Mapping[str, str],
    group_labels: Mapping[str, str],
    wave_labels: Mapping[str, str],
    title: str,
    source: str,
) -> plt.Figure:
    """Small multiples: mean of each outcome before and after, ProKUS vs comparison, with 95% intervals of the mean.

    ``means`` has columns outcome, group ('prokus'/'comparison'), wave ('before'/'after'), mean, sd, n and
    ci_half, the half-width of the mean's t interval (:func:`evaluation.stats.effects.group_means`).
    """
    k = len(outcomes)
    ncols = 2 if k > 1 else 1
    nrows = int(np.ceil(k / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.2, 2.6 * nrows + 0.6), squeeze=False)
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        sub = means[means["outcome"] == outcome]
        for group in ("prokus", "comparison"):
            g = sub[sub["group"] == group].set_index("wave").reindex(["before", "after"])
            if g["mean"].isna().all():
                continue
            err = g["ci_half"].fillna(0.0).to_numpy(dtype=float)  # no bar where the mean has no interval
            offset = -0.04 if group == "prokus" else 0.04
            ax.errorbar(
                np.array([0, 1]) + offset, g["mean"], yerr=err, capsize=3, label=group_labels[group], **STYLE[group]
            )
        ax.set_xticks([0, 1], [wave_labels["before"], wave_labels["after"]])
        ax.set_xlim(-0.4, 1.4)
        ax.set_title(labels[outcome], fontsize=9)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
    for ax in list(axes.flat)[k:]:
        ax.set_visible(False)
    handles, leg = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, leg, loc="upper right", ncols=2, frameon=False)
    fig.suptitle(title, x=0.02, ha="left", fontsize=10, fontweight="bold")
    fig.text(0.01, 0.005, source, fontsize=7, color="#444444")
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    return fig


def relative_effects(
    effects: pd.DataFrame, baseline_means: Mapping[str, float], labels: Mapping[str, str]
) -> list[tuple[str, float, float, float]]:
    """Each outcome's effect and interval as a percent of the ProKUS baseline mean: (label, est, lo, hi).

    Outcomes whose baseline mean is zero or missing are left out. A relative change is a percent (``+32%``), never
    percentage points (see :mod:`evaluation.text.formats`).
    """
    rows = []
    for _, r in effects.iterrows():
        base = baseline_means.get(r["outcome"], float("nan"))
        if not np.isfinite(base) or base == 0:
            continue
        rows.append(
            (
                labels[r["outcome"]],
                100 * r["estimate"] / abs(base),
                100 * r["ci_low"] / abs(base),
                100 * r["ci_high"] / abs(base),
            )
        )
    return rows


def alt_text(title: str, items: Sequence[str]) -> str:
    """The alt text of a figure: its title, then what it shows, item by item (a screen reader reads it whole).

    Parameters
    ----------
    title : str
        The figure's title.
    items : sequence of str
        One short description per drawn element ("Pendapatan rumah tangga: +18% [-5%; +41%]").

    Returns
    -------
    str
        ``"<title>. <item>; <item>."``.
    """
    body = "; ".join(i for i in items if i)
    return f"{title}. {body}." if body else f"{title}."


def effects_figure(
    effects: pd.DataFrame,
    baseline_means: Mapping[str, float],
    labels: Mapping[str, str],
    title: str,
    xlabel: str,
    source: str,
) -> plt.Figure:
    """Coefficient plot: each outcome's DiD effect and 95% interval as a percentage of the ProKUS baseline mean.

    Outcomes have different units; dividing by the baseline mean puts them on one axis. Outcomes whose baseline
    mean is zero are left out.
    """
    rows = relative_effects(effects, baseline_means, labels)
    fig, ax = plt.subplots(figsize=(7.2, 0.38 * max(len(rows), 1) + 1.3))
    y = np.arange(len(rows))[::-1]
    for yi, (_, est, lo, hi) in zip(y, rows, strict=True):
        excludes_zero = lo > 0 or hi < 0
        ax.plot([lo, hi], [yi, yi], color=DARK, linewidth=1.6)
        ax.plot(
            [est],
            [yi],
            marker="o",
            markersize=6,
            color=DARK,
            markerfacecolor=DARK if excludes_zero else "white",
            linestyle="none",
        )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [r[0] for r in rows])
    ax.set_xlabel(xlabel)
    ax.set_title(title, loc="left", fontsize=10, fontweight="bold")
    fig.text(0.01, 0.005, source, fontsize=7, color="#444444")
    fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def forest_figure(
    effects: pd.DataFrame,
    outcomes: Sequence[str],
    labels: Mapping[str, str],
    scope_labels: Mapping[str, str],
    title: str,
    source: str,
) -> plt.Figure:
    """Forest plot: DiD effect and 95% interval by region (and the nation, drawn as a diamond) per outcome.

    ``effects`` has columns scope, outcome, estimate, ci_low, ci_high.
    """
    k = len(outcomes)
    ncols = 2 if k > 1 else 1
    nrows = int(np.ceil(k / ncols))
    scopes = list(scope_labels)
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.4, (0.32 * len(scopes) + 0.9) * nrows + 0.5), squeeze=False)
    for i, (ax, outcome) in enumerate(zip(axes.flat, outcomes, strict=False)):
        sub = effects[effects["outcome"] == outcome].set_index("scope")
        y = np.arange(len(scopes))[::-1]
        for yi, scope in zip(y, scopes, strict=True):
            if scope not in sub.index:
                continue
            r = sub.loc[scope]
            national = scope == "national"
            ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color=DARK, linewidth=1.4)
            ax.plot(
                [r["estimate"]],
                [yi],
                marker="D" if national else "o",
                color=DARK,
                markersize=7 if national else 5,
                linestyle="none",
            )
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_yticks(y, [scope_labels[s] for s in scopes] if i % ncols == 0 else [""] * len(scopes))
        ax.set_title(labels[outcome], fontsize=9)
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    for ax in list(axes.flat)[k:]:
        ax.set_visible(False)
    fig.suptitle(title, x=0.02, ha="left", fontsize=10, fontweight="bold")
    fig.text(0.01, 0.005, source, fontsize=7, color="#444444")
    fig.tight_layout(rect=(0, 0.03, 1, 0.95))
    return fig
