"""``python -m xaqf``: the command-line interface (see :mod:`xaqf.cli`)."""

from xaqf.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
