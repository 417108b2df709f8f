"""Attrition: rates by characteristic, differential and selective attrition tests, Lee (2009) bounds, IPW DiD."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from evaluation.analysis.context import Computed, Context, Intermediates, View
from evaluation.analysis.display import Sections
from evaluation.analysis.sections._words import Words
from evaluation.core.disclosure import MARK
from evaluation.core.keys import key
from evaluation.stats import attrition, small_cells
from evaluation.stats.degenerate import reason_of
from evaluation.text.degenerate import reason_clause
from evaluation.text.formats import format_percent, format_points

__all__ = ["compute_attrition", "show_attrition"]

RATE_CHARACTERISTICS = ("region_code", "head_sex", "head_age", "business_type")
IPW_COVARIATES = ("household_size", "head_age", "head_sex")


def compute_attrition(ctx: Context, shared: Intermediates) -> Computed:
    """Attrition rates (small cells hidden), the differential and selective tests, Lee bounds and the IPW DiD.

    Parameters
    ----------
    ctx : Context
        The scope (the plan's balance covariates, Lee draws, seed).
    shared : Intermediates
        The scope's shared estimates (the DiD beside the bounds).

    Returns
    -------
    Computed
        Keys ``<scope>.attrition.*``, ``<scope>.<outcome>.{lee,ipw_did}.*`` and the DiD keys; a part that the data
        cannot support (the tests, the Lee bounds or the IPW DiD, e.g. a rank-deficient selection regression in a
        small scope) records ``<scope>.attrition.<part>.status`` (and ``.reason``, a code of
        :data:`evaluation.stats.degenerate.REASONS`, when there is one) and the others still run. Shown: ``rates``
        (one row per characteristic level) with ``mask``, ``tests`` (difference and p-values, or None), ``lee``
        (one row per outcome), ``ipw`` (indexed by outcome), ``did`` (estimates), ``draws`` and ``failed`` (part:
        reason code or None).
    """
    s, d, plan = ctx.scope, ctx.design, ctx.plan
    rates, keys = attrition.attrition_rates(ctx.panel, s, d, list(RATE_CHARACTERISTICS))
    amask, keys = small_cells.attrition_suppression(rates, s, keys, ctx.k)
    out = dict(keys)
    failed: dict[str, str | None] = {}  # part -> reason code (None: too thin, no code), each part fails alone

    def part(name: str, run: Callable[[], tuple[Any, dict[str, Any]]]) -> Any:
        try:
            value, part_keys = run()
        except (ValueError, np.linalg.LinAlgError) as exc:  # thin or degenerate data: this part only
            out[key(s, "attrition", name, "status")] = f"not estimable: {str(exc).splitlines()[0]}"
            failed[name] = reason_of(exc)
            if failed[name] is not None:
                out[key(s, "attrition", name, "reason")] = failed[name]
            return None
        out.update(part_keys)
        return value

    dk = part("tests", lambda: (None, attrition.differential_attrition(
        ctx.panel, s, d, plan.balance, fixed_effects=ctx.fixed_effects)))  # fmt: skip
    tests = None
    if "tests" not in failed:
        dk = {k: v for k, v in out.items() if k.startswith(f"{s}.attrition.")}
        tests = {
            "difference": dk[key(s, "attrition", "difference", "estimate")],
            "p": dk[key(s, "attrition", "difference", "p_value")],
            "p_selective": dk[key(s, "attrition", "selective", "p_value")],
        }
    lee = part("lee", lambda: attrition.lee_bounds_did(
        ctx.panel, s, ctx.outcomes, d, n_boot=plan.inference.lee_draws, seed=ctx.seed))  # fmt: skip
    ipw = part("ipw", lambda: attrition.ipw_did(
        ctx.panel, s, ctx.outcomes, d, IPW_COVARIATES, fixed_effects=ctx.fixed_effects))  # fmt: skip
    did, dkeys = shared.did_all()
    out.update(dkeys)
    shown = {
        "rates": rates,
        "mask": amask,
        "tests": tests,
        "lee": lee if lee is not None else pd.DataFrame(columns=["outcome"]),
        "ipw": (ipw if ipw is not None else pd.DataFrame(columns=["outcome"])).set_index("outcome"),
        "did": did,
        "draws": plan.inference.lee_draws,
        "failed": failed,
    }
    return Computed(out, shown)


def show_attrition(result: Computed, view: View) -> Sections:
    """The attrition rates with the tests' sentence, and the Lee bounds beside the IPW DiD.

    Parameters
    ----------
    result : Computed
        What :func:`compute_attrition` returned.
    view : View
        The display settings.

    Returns
    -------
    Sections
        Two sections.
    """
    w, lang = Words(view), view.lang
    rates, amask, tests = result.shown["rates"], result.shown["mask"], result.shown["tests"]
    lee, ipw, did = result.shown["lee"], result.shown["ipw"], result.shown["did"]
    failed = result.shown.get("failed", {})

    def why(part: str) -> str:
        code = failed[part]
        return w.t("attrition_part_failed_" + part, why=reason_clause(code, lang) if code else w.t("too_thin_data"))

    if tests is not None:
        note = w.x(
            "attrition_note",
            d=format_points(tests["difference"], lang),
            p=w.p(tests["p"]),
            ps=w.p(tests["p_selective"]),
        )
    else:
        note = why("tests")
    rates_out = pd.DataFrame(
        {
            w.x("col_characteristic"): [w.var(c) for c in rates["characteristic"]],
            w.x("col_level"): [w.level(c, v) for c, v in zip(rates["characteristic"], rates["level"], strict=True)],
            w.x("col_rate_prokus"): [
                MARK if h else format_percent(x, lang)
                for x, h in zip(rates["rate_prokus"], amask["rate_prokus"], strict=True)
            ],
            w.x("col_rate_comparison"): [
                MARK if h else format_percent(x, lang)
                for x, h in zip(rates["rate_comparison"], amask["rate_comparison"], strict=True)
            ],
        }
    )
    rows = []
    for _, r in lee.iterrows():
        o = r["outcome"]
        rows.append(
            {
                w.t("col_outcome"): w.label(o),
                w.t("col_effect"): w.val(o, did[o].estimate, signed=True) if o in did else "–",
                w.x("col_lee"): w.interval(o, r["lower"], r["upper"]),
                w.x("col_trim"): f"{format_percent(r['trim_share'], lang)} ({w.t('group_' + str(r['trimmed_group']))})",
                w.x("col_lee_ci"): w.interval(o, r["ci_low"], r["ci_high"]),
                w.x("col_ipw"): w.val(o, ipw.loc[o, "estimate"], signed=True) if o in ipw.index else "–",
                w.t("col_ci"): w.interval(o, ipw.loc[o, "ci_low"], ipw.loc[o, "ci_high"]) if o in ipw.index else "–",
            }
        )
    return Sections(
        [
            w.section(w.x("attrition_title"), rates_out, [note, *w.small_note(bool(amask.to_numpy().any()))]),
            w.section(
                "Lee (2009) & IPW",
                pd.DataFrame(rows),
                [w.x("lee_note", b=result.shown["draws"]), *(why(p) for p in ("lee", "ipw") if p in failed)],
            ),
        ]
    )
