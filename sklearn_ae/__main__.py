"""Command line: ``python -m sklearn_ae`` (also installed as ``sklearn-ae``).

Commands: ``demo``, ``fit``, ``transform`` and ``inverse-transform``; the work is
done in :mod:`sklearn_ae.cli`. Run ``python -m sklearn_ae --help``.
"""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
