"""End to end: every scope gets briefs, technical report and workbook, linked from the landing page (issue 5).

Pages open in headless Chromium without errors; the PDF text carries the headline numbers of results.json; no
pseudonymous id reaches a public file.

Chromium: Debian's ``chromium`` + ``chromium-driver`` (no browser download). When they are missing the fixture
installs them with apt-get if it runs as root, and otherwise skips with a message saying what to install.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from evaluation.core.config import load_config
from evaluation.core.record import read_results
from evaluation.reporting.context import open_run
from evaluation.run.runner import run
from tests.conftest import write_config

REGIONS = ("3217", "3210", "3322", "3402", "31")
SCOPES = (*REGIONS, "national")
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
MIN_PAGES, MAX_PAGES = 2, 4
SHEETS = ("Catatan", "Sampel", "Baseline", "Sebelum-sesudah", "Efek DiD", "Kartu kinerja", "Tanda risiko")
# Raw demo ids (F3402-0001) and the pseudonymous ids intake gives them (P + 20 hex digits,
# evaluation.intake.pseudonymise).
FAMILY_ID = re.compile(r"F(3217|3210|3322|3402|31)-\d{4}|\bP[0-9a-f]{20}\b")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def finished(tmp_path_factory, demo_dir) -> Path:
    root = tmp_path_factory.mktemp("reports")
    cfg = write_config(root / "config.toml", demo_dir, root / "reports")
    return run(config=str(cfg), jobs=2, run_id="20261128-090000", progress=False)


def _pdf_text(path: Path) -> tuple[str, int]:
    reader = pypdf.PdfReader(path)
    return " ".join(p.extract_text() for p in reader.pages), len(reader.pages)


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_every_scope_has_briefs_technical_report_and_workbook(finished):
    from openpyxl import load_workbook

    index = (finished / "index.html").read_text(encoding="utf-8")
    for scope in SCOPES:
        files = [f"{scope}/brief_{lang}.{ext}" for lang in ("id", "en") for ext in ("pdf", "html", "docx")]
        files += [f"{scope}/report.html", f"{scope}/tables_{scope}.xlsx", f"{scope}/notebook.ipynb"]
        for rel in files:
            assert (finished / rel).is_file(), rel
            assert f'href="{rel}"' in index, rel
        sheets = load_workbook(finished / scope / f"tables_{scope}.xlsx", read_only=True).sheetnames
        assert sheets == list(SHEETS)
        report = (finished / scope / "report.html").read_text(encoding="utf-8")
        assert 'class="prokus-toc"' in report and "Kartu kinerja M&amp;E" in report
        assert not re.search(r"<script[^>]+src=\"https?:", report), scope  # offline: nothing from a CDN
        assert not re.search(r"<link[^>]+href=\"https?:", report), scope
    assert 'href="results.json"' in index and "restricted" not in index.split("<p class=\"note\">")[0]


def test_brief_pdfs_carry_the_headline_numbers_of_results_json(finished):
    results = read_results(finished / "results.json")
    ctx = open_run(finished, load_config())
    pages = {}
    for scope in SCOPES:
        for lang in ("id", "en"):
            text, n = _pdf_text(finished / scope / f"brief_{lang}.pdf")
            pages[f"{scope}/{lang}"] = n
            assert MIN_PAGES <= n <= MAX_PAGES, (scope, lang, n)
            flat = _squash(text)
            for outcome in ctx.headline:
                fmt = ctx.outcome_text(outcome, lang).fmt
                for field, signed in (("estimate", True), ("ci_low", False), ("ci_high", False)):
                    shown = fmt(results[f"{scope}.{outcome}.did.{field}"], signed)
                    assert _squash(shown) in flat, (scope, lang, outcome, field, shown)
            assert ("DATA SINTETIS" if lang == "id" else "SYNTHETIC DEMONSTRATION DATA") in text
            assert "COVID-19" in text
    print("brief page counts:", pages)


def test_no_family_id_in_any_public_output(finished):
    public = [p for p in finished.rglob("*") if p.is_file() and "restricted" not in p.parts]
    for path in public:
        if path.suffix in (".html", ".json", ".ipynb", ".log"):
            assert not FAMILY_ID.search(path.read_text(encoding="utf-8", errors="replace")), path
        elif path.suffix == ".tex":
            assert not FAMILY_ID.search(path.read_text(encoding="utf-8")), path
        elif path.suffix == ".docx":
            from docx import Document

            doc = Document(str(path))
            texts = [p.text for p in doc.paragraphs]
            texts += [c.text for t in doc.tables for r in t.rows for c in r.cells]
            assert not any(FAMILY_ID.search(x) for x in texts), path
        elif path.suffix == ".pdf":
            assert not FAMILY_ID.search(_pdf_text(path)[0]), path
        elif path.suffix == ".xlsx":
            from openpyxl import load_workbook

            wb = load_workbook(path, read_only=True)
            for ws in wb.worksheets:
                for row in ws.iter_rows(values_only=True):
                    assert not any(FAMILY_ID.search(str(v)) for v in row if v is not None), path
    annex = finished / "3402" / "restricted" / "risk_flags_3402.csv"
    assert FAMILY_ID.search(annex.read_text()) and (annex.stat().st_mode & 0o077) == 0


@pytest.fixture(scope="module")
def chromium():
    """Debian's chromium + chromedriver, installed with apt-get when missing and running as root."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.geteuid() == 0 and shutil.which("apt-get"):
            subprocess.run(["apt-get", "update"], check=False, capture_output=True)
            subprocess.run(["apt-get", "install", "-y", "chromium", "chromium-driver"], check=True, capture_output=True)
        else:
            pytest.skip("install Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in CHROME_FLAGS:
        opts.add_argument(flag)
    opts.add_argument("--window-size=1280,1800")
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    yield driver
    driver.quit()


def test_pages_open_in_headless_chromium_with_every_image_and_no_console_error(finished, chromium, tmp_path_factory):
    shots = Path(os.environ.get("PROKUS_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    pages = [finished / "index.html", finished / "index_en.html"]
    pages += [finished / s / f"brief_{lang}.html" for s in SCOPES for lang in ("id", "en")]
    for page in pages:
        chromium.get(page.as_uri())
        images = chromium.execute_script(
            "return Array.from(document.images).map(i => [i.src, i.complete && i.naturalWidth > 0]);"
        )
        if not page.name.startswith("index"):
            # before/after, by region, by family group (issue 15: the scorecard's ratio chart is gone; the table
            # shows the rule's quantity and limits)
            assert len(images) == 3, page
        assert all(ok for _, ok in images), [src for src, ok in images if not ok]
        resources = chromium.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name);"
        )
        assert all(r.startswith(("file:", "data:")) for r in resources), resources  # nothing from the network
        errors = [e for e in chromium.get_log("browser") if e["level"] == "SEVERE"]
        assert not errors, (page, errors)
        name = "_".join(page.relative_to(finished).with_suffix(".png").parts)
        assert chromium.save_screenshot(str(shots / name))
    print(f"screenshots: {shots}")


def test_the_landing_page_links_the_instrument_written_beside_the_reports(finished):
    """Issue 12: the run's forms and printable questionnaires are in instrument/ and the index links each one."""
    index = (finished / "index.html").read_text(encoding="utf-8")
    for form in ("prokus_household_survey", "prokus_monitoring_visit"):
        for rel in [f"instrument/{form}.xlsx"] + [f"instrument/{form}_{lang}.{ext}" for lang in ("id", "en")
                                                   for ext in ("pdf", "docx")]:  # fmt: skip
            assert (finished / rel).is_file(), rel
            assert f'href="{rel}"' in index, rel


def test_every_claim_of_every_brief_and_landing_page_follows_the_evidence_rule(finished):
    """Issue 15: each data-evidence (the grade of a finding) equals the rule's grade of its data-key."""
    from tests.reporting.test_evidence import check_every_claim

    n_headline = len(open_run(finished, load_config()).headline)
    # per scope: a sentence and a table row in each of two briefs, and a cell in each of two landing pages
    assert check_every_claim(finished) == len(SCOPES) * n_headline * (2 * 2 + 2)


def test_brief_charts_have_no_colliding_or_clipped_tick_labels(finished, monkeypatch):
    from evaluation.reporting import brief, charts

    ctx = open_run(finished, load_config())
    drawn = []

    def check(fig, path, dpi=120):
        drawn.append((path.name, charts.tick_label_overlaps(fig)))
        charts.plt.close(fig)
        return path

    monkeypatch.setattr(charts, "save", check)
    for scope in SCOPES:
        for lang in ("id", "en"):
            brief.draw_charts(ctx, scope, lang, finished / "unused", [])
    assert len(drawn) == len(SCOPES) * 2 * 3
    assert [(name, bad) for name, bad in drawn if bad] == []


def _html_items(html: str, heading: str) -> list[str]:
    """Text of the list items under the HTML brief's heading ``heading`` (tags removed, entities unescaped)."""
    import html as h

    section = html.split(f"<h2>{h.escape(heading)}</h2>", 1)[1].split("</ul>", 1)[0].split("</ol>", 1)[0]
    return [h.unescape(re.sub(r"<[^>]+>", "", li)).strip() for li in re.findall(r"<li[^>]*>(.*?)</li>", section, re.S)]


def test_word_brief_says_what_the_html_brief_says(finished):
    """Issue 18: the editable Word brief has the same findings, tables, charts and recommendations as the HTML."""
    from docx import Document

    from evaluation.reporting.brief import brief_content

    ctx = open_run(finished, load_config())
    for scope in SCOPES:
        for lang in ("id", "en"):
            doc = Document(str(finished / scope / f"brief_{lang}.docx"))
            content = brief_content(ctx, scope, lang)
            html = (finished / scope / f"brief_{lang}.html").read_text(encoding="utf-8")
            bullets = [p.text for p in doc.paragraphs if p.style.name == "List Bullet"]
            numbered = [p.text for p in doc.paragraphs if p.style.name == "List Number"]
            findings = _html_items(html, content["h"]["findings"])
            assert findings and bullets[: len(findings)] == findings, (scope, lang)
            assert numbered == _html_items(html, content["h"]["recommendations"]), (scope, lang)
            assert doc.paragraphs[0].text == content["banner"]  # synthetic data are marked first, as in the PDF
            assert doc.core_properties.language == {"id": "id-ID", "en": "en-GB"}[lang]
            figures = re.findall(r"<img[^>]+src=\"([^\"]+)\"", html)
            assert len(doc.inline_shapes) == len(figures) > 0, (scope, lang)
            effects = content["effects"]
            if effects["rows"]:
                cells = [[c.text for c in r.cells] for r in doc.tables[0].rows]
                assert cells[0] == effects["columns"] and len(cells) == 1 + len(effects["rows"]), (scope, lang)


def test_publication_tables_for_every_scope_in_both_languages(finished):
    """Issue 18: effects and balance tables in LaTeX, Word and HTML beside each brief; the landing page links them."""
    from docx import Document

    index = (finished / "index.html").read_text(encoding="utf-8")
    results = read_results(finished / "results.json")
    for scope in SCOPES:
        for lang in ("id", "en"):
            for table in ("effects", "balance"):
                for ext in ("tex", "docx", "html"):
                    assert (finished / scope / "tables" / f"{table}_{lang}.{ext}").is_file(), (scope, table, ext)
        assert f'href="{scope}/tables/effects_id.docx"' in index
        doc = Document(str(finished / scope / "tables" / "effects_en.docx"))
        cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
        n = results[f"{scope}.household_income.did.n_units"]
        k = results[f"{scope}.household_income.did.n_clusters"]
        assert f"{n:,} ({k:,})" in cells, scope
