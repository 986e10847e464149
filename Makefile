# paper-walkthroughs: two commands for a newcomer, `make run` and `make test`.
# Every target builds .venv first if it is missing or older than pyproject.toml.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
EXTRAS ?= dl,test,cluster,browser
JOBS   ?= 1
SEEDS  ?= 0,1,2,3,4

.PHONY: venv chromium run robustness test test-fast test-unit test-smoke test-browser test-nbval lab clean

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

# The whole collection, default profile, over five seeds (a resumable sweep: rerunning skips the
# finished runs; JOBS=N runs N notebooks at a time, SCHEDULER=tcp://HOST:8786 sends them to Dask).
# runs/robustness/claims.csv and claims.md count, per claim, the seeds that gave each verdict.
robustness: venv
	$(PY) -m nbsupport.run --profile default -g SEED $(SEEDS) --out runs/robustness --jobs $(JOBS) \
	  $(if $(SCHEDULER),--scheduler $(SCHEDULER)); status=$$?; \
	$(PY) -m nbsupport.site runs/robustness; cat runs/robustness/claims.md; exit $$status

# Tier 1: unit tests of nbsupport.  Tier 2: papermill smoke run of every notebook.
test-unit: venv
	$(PY) -m pytest -q tests -m "not smoke and not browser"

test-smoke: venv
	$(PY) -m pytest -q tests -m smoke

test-fast: venv
	$(PY) -m pytest -q tests -m "not browser"

# Debian's Chromium for the browser tests (Playwright drives it and downloads no browser).
# Installed with apt when no `chromium` is on PATH (as root, or through sudo).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$(test "$$(id -u)" = 0 || echo sudo); \
	  echo "installing Debian's chromium for the browser tests"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# Tier 3a: the site of a real run and notebook 06 in JupyterLab, in headless Chromium
# (screenshots in test-output/). A missing browser fails here instead of skipping.
test-browser: venv chromium
	NBSUPPORT_REQUIRE_BROWSER=1 $(PY) -m pytest -q tests -m browser

# Tier 3b: re-execute the committed notebooks (default profile) and compare the
# cells marked NBVAL_CHECK_OUTPUT with their committed outputs.
# A fresh model cache makes the nets be trained exactly as for the committed outputs; the
# nbsupport.batch.kernels plugin starts nbval's kernels as the runner does (encrypted, quiet).
test-nbval: venv
	JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter NBSUPPORT_BATCH=1 MPLBACKEND=Agg NBSUPPORT_CACHE=$$(mktemp -d) \
	$(PY) -m pytest -q --nbval-lax --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider \
	  -p nbsupport.batch.kernels notebooks

test: test-fast test-browser test-nbval

lab: venv
	$(PY) -m pip install --quiet -c constraints.txt -e '.[lab]'
	$(PY) -m jupyter lab notebooks

clean:
	rm -rf runs .pytest_cache
