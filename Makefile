# Two entry points (see README): `make demo` (the main job) and `make test`.
# Both create .venv and install the pinned dependencies on first use.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: demo catalog test test-fast templates seed-envs bytecode clean

UV_VERSION := 0.13.9

# uv (pinned; bootstrapped into the venv with pip) installs the pinned environment in seconds and
# prints what it resolved and installed; pip took minutes, silently.
# compileall: where Python is told not to write its cache (PYTHONDONTWRITEBYTECODE, as many CI images
# and containers set) every process compiled the libraries it imports from source again: importing
# cfn-lint took 3.6 s instead of 0.6 s, in every lint and in each of the tests' many publish.py
# processes. Compiled once here (13 s on 2 cores); elsewhere Python caches on first use. Up-to-date
# files are skipped, and the Makefile as a prerequisite brings an existing .venv here when this changes.
$(INSTALLED): setup.cfg pyproject.toml constraints.txt Makefile
	@echo "catalog tools: creating $(VENV) (uv $(UV_VERSION), then the packages pinned in constraints.txt)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install --python $(BIN)/python -c constraints.txt -e '.[dev]'
	@if [ -n "$$PYTHONDONTWRITEBYTECODE" ]; then echo "catalog tools: compiling $(VENV) once (PYTHONDONTWRITEBYTECODE is set)"; \
		$(BIN)/python -m compileall -q -j 0 $(VENV)/lib; fi
	touch $@

SEED_REPOS_WITH_TESTS := seedcode/model-deploy seedcode/model-build seedcode/image-build

## Each seed repo's own pinned environment, for working on a seed repo in place (`make -C seedcode/NAME check`).
## Neither the demo nor `make test` needs them: the test suite builds each repo's environment from its zip.
seed-envs:
	for repo in $(SEED_REPOS_WITH_TESTS); do $(MAKE) -C $$repo .venv/.installed || exit 1; done

## Where Python writes no bytecode (PYTHONDONTWRITEBYTECODE), the catalog's own code is compiled once here instead
## of in each of the hundreds of processes the demo and the tests start (the local AWS, publish.py, the pipeline
## executor); up-to-date files are skipped. Elsewhere Python caches it on first use.
bytecode: $(INSTALLED)
	@if [ -n "$$PYTHONDONTWRITEBYTECODE" ]; then $(BIN)/python -m compileall -q -j 0 products publish.py seedcode/model-build/src tests; fi

## The whole MLOps flow on this machine against an embedded AWS emulator (no AWS account needed).
## The buildspecs build their own environments (cached under ~/.cache/sagemaker-local).
demo: $(INSTALLED) bytecode
	$(BIN)/python publish.py demo

## Synthesize and lint the whole catalog offline.
catalog: $(INSTALLED)
	$(BIN)/python publish.py synth
	$(BIN)/python publish.py lint

## The whole test suite, slow tests included (what CI runs), on every core (pytest-xdist). Each seed
## repo's own `make check` (its tests and a local run, in a fresh environment of its pins) runs inside it,
## in the repo as a data scientist gets it: unpacked from its zip (tests/seedcode/test_seed_repos_alone.py).
test: $(INSTALLED) bytecode
	$(BIN)/python -m pytest -m "slow or not slow" -n auto

## The default selection, without slow tests.
test-fast: $(INSTALLED) bytecode
	$(BIN)/python -m pytest -n auto

## Refresh the committed templates/ (the golden files) and the README's product table from the code.
templates: $(INSTALLED)
	$(BIN)/python publish.py synth --golden --out build/golden
	rm -f templates/*.json
	cp build/golden/templates/*.json build/golden/portfolio.json build/golden/roles.json build/golden/target-account.json templates/
	$(BIN)/python -c 'import pathlib, products.render.docs as d; p = pathlib.Path("README.md"); p.write_text(d.readme_with_products(p.read_text()))'

clean:
	rm -rf build $(VENV)
