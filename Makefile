# The two commands of the README: `make demo` (main job) and `make test` (the test suite).
# Both install what they need; torch==2.13.0 takes the machine's local CPU build.
PYTHON ?= python3
PIP = $(PYTHON) -m pip install --quiet --disable-pip-version-check

.PHONY: install demo test docs

install:
	$(PIP) torch==2.13.0
	$(PIP) -e ".[test,docs]"

demo: install
	$(PYTHON) -m xaqf demo --output demo-output

test: install
	$(PYTHON) -m ruff check xaqf tests benchmarks
	$(PYTHON) -m mypy xaqf
	$(PYTHON) -m pytest -m "not slow and not rebuild"
	$(PYTHON) -m sphinx -W --keep-going -q -b html docs docs/_build/html
	XAQF_GALLERY_HTML=docs/_build/html $(PYTHON) -m pytest -q tests/test_gallery.py tests/test_docs_site.py

docs: install
	$(PYTHON) -m sphinx -W --keep-going -b html docs docs/_build/html
