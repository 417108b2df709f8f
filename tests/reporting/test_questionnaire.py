"""The printable questionnaire (evaluation.reporting.questionnaire): any XLSForm to PDF and Word, id and en."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook
from pypdf import PdfReader

from evaluation.core.errors import UserError
from evaluation.reporting.questionnaire import fixed_zip, read_form, render_questionnaire, skip_text

ID, EN = "Bahasa Indonesia (id)", "English (en)"
COLUMNS = (
    "type",
    "name",
    f"label::{ID}",
    f"label::{EN}",
    f"hint::{ID}",
    f"hint::{EN}",
    "required",
    "relevant",
    "constraint",
    f"constraint_message::{ID}",
    f"constraint_message::{EN}",
    "calculation",
    "repeat_count",
)
# Every construct the renderer handles: consent note, select_one_from_file, constraints with messages, date,
# geopoint, nested groups with relevance, calculate, a soft-check note, select_multiple, selected(), not(),
# count-selected(), != '', an expression it cannot put into words, and a repeat.
SURVEY = (
    ("start", "start"),
    ("note", "consent_note", "Kami dari Kementerian Sosial. Apakah Ibu bersedia?", "We are from the Ministry. Agree?"),
    ("select_one yes_no", "consent", "Apakah responden bersedia diwawancarai?", "Does the respondent agree?", "", "",
     "yes"),
    ("begin_group", "ident", "Identitas", "Identification", "", "", "", "${consent} = '1'"),
    ("select_one_from_file families.csv", "family", "Pilih keluarga dari daftar", "Pick the family", "", "", "yes"),
    ("integer", "enum_code", "Kode enumerator", "Enumerator code", "", "", "yes", "", ". >= 100 and . <= 999",
     "Kode tiga angka", "Three-digit code"),
    ("date", "visit_date", "Tanggal kunjungan", "Date of the visit"),
    ("geopoint", "gps", "Lokasi rumah", "Location of the house"),
    ("end_group", ""),
    ("begin_group", "biz", "Usaha keluarga", "Family business", "", "", "", "${consent} = '1'"),
    ("select_one yes_no_dk", "operating", "Apakah keluarga menjalankan usaha saat ini?",
     "Does the family run a business now?", "", "", "yes"),
    ("begin_group", "money", "Omzet dan biaya", "Revenue and costs", "", "", "", "${operating} = '1'"),
    ("decimal", "revenue", "Berapa omzet usaha dalam 30 hari terakhir?", "What was the revenue in the last 30 days?",
     "Rupiah", "Rupiah", "yes", "", ". >= 0", "Omzet tidak boleh negatif", "Revenue cannot be negative"),
    ("decimal", "costs", "Berapa biaya usaha dalam 30 hari terakhir?", "What were the costs in the last 30 days?",
     "Rupiah", "Rupiah", "", "${revenue} > 0 and (${operating} = '1' or ${operating} != '98')", ". >= 0"),
    ("calculate", "profit", "", "", "", "", "", "", "", "", "", "${revenue} - ${costs}"),
    ("note", "profit_check", "Laba ${profit} negatif: periksa kembali.", "Profit ${profit} is negative: check again.",
     "", "", "", "${profit} < 0"),
    ("end_group", ""),
    ("select_multiple sources", "sources", "Dari mana saja pendapatan keluarga?", "Where does the income come from?"),
    ("text", "other_source", "Sebutkan sumber lain", "Name the other source", "", "", "",
     "selected(${sources}, 'other') and not(selected(${sources}, 'none'))"),
    ("integer", "n_main", "Berapa sumber yang utama?", "How many are main sources?", "", "", "",
     "count-selected(${sources}) >= 2"),
    ("text", "comment", "Catatan tentang sumber lain", "Comment on the other source", "", "", "",
     "${other_source} != ''"),
    ("integer", "odd", "Pertanyaan dengan rumus", "Question with a formula", "", "", "",
     "string-length(${other_source}) > 3"),
    ("end_group", ""),
    ("begin_repeat", "member", "Anggota rumah tangga", "Household member", "", "", "", "", "", "", "", "",
     "${n_main}"),
    ("integer", "age", "Umur (tahun)", "Age (years)", "", "", "", "not(${consent} = '0')"),
    ("end_repeat", ""),
)  # fmt: skip
CHOICES = (
    ("yes_no", "1", "Ya", "Yes"),
    ("yes_no", "0", "Tidak", "No"),
    ("yes_no_dk", "1", "Ya", "Yes"),
    ("yes_no_dk", "0", "Tidak", "No"),
    ("yes_no_dk", "98", "Tidak tahu", "Don't know"),
    ("yes_no_dk", "99", "Menolak menjawab", "Refused"),
    ("sources", "farm", "Pertanian", "Farming"),
    ("sources", "trade", "Berdagang", "Trading"),
    ("sources", "other", "Lainnya", "Other"),
    ("sources", "none", "Tidak ada", "None"),
)


def write_fixture(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(list(COLUMNS))
    for row in SURVEY:
        ws.append([c or None for c in row] + [None] * (len(COLUMNS) - len(row)))
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", f"label::{ID}", f"label::{EN}"])
    for c in CHOICES:
        ch.append(list(c))
    st = wb.create_sheet("settings")
    st.append(["form_title", "form_id", "version", "default_language"])
    st.append(["Contoh kuesioner", "contoh", "2026.11", ID])
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def fixture_form(tmp_path_factory) -> Path:
    return write_fixture(tmp_path_factory.mktemp("form") / "contoh.xlsx")


@pytest.fixture(scope="module")
def rendered(fixture_form, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("printed")
    return {p.name: p for p in render_questionnaire(fixture_form, out)}


def _docx_text(path: Path) -> str:
    doc = Document(str(path))
    cells = [c.text for t in doc.tables for r in t.rows for c in r.cells]
    return "\n".join([p.text for p in doc.paragraphs] + cells)


def _pdf_text(path: Path) -> tuple[int, str]:
    reader = PdfReader(str(path))
    return len(reader.pages), "\n".join(p.extract_text() for p in reader.pages)


def test_the_fixture_converts_with_pyxform(fixture_form):
    from pyxform.xls2xform import convert

    assert "<h:html" in convert(xlsform=str(fixture_form)).xform


def test_one_pdf_and_one_word_file_per_language(rendered):
    assert sorted(rendered) == ["contoh_en.docx", "contoh_en.pdf", "contoh_id.docx", "contoh_id.pdf"]


def test_numbering_per_section_is_stable(fixture_form):
    form = read_form(fixture_form)
    numbers = {name: form.by_name[name].number for name in ("consent", "family", "gps", "operating", "revenue", "age")}
    assert numbers == {"consent": "1", "family": "A1", "gps": "A4", "operating": "B1", "revenue": "B2", "age": "C1"}
    assert form.by_name["profit"].number == ""  # a calculate is not a question
    assert (form.title, form.form_id, form.version) == ("Contoh kuesioner", "contoh", "2026.11")


@pytest.mark.parametrize(
    ("expr", "lang", "words"),
    [
        ("${consent} = '1'", "id", "1 (Apakah responden bersedia diwawancarai?) = “Ya”"),
        ("${consent} = '1'", "en", "1 (Does the respondent agree?) is “Yes”"),
        ("'1' = ${consent}", "en", "1 (Does the respondent agree?) is “Yes”"),
        ("${operating} != '98'", "en", "B1 (Does the family run a business now?) is not “Don't know”"),
        ("${revenue} < 10", "id", "B2 (Berapa omzet usaha dalam 30 hari terakhir?) kurang dari 10"),
        ("${revenue} <= 2500000", "id", "B2 (Berapa omzet usaha dalam 30 hari terakhir?) paling banyak 2.500.000"),
        (
            ". >= 0 and . <= 1000000 or . = -99",
            "en",
            "[the answer is at least 0 and the answer is at most 1,000,000] or the answer is -99",
        ),
        ("${revenue} >= 10", "en", "B2 (What was the revenue in the last 30 days?) is at least 10"),
        (
            "${revenue} > 0 and (${operating} = '1' or ${operating} != '98')",
            "en",
            "B2 (What was the revenue in the last 30 days?) is more than 0 and "
            "[B1 (Does the family run a business now?) is “Yes” or B1 is not “Don't know”]",
        ),
        (
            "selected(${sources}, 'other') and not(selected(${sources}, 'none'))",
            "id",
            "B4 (Dari mana saja pendapatan keluarga?) mencakup “Lainnya” dan B4 tidak mencakup “Tidak ada”",
        ),
        (
            "count-selected(${sources}) >= 2",
            "en",
            "the number of options chosen in B4 (Where does the income come from?) is at least 2",
        ),
        ("${other_source} != ''", "id", "B5 (Sebutkan sumber lain) sudah dijawab"),
        ("${other_source} = ''", "en", "B5 (Name the other source) has not been answered"),
        ("not(${consent} = '0')", "en", "it is not the case that 1 (Does the respondent agree?) is “No”"),
        (". >= 100 and . <= 999", "id", "jawaban paling sedikit 100 dan jawaban paling banyak 999"),
        ("${profit} < 0", "en", "the computed value profit (= B2 - B3) is less than 0"),
        ("string-length(${other_source}) > 3", "en", "this formula holds: string-length(B5) > 3"),
        ("${revenue} - ${costs} > 0", "id", "rumus berikut terpenuhi: B2 - B3 > 0"),
        ("${unknown} = '1'", "en", "this formula holds: unknown = '1'"),
    ],
)
def test_relevance_in_words(fixture_form, expr, lang, words):
    assert skip_text(expr, read_form(fixture_form), lang) == words


def test_word_file_holds_questions_choices_and_skip_instructions(rendered):
    en = _docx_text(rendered["contoh_en.docx"])
    for phrase in (
        "Contoh kuesioner",
        "We are from the Ministry. Agree?",  # consent on the cover
        "A1.  Pick the family *",
        "Choose from the list (families.csv)",
        "Check: Three-digit code",
        "Date (DD/MM/YYYY)",
        "Latitude",
        "B. Family business",
        "Revenue and costs",
        "Fill in this section only if B1 (Does the family run a business now?) is “Yes”; otherwise skip it.",
        "☐  98  Don't know",
        "Choose all that apply",
        "☐  other  Other",
        "Ask only if B4 (Where does the income come from?) includes “Other” and B4 does not include “None”.",
        "This note applies only if the computed value profit (= B2 - B3) is less than 0.",
        "Profit [profit] is negative: check again.",
        "Ask only if this formula holds: string-length(B5) > 3.",
        "Repeat this section as many times as the answer to B6.",
        "Annex: values the form computes automatically",
        "B2 - B3",
        "Check: the answer is at least 0",
    ):
        assert phrase in en, phrase
    idn = _docx_text(rendered["contoh_id.docx"])
    for phrase in (
        "Tanyakan hanya jika B4 (Dari mana saja pendapatan keluarga?) mencakup “Lainnya”",
        "Pilih satu",
        "Pilih semua yang sesuai",
        "Periksa: Kode tiga angka",
        "Kode dan nama enumerator",
        "Kode dan nama pengawas",
        "Persetujuan responden",
    ):
        assert phrase in idn, phrase
    assert "Pick the family" not in idn and "Pilih keluarga dari daftar" not in en


def test_word_footer_numbers_the_pages(rendered):
    footer = Document(str(rendered["contoh_id.docx"])).sections[0].footer._element.xml
    assert "PAGE" in footer and "NUMPAGES" in footer and "Halaman" in footer


def test_pdf_pages_and_text(rendered):
    for lang, phrases in {
        "id": ("Tanyakan hanya jika", "Pilih satu", "Pilih semua yang sesuai", "Halaman 1 dari", "A1", "Lampiran"),
        "en": ("Ask only if", "Choose one", "Choose all that apply", "Page 1 of", "Family business", "Annex"),
    }.items():
        pages, text = _pdf_text(rendered[f"contoh_{lang}.pdf"])
        assert pages >= 3  # cover, questions, annex
        for phrase in phrases:
            assert phrase in text, (lang, phrase)
        assert f"of {pages}" in text or f"dari {pages}" in text


def test_two_runs_write_the_same_bytes(fixture_form, rendered, tmp_path):
    again = render_questionnaire(fixture_form, tmp_path)
    assert [p.name for p in again] == list(rendered)
    for p in again:
        assert hashlib.sha256(p.read_bytes()).digest() == hashlib.sha256(rendered[p.name].read_bytes()).digest()
    with zipfile.ZipFile(again[1]) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert b"2000-01-01T12:00:00Z" in z.read("docProps/core.xml")


def test_fixed_zip_removes_the_save_time_of_an_xlsx(fixture_form):
    data = fixed_zip(fixture_form.read_bytes())
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        core = z.read("docProps/core.xml")
        assert b"<dcterms:modified" in core and b"2000-01-01T12:00:00Z" in core
    assert fixed_zip(data) == data


def test_todays_instrument_renders(tmp_path):
    from evaluation.intake.instrument import write_instrument

    for form in write_instrument(tmp_path / "prokus_household_survey.xlsx"):
        written = render_questionnaire(form, tmp_path)
        assert [p.suffix for p in written] == [".pdf", ".docx", ".pdf", ".docx"]
        parsed = read_form(form)
        labels = [n for n in parsed.by_name.values() if n.kind == "question"]
        first = labels[0].raw["label"]
        for lang, name in (("id", ID), ("en", EN)):
            pages, text = _pdf_text(tmp_path / f"{form.stem}_{lang}.pdf")
            assert pages > 1
            assert first[name] in _docx_text(tmp_path / f"{form.stem}_{lang}.docx")
            assert (lang == "id") == ("Halaman" in text)


def test_run_instrument_files_are_byte_identical(tmp_path):
    from evaluation.core.config import load_config
    from evaluation.run.runner import write_instrument_files

    cfg = load_config(None)
    first = write_instrument_files(tmp_path / "a", cfg)
    second = write_instrument_files(tmp_path / "b", cfg)
    assert len(first) == 2 + 2 * 4 and {p.suffix for p in first} == {".xlsx", ".pdf", ".docx"}
    # each form under its own name, for field staff: the household survey and the officers' visit form
    assert {p.name for p in first if p.suffix == ".xlsx"} == {"prokus_household_survey.xlsx",
                                                              "prokus_monitoring_visit.xlsx"}  # fmt: skip
    assert "prokus_monitoring_visit_id.pdf" in {p.name for p in first}
    for a, b in zip(first, second, strict=True):
        assert a.name == b.name and a.read_bytes() == b.read_bytes(), a.name


def test_cli_instrument_writes_the_printable_questionnaires(tmp_path, capsys):
    from evaluation.cli import main

    assert main(["instrument", "--out", str(tmp_path / "form.xlsx")]) == 0
    assert "Printable questionnaires written" in capsys.readouterr().out
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "form_id.pdf" in names and "form_en.docx" in names and "form_monitoring_en.pdf" in names


def test_bad_input_is_a_clear_error_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    with pytest.raises(UserError, match="does not exist"):
        render_questionnaire(tmp_path / "missing.xlsx", out)
    broken = tmp_path / "broken.xlsx"
    wb = Workbook()
    wb.active.title = "survey"
    wb.active.append(["type", "name", "label"])
    wb.active.append(["select_one nowhere", "q1", "A question"])
    wb.save(broken)
    with pytest.raises(UserError, match=r"broken\.xlsx.*pyxform cannot read this XLSForm"):
        render_questionnaire(broken, out)
    with pytest.raises(UserError, match="no phrases for language"):
        render_questionnaire(write_fixture(tmp_path / "f.xlsx"), out, langs=("fr",))
    assert not out.exists()


def test_a_consent_question_goes_on_the_cover(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", f"label::{ID}", f"label::{EN}"])
    ws.append(["select_one yes_no", "consent", "Bacakan: ... Apakah Ibu bersedia?", "Read out: ... Do you agree?"])
    ws.append(["text", "reason", "Alasan", "Reason"])
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", f"label::{ID}", f"label::{EN}"])
    ch.append(["yes_no", "1", "Ya", "Yes"])
    wb.save(tmp_path / "c.xlsx")
    written = render_questionnaire(tmp_path / "c.xlsx", tmp_path, langs=("en",))
    text = _docx_text(written[1])
    assert "Informed consent\nRead out: ... Do you agree?" in text


def test_a_form_in_one_language_prints_its_labels_with_each_languages_fixed_words(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(["type", "name", "label", "relevant"])
    ws.append(["integer", "members", "Jumlah anggota rumah tangga", ""])
    ws.append(["integer", "children", "Jumlah anak", "${members} > 1"])
    wb.save(tmp_path / "one.xlsx")
    written = {p.name: p for p in render_questionnaire(tmp_path / "one.xlsx", tmp_path)}
    assert "Ask only if 1 (Jumlah anggota rumah tangga) is more than 1." in _docx_text(written["one_en.docx"])
    assert "Tanyakan hanya jika 1 (Jumlah anggota rumah tangga) lebih dari 1." in _docx_text(written["one_id.docx"])


# Long labels as the instrument writes them (review 15, 16): a list after ':' or 'e.g.', an aside in parentheses, a
# read-out text before the question; amounts with don't-know / refused codes outside their range.
LONG = (
    ("integer", "other_hours",
     "Selain di usaha keluarga, dalam 7 hari terakhir berapa jam kepala keluarga bekerja untuk mendapat penghasilan, "
     "misalnya sebagai buruh, karyawan, atau di sawah/ladang?",
     "Apart from the family business, in the past 7 days how many hours did the head of household work for pay or "
     "income, e.g. as a labourer, employee, or in the fields?", "", "", "yes", "",
     "(. >= 0 and . <= 98) or . = -98 or . = -99"),
    ("integer", "other_costs",
     "Dalam sebulan terakhir, berapa biaya usaha lainnya: sewa tempat, listrik, bensin/ongkos angkut, upah pekerja, "
     "dan lain-lain?",
     "In the past month, how much were the other business costs: rent, electricity, fuel or transport, wages of "
     "workers and so on?", "", "", "yes", "", "(. >= 0 and . <= 500000000) or . = -98 or . = -99"),
    ("integer", "profit_stated",
     "Kalau dihitung kasar, berapa keuntungan bersih usaha itu dalam sebulan terakhir (hasil penjualan dikurangi "
     "semua biaya)?",
     "Roughly, what was the business's net profit in the past month (sales minus all costs)?", "", "", "yes", "",
     "(. >= -50000000 and . <= 200000000) or . = -98 or . = -99"),
    ("select_one yes_no", "agree",
     'Bacakan: "Saya petugas survei Kementerian Sosial, mis. untuk evaluasi ProKUS. Jawaban dijaga kerahasiaannya." '
     "Apakah Bapak/Ibu bersedia diwawancarai?",
     'Read out: "I am a survey officer of the Ministry of Social Affairs, e.g. for the ProKUS evaluation. Answers are '
     'kept confidential." Do you agree to be interviewed?'),
    ("integer", "grant", "Berapa jumlah dana BSIMU yang masuk ke rekening?",
     "How much of the grant reached the account?", "", "", "", "", "(. >= 0 and . <= 10000000) or . = -98"),
    ("integer", "after", "Pertanyaan berikut", "The next question"),
)  # fmt: skip


@pytest.fixture(scope="module")
def long_form(tmp_path_factory) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "survey"
    ws.append(list(COLUMNS))
    for row in LONG:
        ws.append([c or None for c in row] + [None] * (len(COLUMNS) - len(row)))
    ch = wb.create_sheet("choices")
    ch.append(["list_name", "name", f"label::{ID}", f"label::{EN}"])
    for c in CHOICES:
        ch.append(list(c))
    path = tmp_path_factory.mktemp("long") / "long.xlsx"
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("expr", "lang", "words"),
    [
        (
            "${other_hours} > 70",
            "en",
            "1 (Apart from the family business, in the past 7 days how many hours did the head of household work for "
            "pay or income?) is more than 70",
        ),
        (
            "${other_hours} > 70",
            "id",
            "1 (Selain di usaha keluarga, dalam 7 hari terakhir berapa jam kepala keluarga bekerja untuk mendapat "
            "penghasilan?) lebih dari 70",
        ),
        ("${other_costs} > 0", "en", "2 (In the past month, how much were the other business costs?) is more than 0"),
        ("${other_costs} > 0", "id", "2 (Dalam sebulan terakhir, berapa biaya usaha lainnya?) lebih dari 0"),
        ("${agree} = '1'", "en", "4 (Do you agree to be interviewed?) is “Yes”"),
        ("${agree} = '1'", "id", "4 (Apakah Bapak/Ibu bersedia diwawancarai?) = “Ya”"),
        # a comparison that selects exactly the don't-know / refused codes is said so
        (
            "${other_costs} < 0",
            "en",
            "2 (In the past month, how much were the other business costs?) is don't know (-98) or refused (-99)",
        ),
        (
            "${other_costs} < 0",
            "id",
            "2 (Dalam sebulan terakhir, berapa biaya usaha lainnya?) dijawab tidak tahu (-98) atau menolak (-99)",
        ),
        (
            "${other_hours} <= -98",
            "en",
            "1 (Apart from the family business, in the past 7 days how many hours did the head of household work for "
            "pay or income?) is don't know (-98) or refused (-99)",
        ),
        (
            "${other_hours} = -99 or ${other_hours} != -98",
            "en",
            "1 (Apart from the family business, in the past 7 days how many hours did the head of household work for "
            "pay or income?) is refused (-99) or 1 is not don't know (-98)",
        ),
        ("${grant} < 0", "id", "5 (Berapa jumlah dana BSIMU yang masuk ke rekening?) dijawab tidak tahu (-98)"),
        # where the range holds negative values too, '< 0' is not only the codes: said as written
        (
            "${profit_stated} < 0",
            "en",
            "3 (Roughly, what was the business's net profit in the past month?) is less than 0",
        ),
        ("${other_costs} < 5", "en", "2 (In the past month, how much were the other business costs?) is less than 5"),
        ("${after} < 0", "en", "6 (The next question) is less than 0"),  # no constraint: no codes known
    ],
)
def test_skip_rules_quote_the_question_sentence_and_name_the_codes(long_form, expr, lang, words):
    assert skip_text(expr, read_form(long_form), lang) == words


def test_a_label_too_long_even_when_shortened_is_cut_at_a_word():
    from evaluation.reporting.questionnaire import LABEL_MAX, _short

    label = (
        "During the last 12 months, was there a time when you or others in your household worried you would not "
        "have enough food to eat because of a lack of money or other resources?"
    )
    short = _short(label)
    assert len(short) <= LABEL_MAX and short.endswith("would not have enough…")
    assert _short("Over the last two weeks: “I have felt calm.” How often?") == (
        "Over the last two weeks: “I have felt calm.” How often?"
    )
