"""Every word and number a reader sees: the phrase catalogue (id, en), number and date formats, figure style.

:mod:`~evaluation.text.catalogue` holds the phrases, :mod:`~evaluation.text.monitoring` the labels of the
monitoring indicators, :mod:`~evaluation.text.formats` rupiah, percentages and dates in the reader's locale
(Babel), :mod:`~evaluation.text.figures` the figures' style and drawing.

May import: :mod:`evaluation.core` only.
"""
