"""Every word and number a reader sees: the phrase catalogue (id, en), number and date formats, figure style.

:mod:`~evaluation.text.catalogue` reads the one phrase catalogue, gettext ``.po`` files per language in
``locale/<lang>/LC_MESSAGES/prokus.po`` (a translator edits them; ``make po`` normalises them), and gives ``t()``;
:mod:`~evaluation.text.monitoring` (labels of the monitoring indicators), :mod:`~evaluation.text.report_phrases`,
:mod:`~evaluation.text.inference_phrases` and :mod:`~evaluation.text.national_phrases` are views of that catalogue
in the shapes their readers use. :mod:`~evaluation.text.formats` gives rupiah, percentages and dates in the
reader's locale (Babel), :mod:`~evaluation.text.figures` the figures' style and drawing.

May import: :mod:`evaluation.core` only.
"""
