"""The monitoring brief (issue 17): at most two pages, actions first, numbers from results.json, no ids.

A round of the synthetic demo is computed by the notebook's code (analysis.monitoring_rounds), its results.json
written, and the brief rendered from it in both languages; the PDF is read back with pypdf.
"""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest
from pypdf import PdfReader

from evaluation.analysis.monitoring_rounds import MonitoringRound
from evaluation.core.config import load_config
from evaluation.core.monitoring_plan import load_monitoring_plan
from evaluation.intake.pseudonymise import DEMO_KEY, Key
from evaluation.intake.rounds import read_rounds
from evaluation.reporting.monitoring_brief import render_round_brief, render_rounds
from evaluation.synthetic.demo import generate
from evaluation.synthetic.rounds import ROUNDS_DIR

KEY = Key(DEMO_KEY, "public demo key (test)", demo=True)


@pytest.fixture(scope="module")
def round_dir(tmp_path_factory):
    data = generate(families_per_region=200, comparison_per_region=10, seed=20201)
    raw = tmp_path_factory.mktemp("brief") / "demo"
    dataclasses.replace(data, rounds=True).write(raw)
    plan = load_monitoring_plan()
    visits = read_rounds(raw / ROUNDS_DIR, plan, KEY, roster=data.roster)
    fam = visits[visits["region_code"] == "3217"]
    families = sorted(set(visits.loc[visits["region_code"] == "3217", "family_id"]))
    root = raw.parent / "monitoring"
    out = root / "2020-12" / "3217"
    mr = MonitoringRound(scope="3217", period="2020-12", lang="id", plan=plan, visits=fam.reset_index(drop=True),
                         families=families, k=10, output_dir=out, title="Kabupaten Bandung Barat",
                         synthetic=True)  # fmt: skip
    mr.s_curve()
    mr.save()
    return root, out, plan, set(visits["family_id"]) | set(visits["officer"]), data


@pytest.mark.parametrize("lang", ["id", "en"])
def test_brief_is_two_pages_at_most_and_leads_with_actions(round_dir, lang):
    _, out, plan, ids, data = round_dir
    files = render_round_brief(out, load_config(None), plan, "2020-12", "3217", lang)
    reader = PdfReader(files["pdf"])
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(p.extract_text() for p in reader.pages)
    first, second = ("Yang perlu ditindaklanjuti sekarang", "Realisasi kumulatif") if lang == "id" else (
        "What needs action now", "Cumulative realisation")  # fmt: skip
    assert text.index(first) < text.index(second)
    html = files["html"].read_text(encoding="utf-8")
    assert html.index(first) < html.index(second)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    lpj = results["3217.monitoring.2020-12.warning.lpj_overdue.count"]
    assert lpj >= 10 and str(lpj) in html  # the largest warnings carry their count into the actions
    for pid in ids:  # no pseudonymous family id or officer code in the public brief
        assert pid not in html and pid not in text
    for raw_id in data.programme["family_id"].head(50):
        assert raw_id not in html


def test_restricted_list_holds_the_ids_and_states(round_dir):
    _, out, *_ = round_dir
    table = pd.read_csv(out / "restricted" / "monitoring_3217_2020-12.csv")
    assert set(table["state"]) <= {"new", "still_open"}
    assert {"rule", "unit", "id", "officer", "region"} <= set(table.columns)
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    for rule, n in table.groupby("rule").size().items():
        count = results.get(f"3217.monitoring.2020-12.warning.{rule}.count")
        assert count == n or (count is None and 0 < n < 10)
    assert (out / "restricted").stat().st_mode & 0o777 == 0o700


def test_rounds_index_lists_the_round(round_dir):
    root, *_ = round_dir
    index = render_rounds(root, load_config(None), ["monitoring/2020-12/3217"], briefs=False)
    page = index.read_text(encoding="utf-8")
    assert "2020-12/3217/monitoring_brief_id.html" in page and "2020-12/3217/monitoring_brief_en.pdf" in page
