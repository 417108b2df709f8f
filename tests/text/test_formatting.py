"""Indonesian and English number, rupiah and date formats (Babel, CLDR locales id_ID and en_US)."""

from __future__ import annotations

import datetime as dt

from evaluation.text.formats import format_date, format_number, format_percent, format_rupiah, format_value


def test_rupiah_in_indonesian_uses_dots_for_thousands():
    assert format_rupiah(1_250_000, "id") == "Rp1.250.000"
    assert format_rupiah(-35_500.4, "id") == "-Rp35.500"
    assert format_rupiah(1_250_000, "id", signed=True) == "+Rp1.250.000"
    assert format_rupiah(1_250_000, "en") == "IDR 1,250,000"


def test_numbers_and_percentages():
    assert format_number(1.5, "id", 1) == "1,5"
    assert format_number(1234.567, "en", 2) == "1,234.57"
    assert format_number(0.25, "id", 2, signed=True) == "+0,25"
    assert format_number(-0.0001, "id", 2) == "0,00"
    assert format_percent(0.053, "id") == "5,3%"
    assert format_number(float("nan"), "id") == "–"


def test_dates_in_long_form():
    assert format_date(dt.date(2026, 11, 28), "id") == "28 November 2026"
    assert format_date("2020-08-03", "id") == "3 Agustus 2020"
    assert format_date("2020-08-03", "en") == "August 3, 2020"


def test_value_by_unit():
    assert format_value(0.125, "id", "share") == "12,5%"
    assert format_value(2_000_000, "id", "IDR/month") == "Rp2.000.000"
    assert format_value(3.14159, "en", "score 0-10") == "3.14"


def test_a_change_in_a_share_is_in_percentage_points_and_a_relative_change_in_percent():
    from evaluation.text.formats import format_points, format_relative

    assert format_value(0.207, "id", "share", signed=True) == "+20,7 poin persen"
    assert format_value(0.207, "en", "share", signed=True) == "+20.7 percentage points"
    assert format_value(-0.05, "en", "share", change=True) == "-5.0 percentage points"
    assert format_value(0.452, "id", "share") == "45,2%"  # a level stays a percent
    assert format_points(0.207, "id") == "+20,7 poin persen"
    assert format_relative(0.32, "en") == "+32%"
    assert format_relative(-0.125, "id", 1) == "-12,5%"
    assert format_value(float("nan"), "id", "share", signed=True) == "–"
