"""Field formats: Indonesian numbers, dates and answers are read exactly, or refused; never misread silently."""

from __future__ import annotations

import datetime as dt

import pytest
from babel.numbers import format_decimal
from hypothesis import given
from hypothesis import strategies as st

from evaluation.intake.codebook import load_codebook
from evaluation.intake.numeric import NumberKind, parse_number
from evaluation.intake.parsing import (
    ParseError,
    excel_serial,
    local_date,
    nik_birth_date,
    parse_binary,
    parse_category,
    parse_date,
    parse_multiple,
)

MONEY = NumberKind(money=True, lo=0, hi=500_000_000)
ASSET = NumberKind(lo=0, hi=10)
HOURS = NumberKind(lo=0, hi=112)


@pytest.mark.parametrize(
    ("text", "expected", "kind"),
    [
        ("1.250.000", 1_250_000, "indonesian_thousands"),
        ("Rp 1.250.000", 1_250_000, "currency_prefix+indonesian_thousands"),
        ("Rp1.250.000,-", 1_250_000, "currency_prefix+indonesian_thousands"),
        ("1,5 jt", 1_500_000, "multiplier+decimal_comma"),
        ("750 rb", 750_000, "multiplier"),
        ("1250000", 1_250_000, None),
        ("1250000.0", 1_250_000, None),
        (" 1250000 ", 1_250_000, "trailing_spaces"),
        ("1,250,000", 1_250_000, "english_thousands"),
        ("1.250.000,00", 1_250_000, "indonesian_thousands+decimal_comma"),
        ("-500.000", -500_000, "indonesian_thousands"),
        ("1 250 000", 1_250_000, "space_thousands"),
    ],
)
def test_rupiah_formats(text, expected, kind):
    assert parse_number(text, MONEY) == (expected, kind)


def test_one_dot_two_five_zero_is_never_one_point_two_five():
    """The issue's thousandfold trap: pandas' default reads '1.250' as 1.25; rupiah must read 1250."""
    assert parse_number("1.250", MONEY)[0] == 1250
    assert parse_number("1.250", NumberKind(integer=True))[0] == 1250
    # a non-money number whose range admits both readings is refused, not guessed
    with pytest.raises(ParseError, match="ambiguous"):
        parse_number("1.250", NumberKind(lo=0, hi=10_000))
    assert parse_number("1.250", HOURS) == (1.25, "dot_decimal_by_range")
    # and where only one reading is inside the range, that one is taken and reported
    assert parse_number("3.125", ASSET) == (3.125, "dot_decimal_by_range")


@pytest.mark.parametrize("text", ["1,250", "75,000", "Rp 75,000", "1.5", "2,5", "abc", "Rp", "1.2.3"])
def test_rupiah_misreadings_are_refused(text):
    with pytest.raises(ParseError):
        parse_number(text, MONEY)


def test_decimal_comma_for_non_money():
    assert parse_number("2,5", ASSET) == (2.5, "decimal_comma")
    assert parse_number("37.5", HOURS) == (37.5, None)


@given(st.integers(min_value=0, max_value=10**11))
def test_babel_indonesian_integers_round_trip(n):
    """Reference: babel's CLDR id locale formatting (format_decimal), as Indonesian Excel writes it."""
    text = format_decimal(n, locale="id")
    assert parse_number(text, MONEY)[0] == n
    assert parse_number(f"Rp {text}", MONEY)[0] == n
    english = format_decimal(n, locale="en")
    if 1000 <= n < 10**6:  # '1,250' is 1,25 (Indonesian) or 1250 (English): ambiguous or a fraction, refused
        with pytest.raises(ParseError, match=r"whole numbers|ambiguous"):
            parse_number(english, MONEY)
    else:
        assert parse_number(english, MONEY)[0] == n


@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=99))
def test_babel_indonesian_decimals_round_trip(whole, cents):
    value = whole + cents / 100
    text = format_decimal(value, format="#,##0.00", locale="id")
    parsed, _ = parse_number(text, NumberKind())
    assert parsed == pytest.approx(value, abs=1e-9)


@given(st.integers(min_value=1, max_value=99), st.integers(min_value=0, max_value=9))
def test_juta_suffix(whole, tenth):
    assert parse_number(f"{whole},{tenth} jt", MONEY)[0] == whole * 1_000_000 + tenth * 100_000


@given(st.dates(min_value=dt.date(1900, 3, 1), max_value=dt.date(2100, 12, 31)))
def test_excel_serials_both_systems(d):
    """Reference: Excel's documented epochs; 1900 system counts 1900-01-01 as 1 with a phantom 1900-02-29."""
    s1900 = (d - dt.date(1899, 12, 30)).days
    assert excel_serial(s1900, 1900) == d
    if s1900 >= 1000:  # text serials have 4-5 digits (12 is refused as a date, see test_bad_dates)
        assert parse_date(str(s1900))[0] == d.isoformat()
    if d >= dt.date(1904, 1, 1):
        s1904 = (d - dt.date(1904, 1, 1)).days
        assert excel_serial(s1904, 1904) == d
        assert parse_date(float(s1904), system=1904)[0] == d.isoformat()


def test_known_excel_serial():
    assert excel_serial(43864, 1900) == dt.date(2020, 2, 3)  # Excel: =DATE(2020,2,3) shows 43864
    assert excel_serial(42402, 1904) == dt.date(2020, 2, 3)  # 1462 days fewer in the 1904 system


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2020-02-03", "2020-02-03"),
        ("03/02/2020", "2020-02-03"),
        ("3-2-2020", "2020-02-03"),
        ("3 Februari 2020", "2020-02-03"),
        ("2020-02-03T10:15:00.000+07:00", "2020-02-03"),
        (dt.datetime(2020, 2, 3), "2020-02-03"),
    ],
)
def test_dates(text, iso):
    assert parse_date(text)[0] == iso


@pytest.mark.parametrize("text", ["31/02/2020", "2020-13-01", "kemarin", "12"])
def test_bad_dates(text):
    with pytest.raises(ParseError):
        parse_date(text)


def test_categories_and_answers():
    cb = load_codebook()
    assert parse_category(" Female ", cb["head_sex"]) == ("female", "trailing_spaces+category_case")
    assert parse_category("Perempuan", cb["head_sex"]) == ("female", "category_label")
    assert parse_category(31.0, cb["region_code"]) == ("31", "excel_number")
    with pytest.raises(ParseError):
        parse_category("wanita", cb["head_sex"])
    assert parse_binary("Ya") == (1.0, "binary_word")
    assert parse_binary("0") == (0.0, None)
    with pytest.raises(ParseError):
        parse_binary("2")
    assert parse_multiple("stock equipment", cb["grant_use"]) == ("equipment stock", None)
    assert parse_multiple("Stock;equipment", cb["grant_use"])[0] == "equipment stock"
    with pytest.raises(ParseError):
        parse_multiple("stock cars", cb["grant_use"])


def test_nik_birth_date():
    assert nik_birth_date("3402011203850001") == (dt.date(1985, 3, 12), False)
    assert nik_birth_date("3402015203850001") == (dt.date(1985, 3, 12), True)  # day + 40: a woman
    assert nik_birth_date("3402013102850001")[0] is None  # 31 February
    assert nik_birth_date("3402012902000001")[0] == dt.date(2000, 2, 29)


# --------------------------------------------------------------------------------------------- dates (issue 13)
PERIOD = ("2020-01-01", "2021-12-31")


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("12 Feb 2020", "2020-02-12"),
        ("Feb 12, 2020", "2020-02-12"),
        ("February 12, 2020", "2020-02-12"),
        ("12 Februari 2020", "2020-02-12"),
        ("12 Pebruari 2020", "2020-02-12"),
        ("12 Agustus 2020", "2020-08-12"),
        ("12 Agt 2020", "2020-08-12"),
        ("3 Mei 2020", "2020-05-03"),
        ("3 May 2020", "2020-05-03"),
        ("3 Okt 2020", "2020-10-03"),
        ("3 Oct 2020", "2020-10-03"),
        ("3 Des 2020", "2020-12-03"),
        ("3-Dec-2020", "2020-12-03"),
        ("3 Nopember 2020", "2020-11-03"),
        ("Sep 7, 2020 10:15:00 AM", "2020-09-07"),
    ],
)
def test_month_names_in_bahasa_indonesia_and_english(text, iso):
    assert parse_date(text)[0] == iso
    assert "month_name_date" in parse_date(text)[1]


def test_a_month_word_that_is_no_month_is_refused():
    with pytest.raises(ParseError):
        parse_date("12 Marx 2020")


def test_the_order_of_a_numeric_date_is_the_callers_never_guessed_from_the_cell():
    assert parse_date("9/7/2020", order="mdy") == ("2020-09-07", "month_first_date")
    assert parse_date("9/7/2020", order="dmy") == ("2020-07-09", "day_first_date")
    assert parse_date("9/7/2020")[0] == "2020-07-09"  # standalone: the Indonesian day-first order
    with pytest.raises(ParseError):
        parse_date("9/25/2020", order="dmy")  # month 25


def test_two_digit_years_are_read_inside_the_study_period_only():
    assert parse_date("07/09/20", period=PERIOD) == ("2020-09-07", "day_first_date+two_digit_year")
    assert parse_date("7 Sep 21", period=PERIOD)[0] == "2021-09-07"
    with pytest.raises(ParseError, match="no study period"):
        parse_date("07/09/20")  # no period known: refused, not guessed
    with pytest.raises(ParseError, match="inside the study period"):
        parse_date("07/09/35", period=PERIOD)


def test_iso_date_times_with_a_time_zone():
    # standalone: the date in the value's own zone (the phone's clock)
    assert parse_date("2020-09-07T10:15:00.000+07:00") == ("2020-09-07", "datetime_local_date")
    assert parse_date("2020-09-06T20:15:00Z")[0] == "2020-09-06"
    # for the intake: the instant is kept, then converted to the local date of the row's region
    kept, kind = parse_date("2020-09-06T20:15:00.000Z", keep_offset=True)
    assert (kept, kind) == ("2020-09-06T20:15:00+00:00", "datetime_local_date")
    assert local_date(kept, 7) == "2020-09-07"  # 03:15 WIB the next day
    assert local_date("2020-09-07T10:15:00+07:00", 9) == "2020-09-07"
    assert local_date("2020-09-07T23:30:00+07:00", 9) == "2020-09-08"  # 01:30 WIT
    # a server's upload time without a zone is UTC when the caller says so
    assert parse_date("2020-09-06T18:05:00", keep_offset=True, utc=True)[0] == "2020-09-06T18:05:00+00:00"
    assert parse_date("2020-09-06T18:05:00") == ("2020-09-06", "datetime_date")
    with pytest.raises(ParseError):
        parse_date("2020-09-06Tten past six")


def test_a_twelve_hour_clock_is_read_before_the_zone_is_applied():
    assert parse_date("2020-09-07 10:15:00 AM") == ("2020-09-07", "datetime_date")
    assert parse_date("2020-09-06 11:30:00 PM Z", keep_offset=True)[0] == "2020-09-06T23:30:00+00:00"
    assert local_date(parse_date("2020-09-06 11:30 PM", keep_offset=True, utc=True)[0], 7) == "2020-09-07"
    assert parse_date("2020-09-06 12:10 AM", keep_offset=True, utc=True)[0] == "2020-09-06T00:10:00+00:00"
