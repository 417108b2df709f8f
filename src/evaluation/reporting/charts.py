"""The briefs' charts, drawn from ``results.json`` only (matplotlib object API, never the implicit figure).

Readable in greyscale: groups differ by marker and line style, statuses by symbol and hatching, not colour alone;
titles and axis labels in the brief's language; units on the axes; the data source in the figure and the caption.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from evaluation.core.atomic import replacing_file
from evaluation.core.keys import key
from evaluation.reporting.view import ResultsView
from evaluation.text import figures
from evaluation.text.formats import format_number
from evaluation.text.monitoring import COLOURS, SYMBOLS

DARK = figures.DARK
HATCH = {"on_track": "", "needs_attention": "///", "off_track": "xxx", "no_data": ".."}
RATIO_CAP = 1.6  # bars beyond 160% of target are drawn to the cap and labelled with their value


def _ticks(lang: str) -> plt.FuncFormatter:
    """Axis numbers in the reader's locale: ``1.200.000`` and ``0,5`` (id), ``1,200,000`` and ``0.5`` (en)."""

    def fmt(v: float, _pos: int) -> str:
        if abs(v) >= 1000 or v == int(v):
            return format_number(v, lang, 0)
        return format_number(v, lang, 2).rstrip("0")

    return plt.FuncFormatter(fmt)


def _source(fig: plt.Figure, source: str) -> None:
    fig.text(0.01, 0.008, source, fontsize=6.5, color="#333333")


def _fixed_layout(fig: plt.Figure, left: float, wspace: float, right: float = 0.98) -> None:
    """Margins in inches turned into figure fractions (``tight_layout`` measures every label: slow)."""
    h = fig.get_figheight()
    top = 1 - 0.55 / h
    bottom = 0.55 / h
    fig.subplots_adjust(left=left, right=right, top=top, bottom=bottom, wspace=wspace, hspace=min(0.9, 1.6 / h + 0.25))


def before_after_chart(
    view: ResultsView,
    scope: str,
    outcomes: Sequence[str],
    labels: Mapping[str, str],
    units: Mapping[str, str],
    words: Mapping[str, str],
    title: str,
    source: str,
    lang: str = "id",
) -> plt.Figure:
    """Small multiples: ProKUS and comparison means before and after, with the recorded 95% intervals."""
    shown = [o for o in outcomes if view.get(key(scope, o, "means", "prokus_before")) is not None]
    k = max(len(shown), 1)
    ncols = 2 if k > 1 else 1
    nrows = int(np.ceil(k / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.0, 2.15 * nrows + 0.55), squeeze=False)
    for ax, outcome in zip(axes.flat, shown, strict=False):
        for group in ("prokus", "comparison"):
            means = [view.get(key(scope, outcome, "means", f"{group}_{w}")) for w in ("before", "after")]
            if any(m is None for m in means):
                continue
            lo = [
                view.get(key(scope, outcome, "means", f"{group}_{w}_ci_low"), m)
                for w, m in zip(("before", "after"), means, strict=True)
            ]
            hi = [
                view.get(key(scope, outcome, "means", f"{group}_{w}_ci_high"), m)
                for w, m in zip(("before", "after"), means, strict=True)
            ]
            err = np.array(
                [[m - a for m, a in zip(means, lo, strict=True)], [b - m for m, b in zip(means, hi, strict=True)]]
            )
            offset = -0.05 if group == "prokus" else 0.05
            ax.errorbar(
                np.array([0, 1]) + offset, means, yerr=err, capsize=3, label=words[group], **figures.STYLE[group]
            )
        ax.set_xticks([0, 1], [words["before"], words["after"]])
        ax.set_xlim(-0.4, 1.4)
        ax.set_title(labels[outcome], fontsize=8.5, y=1.0)
        ax.set_ylabel(units[outcome], fontsize=7.5)
        ax.ticklabel_format(axis="y", style="plain", useOffset=False)
        ax.yaxis.set_major_formatter(_ticks(lang))
        ax.tick_params(labelsize=7.5)
    for ax in list(axes.flat)[len(shown) :]:
        ax.set_visible(False)
    handles, leg = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, leg, loc="upper right", ncols=2, frameon=False, fontsize=8)
    fig.suptitle(title, x=0.02, ha="left", fontsize=9.5, fontweight="bold")
    _source(fig, source)
    _fixed_layout(fig, left=0.13, wspace=0.38)
    return fig


def subgroup_chart(
    view: ResultsView,
    scope: str,
    scopes: Sequence[str],
    outcomes: Sequence[str],
    labels: Mapping[str, str],
    scope_labels: Mapping[str, str],
    title: str,
    source: str,
    units: Mapping[str, tuple[float, str]] | None = None,
    lang: str = "id",
) -> plt.Figure:
    """Forest plot of the DiD effect of each headline outcome by subgroup (region) and nationally.

    Subgroups are the scopes with a ``<scope>.<outcome>.did`` estimate in the results; this brief's own scope is
    drawn filled and black, the others hollow, the nation as a diamond. ``units[outcome] = (scale, axis label)``
    (e.g. ``(100, "percentage points")`` for a 0/1 outcome).
    """
    units = units or {}
    k = max(len(outcomes), 1)
    ncols = 2 if k > 1 else 1
    nrows = int(np.ceil(k / ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(7.0, (0.27 * len(scopes) + 0.85) * nrows + 0.5), squeeze=False)
    for i, (ax, outcome) in enumerate(zip(axes.flat, outcomes, strict=False)):
        y = np.arange(len(scopes))[::-1]
        scale, unit = units.get(outcome, (1.0, ""))
        for yi, s in zip(y, scopes, strict=True):
            iv = view.interval(s, outcome, "did")
            if iv is None:
                continue
            own = s == scope
            ax.plot(
                [scale * iv.ci_low, scale * iv.ci_high],
                [yi, yi],
                color="black" if own else "#555555",
                linewidth=2.0 if own else 1.2,
            )
            ax.plot(
                [scale * iv.estimate],
                [yi],
                marker="D" if s == "national" else "o",
                markersize=6,
                color="black" if own else "#555555",
                markerfacecolor="black" if own else "white",
                linestyle="none",
            )
        ax.axvline(0, color="black", linewidth=0.7, linestyle=":")
        ax.set_yticks(y, [scope_labels[s] for s in scopes] if i % ncols == 0 else [""] * len(scopes), fontsize=7.5)
        ax.set_title(labels[outcome], fontsize=8.5, y=1.0)
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        ax.xaxis.set_major_formatter(_ticks(lang))
        ax.xaxis.set_major_locator(plt.MaxNLocator(4))
        ax.tick_params(axis="x", labelsize=7)
        ax.set_xlabel(unit, fontsize=7.5)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    fig.suptitle(title, x=0.02, ha="left", fontsize=9.5, fontweight="bold")
    _source(fig, source)
    # room for the longest name (7.5 pt, about 0.6 em per character), at least the five regions' 0.24
    longest = max((len(scope_labels[s]) for s in scopes), default=0)
    _fixed_layout(fig, left=max(0.24, min(0.45, (longest * 7.5 * 0.6 / 72 + 0.15) / 7.0)), wspace=0.1)
    return fig


def household_subgroup_chart(
    view: ResultsView,
    scope: str,
    outcomes: Sequence[str],
    labels: Mapping[str, str],
    rows: Sequence[tuple[str, str | None, str]],
    title: str,
    source: str,
    units: Mapping[str, tuple[float, str]] | None = None,
    lang: str = "id",
) -> plt.Figure:
    """Forest plot of the DiD effect within family subgroups (sex of head, business type, income tercile).

    ``rows``: ``(subgroup, level, label)`` top to bottom; ``level`` None marks a group heading (bold, no point).
    Points come from ``<scope>.<outcome>.het_<subgroup>.<level>_{estimate,ci_low,ci_high}``; a level without
    those keys (suppressed: fewer than k families, or not estimable) is left empty. One panel per outcome, side
    by side, sharing the row labels; hollow circles and grey lines print the same in greyscale.
    """
    units = units or {}
    ncols = max(len(outcomes), 1)
    fig, axes = plt.subplots(1, ncols, figsize=(7.0, 0.18 * len(rows) + 1.3), squeeze=False, sharey=True)
    y = np.arange(len(rows))[::-1]
    for i, (ax, outcome) in enumerate(zip(axes.flat, outcomes, strict=False)):
        scale, unit = units.get(outcome, (1.0, ""))
        for yi, (sg, lv, _) in zip(y, rows, strict=True):
            if not lv:  # a heading (None) or a hidden level ("", labelled with the suppression mark): no point
                continue
            vals = [view.get(key(scope, outcome, f"het_{sg}", f"{lv}_{f}")) for f in ("estimate", "ci_low", "ci_high")]
            if any(v is None for v in vals):
                continue
            est, lo, hi = (scale * float(v) for v in vals)
            ax.plot([lo, hi], [yi, yi], color="#444444", linewidth=1.3)
            ax.plot([est], [yi], marker="o", markersize=5, color="black", markerfacecolor="white", linestyle="none")
        ax.axvline(0, color="black", linewidth=0.7, linestyle=":")
        ax.set_title(textwrap.fill(labels[outcome], 26), fontsize=8, y=1.0)
        ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        ax.xaxis.set_major_formatter(_ticks(lang))
        ax.xaxis.set_major_locator(plt.MaxNLocator(3))
        ax.tick_params(axis="x", labelsize=7)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel(unit, fontsize=7.5)
        if i == 0:
            ax.set_yticks(y, [r[2] for r in rows], fontsize=7.5)
            for tick, (_, lv, _) in zip(ax.get_yticklabels(), rows, strict=True):
                if lv is None:
                    tick.set_fontweight("bold")
        ax.set_ylim(-0.7, len(rows) - 0.3)
    fig.suptitle(title, x=0.02, ha="left", fontsize=9.5, fontweight="bold")
    _source(fig, source)
    _fixed_layout(fig, left=0.22, wspace=0.3, right=0.95)  # room for the outer tick labels of the panels
    return fig


def scorecard_chart(
    rows: Sequence[tuple[str, float | None, str]],
    title: str,
    xlabel: str,
    source: str,
) -> plt.Figure:
    """Horizontal bars of realisation / target per indicator; status by symbol, hatching and colour.

    ``rows``: (label, ratio or None, status). Negative ratios (a change in the wrong direction) are drawn from 0
    to the left; ratios beyond :data:`RATIO_CAP` are drawn to the cap and labelled with their value.
    """
    fig, ax = plt.subplots(figsize=(7.0, 0.26 * len(rows) + 1.0))
    y = np.arange(len(rows))[::-1]
    for yi, (_, ratio, status) in zip(y, rows, strict=True):
        r = 0.0 if ratio is None else float(np.clip(ratio, -0.6, RATIO_CAP))
        ax.barh(
            yi,
            100 * r,
            color=COLOURS[status],
            edgecolor="black",
            linewidth=0.6,
            hatch=HATCH[status],
            height=0.62,
        )
        text = "–" if ratio is None else f"{100 * ratio:.0f}%"
        ax.text(max(100 * r, 0) + 2, yi, f"{SYMBOLS[status]} {text}", va="center", fontsize=7.5)
    ax.axvline(100, color="black", linewidth=0.8, linestyle="--")
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_yticks(y, [r[0] for r in rows], fontsize=7.5)
    ax.set_xlim(-60, 100 * RATIO_CAP + 35)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.tick_params(axis="x", labelsize=7.5)
    fig.suptitle(title, x=0.02, ha="left", fontsize=9.5, fontweight="bold")
    _source(fig, source)
    _fixed_layout(fig, left=0.4, wspace=0.0)
    return fig


def tick_label_overlaps(fig: plt.Figure) -> list[tuple[str, str]]:
    """Pairs of visible tick labels that overlap, or that stick out of the figure (a clipped label pairs with "").

    Used by the tests to check that no chart of a brief has colliding or clipped tick labels.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = []
    for ax in fig.axes:
        for axis, i in ((ax.xaxis, 0), (ax.yaxis, 1)):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_ticklabels():
                at = tick.get_position()[i]
                drawn = lo - 1e-9 * max(1.0, abs(hi - lo)) <= at <= hi + 1e-9 * max(1.0, abs(hi - lo))
                if drawn and tick.get_visible() and tick.get_text().strip():
                    boxes.append((tick.get_text(), tick.get_window_extent(renderer)))
    whole = fig.bbox
    bad = []
    for i, (text, box) in enumerate(boxes):
        if box.x0 < whole.x0 - 1 or box.x1 > whole.x1 + 1 or box.y0 < whole.y0 - 1 or box.y1 > whole.y1 + 1:
            bad.append((text, ""))
        for other, obox in boxes[i + 1 :]:
            if box.overlaps(obox) and box.intersection(box, obox).width > 1 and box.intersection(box, obox).height > 1:
                bad.append((text, other))
    return bad


def save(fig: plt.Figure, path: Path, dpi: int = 120) -> Path:
    """Save as PNG with fixed metadata (same numbers, same bytes) and close the figure.

    The layout is already tight (``tight_layout``), so no ``bbox_inches="tight"``: that would draw twice.
    """
    try:
        with replacing_file(path) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi, metadata={"Software": None})
    finally:
        plt.close(fig)
    return path
