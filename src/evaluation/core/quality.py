"""Names of the data-quality normalisations that intake applies to cells, with their English description.

Intake (:mod:`evaluation.intake.parsing` reads, :mod:`evaluation.intake.columns` counts) each normalisation per
column; the problem list and the reports' data-quality section name it with this text
(:func:`evaluation.text.catalogue.rule_text` gives the reader's language where a phrase exists).
"""

# Normalisation kinds (reported per column with a count and an example).
KIND_TEXT = {
    "trailing_spaces": "spaces around the value removed",
    "currency_prefix": "currency prefix (Rp/IDR) removed",
    "indonesian_thousands": "dots read as Indonesian thousands separators (1.250.000 = 1250000)",
    "decimal_comma": "comma read as decimal comma (2,5 = 2.5)",
    "english_thousands": "commas read as English thousands separators (1,250,000)",
    "space_thousands": "spaces read as thousands separators",
    "multiplier": "jt/juta (x 1.000.000) or rb/ribu (x 1.000) applied",
    "dot_decimal_by_range": "a single dot group read as decimal point, the only reading inside the valid range",
    "category_case": "upper/lower case of a category code corrected",
    "category_label": "category label replaced by its code",
    "binary_word": "yes/no word read as 1/0",
    "day_first_date": "day-first date (DD/MM/YYYY) read",
    "month_first_date": "month-first date (MM/DD/YYYY) read",
    "day_first_by_period": "numeric dates read day-first: the only order inside the study period",
    "month_first_by_period": "numeric dates read month-first: the only order inside the study period",
    "two_digit_year": "two-digit year read as the year inside the study period",
    "datetime_local_date": "date-time with a time zone read as the local date of the region (WIB/WITA/WIT)",
    "date_from_today": "interview date taken from the phone's date (today)",
    "date_from_start": "interview date taken from the local date of the form's start",
    "month_name_date": "date with a month name read",
    "datetime_date": "time part of a date-time dropped",
    "excel_serial_1900": "Excel serial day number read (1900 date system)",
    "excel_serial_1904": "Excel serial day number read (1904 date system)",
    "excel_number": "spreadsheet number cell read as text code",
    "missing_marker": "missing marker (n/a, NA, -, ., #N/A) read as a missing value",
    "missing_code": "don't-know/refused code of the codebook (missing_codes) read as a missing value",
    "column_label": "question label header (a 'Labels' export) mapped to its codebook name",
    "columns_combined": "two columns of one question (an 'all versions' export) combined",
    "empty_column": "empty column without a header ignored",
    "zip_export": "main CSV read from an ODK Central .csv.zip export",
    "multiple_separator": "select_multiple answer rewritten as space-separated codes",
    "not_relevant_filled": "question not asked (relevance false): empty answer filled with the not-asked value",
    "utf8_bom": "UTF-8 byte-order mark removed",
    "delimiter": "';' or tab read as the CSV delimiter",
    "column_mapped": "export column (group prefix) mapped to its codebook name",
    "unknown_column": "column not in the codebook, ignored (listed in the full list)",
    "multiple_columns": "select_multiple choice columns joined into one answer",
    "wave_from_file_name": "wave taken from the file name",
    "date_from_submission": "interview date taken from the server's upload time (may be days late)",
    "excel_1904": "workbook in Excel's 1904 date system",
}
