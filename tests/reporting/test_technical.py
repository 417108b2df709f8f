"""The technical report (reporting.technical) and the words and units of a whole run (issue 15).

A small hand-made notebook checks the rendering rules one by one (title, lang, alt text, instructions left out,
machine paths); a real run (the session's ``fresh_runs``: region 3402 and the nation) checks the published pages:
technical report, briefs, workbooks and landing page.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import nbformat
import pytest
from openpyxl import load_workbook

from evaluation.core.paths import PROJ_ROOT
from evaluation.intake.codebook import load_codebook
from evaluation.reporting.technical import project_relative, relativise_notebook, render_technical_report
from evaluation.text.catalogue import t

PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
    )
).decode()


def _notebook(tmp_path: Path, language: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# ProKUS 2020\n\nParameters below (papermill cell tagged `parameters`)."),
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(
            f'# Parameters\nconfig = "{PROJ_ROOT / "data" / "config.toml"}"\nlanguage = "{language}"\n',
            metadata={"tags": ["injected-parameters"]},
        ),
        nbformat.v4.new_code_cell(
            "ev.header()",
            outputs=[
                nbformat.v4.new_output(
                    "display_data", data={"text/html": "<h1>Evaluasi ProKUS 2020 — Kabupaten Bantul</h1>"}
                ),
                nbformat.v4.new_output(
                    "display_data",
                    data={"image/png": PNG, "text/plain": "<Image>"},
                    metadata={"image/png": {"alt": "Dampak program (DiD): Usaha berjalan +20,7 poin persen"}},
                ),
                nbformat.v4.new_output(
                    "display_data", data={"text/html": f"<p>Rencana ini ({PROJ_ROOT}/data/analysis_plan.toml)</p>"}
                ),
            ],
        ),
    ]
    nb.metadata["papermill"] = {
        "input_path": str(PROJ_ROOT / "notebooks" / "region_evaluation.ipynb"),
        "output_path": str(PROJ_ROOT / "reports" / "r" / "3402" / "notebook.ipynb"),
        "parameters": {"config": str(PROJ_ROOT / "data" / "config.toml"), "language": language},
    }
    path = tmp_path / f"notebook_{language}.ipynb"
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize("language", ["id", "en"])
def test_title_lang_alt_text_no_instructions_no_machine_path(tmp_path, language):
    executed = _notebook(tmp_path, language)
    page = render_technical_report(executed, tmp_path / "report.html").read_text(encoding="utf-8")
    assert f'<html lang="{language}">' in page
    title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
    assert title == f"{t('l_technical', language)} — Evaluasi ProKUS 2020 — Kabupaten Bantul"
    assert 'alt="Dampak program (DiD): Usaha berjalan +20,7 poin persen"' in page
    assert "No description has been provided" not in page
    assert "Parameters below" not in page and "papermill" not in page  # the notebook's instructions
    assert str(PROJ_ROOT) not in page and "data/analysis_plan.toml" in page
    raw = executed.read_text(encoding="utf-8")  # the executed notebook itself: project-relative paths
    assert str(PROJ_ROOT) not in raw.replace(f"{PROJ_ROOT}/data/analysis_plan.toml", "")  # outputs are kept
    nb = nbformat.read(executed, as_version=4)
    assert nb.metadata["papermill"]["input_path"] == "notebooks/region_evaluation.ipynb"
    assert nb.metadata["papermill"]["parameters"]["config"] == "data/config.toml"
    assert 'config = "data/config.toml"' in nb.cells[2].source
    assert relativise_notebook(executed) is False  # nothing left to rewrite


def test_project_relative_leaves_other_text_alone():
    assert project_relative(f"{PROJ_ROOT}/data/config.toml") == "data/config.toml"
    assert project_relative(str(PROJ_ROOT)) == "."
    assert project_relative("data/config.toml and /etc/hosts") == "data/config.toml and /etc/hosts"


# ------------------------------------------------------------------------------------------------- a real run
def _text(path: Path) -> str:
    page = path.read_text(encoding="utf-8")
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<img[^>]*>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def _workbook_text(path: Path) -> str:
    wb = load_workbook(path, read_only=True)
    return " ".join(str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None)


@pytest.fixture(scope="module")
def published(fresh_runs):
    run = fresh_runs[0]
    return run, [s for s in ("3402", "national") if (run / s).is_dir()]


def test_technical_reports_of_a_run(published):
    run, scopes = published
    codebook = load_codebook()
    names = sorted({v.name for v in codebook.variables if "_" in v.name}, key=len, reverse=True)  # head_sex, ...
    raw_name = re.compile(r"\b(" + "|".join(map(re.escape, names)) + r")(_[a-z0-9]+)*\b")
    for scope in scopes:
        page = (run / scope / "report.html").read_text(encoding="utf-8")
        assert '<html lang="id">' in page, scope
        title = html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
        assert title.startswith("Laporan teknis — Evaluasi ProKUS 2020 — ") and "Notebook" not in title, title
        images = re.findall(r"<img\b[^>]*>", page)
        assert images and all(re.search(r'alt="[^"]{20,}"', i) for i in images), scope
        assert "No description has been provided" not in page
        assert "Parameters below" not in page and "papermill" not in page
        for f in (run / scope / "report.html", run / scope / "notebook.ipynb"):
            assert str(PROJ_ROOT) not in f.read_text(encoding="utf-8"), f
        text = _text(run / scope / "report.html")
        assert not raw_name.search(text), raw_name.search(text).group(0)  # labels, never variable names
        # a change in a 0/1 outcome is in percentage points, never "%"
        operating = codebook["business_operating"].label("id")
        assert re.search(rf"{operating} [+-]?[\d,]+ poin persen", text), scope
        assert not re.search(rf"{operating} [+-][\d,]+%", text), scope


def test_one_label_per_indicator_in_every_document_of_a_run(published):
    run, scopes = published
    codebook = load_codebook()
    docs = {}
    for scope in scopes:
        docs[f"{scope}/report.html"] = _text(run / scope / "report.html")
        docs[f"{scope}/tables_{scope}_id.xlsx"] = _workbook_text(run / scope / f"tables_{scope}_id.xlsx")
        if (run / scope / "brief_id.html").is_file():
            docs[f"{scope}/brief_id.html"] = _text(run / scope / "brief_id.html")
    docs["index.html"] = _text(run / "index.html")
    # the labels these indicators had before issue 15, in one document or another
    retired = ("Usaha masih berjalan", "Kembali menerima bantuan sosial", "Sesi mentoring bisnis",
               "Sesi pendampingan sosial TKSK per keluarga", "Kartu kinerja M&E")  # fmt: skip
    for name, text in docs.items():
        for old in retired:
            assert old not in text, (name, old)
        if name != "index.html":
            for o in ("household_income", "business_operating"):
                assert codebook[o].label("id") in text, (name, o)
    first = codebook["household_income"].label("id")
    assert first in docs["index.html"]


def test_the_rendered_indonesian_documents_follow_the_glossary(published):
    import tomllib
    from importlib import resources

    glossary = tomllib.loads(resources.files("evaluation.text").joinpath("glossary.toml").read_text(encoding="utf-8"))
    patterns = [re.compile(a["pattern"]) for a in glossary["avoid"] if "English" not in a["why"]]
    run, scopes = published
    files = [run / "index.html", *(run / s / n for s in scopes for n in ("report.html", "brief_id.html"))]
    for f in (f for f in files if f.is_file()):
        text = _text(f)
        for p in patterns:
            assert not p.search(text), (f.name, p.pattern, text[max(0, p.search(text).start() - 60) :][:140])
    for s in scopes:
        text = _workbook_text(run / s / f"tables_{s}_id.xlsx")
        assert not any(p.search(text) for p in patterns), s
