# Two entry points (see README): `make catalog` (the main job) and `make test`.
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: catalog test test-fast templates clean

$(INSTALLED): setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

## Synthesize and lint the whole catalog offline (no AWS account needed).
catalog: $(INSTALLED)
	$(BIN)/python publish.py synth
	$(BIN)/python publish.py lint

SEED_REPOS_WITH_TESTS := seedcode/model-deploy seedcode/model-build

## The whole test suite, slow tests included (what CI runs), then each seed repo's own tests
## in its own environment.
test: $(INSTALLED)
	$(BIN)/python -m pytest -m "slow or not slow"
	for repo in $(SEED_REPOS_WITH_TESTS); do $(MAKE) -C $$repo test || exit 1; done

## The default selection, without slow tests.
test-fast: $(INSTALLED)
	$(BIN)/python -m pytest

## Refresh the committed templates/ (the golden files) from the current code and catalog.yaml.
templates: $(INSTALLED)
	$(BIN)/python publish.py synth --out build
	rm -f templates/*.json
	cp build/templates/*.json build/portfolio.json build/roles.json templates/

clean:
	rm -rf build $(VENV)
