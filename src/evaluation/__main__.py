"""``python -m evaluation`` is the ``prokus-eval`` command."""

import sys

from evaluation.cli import main

sys.exit(main())
