"""The disclosure-control constants shared by the statistics that suppress cells and the reports that show them.

:data:`MARK` is what a suppressed cell shows ("[c]", confidential, as the UK Office for National Statistics marks
it); :data:`DEFAULT_K` the default threshold ``[run] min_cell_size`` (a cell describing fewer than k families is
suppressed). The rule itself is :mod:`evaluation.stats.disclosure`.
"""

MARK = "[c]"
DEFAULT_K = 10
