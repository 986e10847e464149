# paper-walkthroughs: two commands for a newcomer, `make run` and `make test`.
# Every target builds .venv first if it is missing or older than pyproject.toml.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS ?= dl,test,cluster
JOBS   ?= 1

.PHONY: venv run test test-fast test-unit test-smoke test-nbval lab clean

venv: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	# the notebooks' kernelspec `python3` must start this environment's Python
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (paper-walkthroughs)" >/dev/null
	touch $(STAMP)

# Execute the whole collection with the default profile into runs/, then render runs/site/
# (index.html and every executed notebook as HTML), even when a notebook failed.
run: venv
	$(PY) -m nbsupport.run --profile default --out runs --jobs $(JOBS); status=$$?; \
	$(PY) -m nbsupport.site runs; exit $$status

# Tier 1: unit tests of nbsupport.  Tier 2: papermill smoke run of every notebook.
test-unit: venv
	$(PY) -m pytest -q tests -m "not smoke"

test-smoke: venv
	$(PY) -m pytest -q tests -m smoke

test-fast: venv
	$(PY) -m pytest -q tests

# Tier 3: re-execute the committed notebooks (default profile) and compare the
# cells marked NBVAL_CHECK_OUTPUT with their committed outputs.
# A fresh model cache makes the nets be trained exactly as for the committed outputs.
test-nbval: venv
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter NBSUPPORT_BATCH=1 MPLBACKEND=Agg NBSUPPORT_CACHE=$$(mktemp -d) \
	$(PY) -m pytest -q --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider notebooks

test: test-fast test-nbval

lab: venv
	$(PY) -m pip install --quiet -c constraints.txt -e '.[lab]'
	$(PY) -m jupyter lab notebooks

clean:
	rm -rf runs .pytest_cache
