"""``python -m xaqf``: the command-line interface (see :mod:`xaqf.cli`)."""

from xaqf.cli import main

raise SystemExit(main())
