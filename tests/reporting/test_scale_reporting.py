"""Reporting at district scale: the scope index of ResultsView, one open run per process, ``[run] briefs``."""

from __future__ import annotations

import dataclasses
import json

import pytest

import evaluation.reporting as reporting
from evaluation.core.config import NATIONAL, load_config
from evaluation.core.errors import UserError
from evaluation.core.paths import DEFAULT_CONFIG
from evaluation.reporting.view import ResultsView

RESULTS = {
    "3210.household_income.did.estimate": 1.0,
    "3210.household_income.did.ci_low": 0.5,
    "3210.household_income.did.ci_high": 1.5,
    "3210.savings.did.estimate": 2.0,
    "3210.scorecard.summary.on_track": 3,
    "3210.scorecard.grant.ratio": 0.9,
    "3217.household_income.did.estimate": 7.0,
    "3217.scorecard.summary.on_track": 1,
    "national.household_income.did.estimate": 4.0,
    "national.meta.synthetic": True,
}


def _scan_topic(data: dict, scope: str, topic: str) -> dict:
    pre = f"{scope}.{topic}."
    return {k[len(pre) :]: v for k, v in data.items() if k.startswith(pre)}


def test_scope_index_gives_the_same_lookups_as_a_full_scan():
    """Hand example: topic/nested/outcomes per scope equal a scan of every key, in the same order."""
    v = ResultsView(RESULTS)
    assert v.topic("3210", "scorecard.summary") == {"on_track": 3}
    assert v.nested("3210", "scorecard") == {"summary": {"on_track": 3}, "grant": {"ratio": 0.9}}
    assert v.outcomes("3210", "did") == ["household_income", "savings"]
    assert v.outcomes("3217", "did") == ["household_income"]
    assert v.outcomes("9999", "did") == [] and v.topic("9999", "scorecard") == {}
    for scope in ("3210", "3217", NATIONAL):
        for topic in ("scorecard", "scorecard.summary", "household_income.did", "meta"):
            assert list(v.topic(scope, topic).items()) == list(_scan_topic(RESULTS, scope, topic).items())


def test_briefs_setting_is_checked(tmp_path):
    assert load_config().run.briefs == "all"
    p = tmp_path / "c.toml"
    p.write_text(DEFAULT_CONFIG.read_text().replace('briefs = "all"', 'briefs = "national"'))
    assert load_config(p).run.briefs == "national"
    p.write_text(DEFAULT_CONFIG.read_text().replace('briefs = "all"', 'briefs = "some"'))
    with pytest.raises(UserError, match=r"\[run\] briefs = 'some'"):
        load_config(p)


@pytest.mark.parametrize("briefs", ["all", "national"])
def test_render_run_briefs_only_for_the_configured_scopes(tmp_path, monkeypatch, briefs):
    """``briefs = "national"``: every scope keeps its workbook, only the nation gets the two briefs."""
    (tmp_path / "results.json").write_text(json.dumps(RESULTS))
    cfg = load_config()
    cfg = dataclasses.replace(cfg, run=dataclasses.replace(cfg.run, briefs=briefs))
    calls = []
    monkeypatch.setattr(reporting, "_render_one", lambda *a: calls.append((a[3], a[4])))
    monkeypatch.setattr("evaluation.reporting.landing.render_landing", lambda ctx: tmp_path / "index.html")
    reporting.render_run(tmp_path, cfg, ["3210", "3217", NATIONAL], run_id="r", jobs=1)
    briefed = {s for s, lang in calls if lang is not None}
    assert {s for s, lang in calls if lang is None} == {"3210", "3217", NATIONAL}  # workbooks everywhere
    assert briefed == ({"3210", "3217", NATIONAL} if briefs == "all" else {NATIONAL})
    assert sorted(lang for s, lang in calls if s == NATIONAL and lang) == ["en", "id"]


def test_open_run_once_per_process_and_again_when_results_change(tmp_path, monkeypatch):
    (tmp_path / "results.json").write_text(json.dumps(RESULTS))
    cfg = load_config()
    opened = []
    import evaluation.reporting.context as context

    real = context.open_run
    monkeypatch.setattr(context, "open_run", lambda *a: opened.append(a) or real(*a))
    reporting._CONTEXTS.clear()
    a = reporting._context(str(tmp_path), cfg, "r")
    b = reporting._context(str(tmp_path), cfg, "r")
    assert a is b and len(opened) == 1
    (tmp_path / "results.json").write_text(json.dumps({**RESULTS, "3210.extra.x": 1}))
    c = reporting._context(str(tmp_path), cfg, "r")
    assert c is not a and len(opened) == 2 and c.view.get("3210.extra.x") == 1
    reporting._CONTEXTS.clear()


def test_district_brief_compares_its_province_not_every_district(tmp_path):
    """Hand example at national scale (514 districts): the brief's "effect by region" chart.

    A district's chart shows at most MAX_COMPARED_SCOPES rows, the district among its own province's districts plus
    the nation; the national brief has no such chart; with the five ProKUS regions every region is compared.
    """
    from collections import Counter
    from types import SimpleNamespace

    from evaluation.reporting.brief import MAX_COMPARED_SCOPES, _subgroup_scopes
    from evaluation.synthetic.national import _config_text, district_codes

    codes = district_codes(514)
    path = tmp_path / "config.toml"
    path.write_text(_config_text(str(tmp_path), codes, None), encoding="utf-8")
    cfg = load_config(path)
    data = {}
    for c in [*codes, NATIONAL]:
        values = (("estimate", 1.0), ("ci_low", 0.0), ("ci_high", 2.0))
        data.update({f"{c}.household_income.did.{f}": v for f, v in values})
    ctx = SimpleNamespace(cfg=cfg, view=ResultsView(data), headline=("household_income",),
                          scopes=lambda: [*codes, NATIONAL])  # fmt: skip
    big, size = Counter(cfg.region(c).province for c in codes).most_common(1)[0]
    assert size > MAX_COMPARED_SCOPES  # the window case is exercised
    peers = [c for c in codes if cfg.region(c).province == big]
    for scope in (peers[0], peers[size // 2], peers[-1]):
        groups, province = _subgroup_scopes(ctx, scope)
        assert province == big
        assert len(groups) == MAX_COMPARED_SCOPES and groups[-1] == NATIONAL and scope in groups
        start = peers.index(groups[0])
        assert groups[:-1] == peers[start : start + MAX_COMPARED_SCOPES - 1]  # consecutive districts, code order
    assert _subgroup_scopes(ctx, peers[0])[0][0] == peers[0]
    assert _subgroup_scopes(ctx, peers[-1])[0][-2] == peers[-1]
    assert _subgroup_scopes(ctx, NATIONAL) == ([], None)

    demo = load_config(DEFAULT_CONFIG)
    five = {k.replace("9999", c): v for c in [*demo.region_codes, NATIONAL]
            for k, v in {"9999.household_income.did.estimate": 1.0, "9999.household_income.did.ci_low": 0.0,
                         "9999.household_income.did.ci_high": 2.0}.items()}  # fmt: skip
    ctx5 = SimpleNamespace(cfg=demo, view=ResultsView(five), headline=("household_income",),
                           scopes=lambda: [*demo.region_codes, NATIONAL])  # fmt: skip
    assert _subgroup_scopes(ctx5, "3402") == ([*demo.region_codes, NATIONAL], None)
    assert _subgroup_scopes(ctx5, NATIONAL) == ([*demo.region_codes, NATIONAL], None)
