# One idempotent install step shared by `make demo` and `make test`.
# On this machine class torch comes first and alone (a CPU wheel lies on disk);
# elsewhere set TORCH_SPEC, e.g. `make install TORCH_SPEC="torch --index-url ..."`.
SHELL := /bin/bash
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_SPEC ?= torch==2.13.0
EXTRAS ?= dev,room,bench
export HF_HUB_OFFLINE := 1
export HF_DATASETS_OFFLINE := 1
export TRANSFORMERS_NO_ADVISORY_WARNINGS := 1
export MPLBACKEND := Agg

.PHONY: install demo test lint slides docs bench clean system-deps

install: system-deps $(VENV)/.installed

system-deps:
	@if ! command -v chromium >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing Debian chromium (browser tests and slide rendering)"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: chromium not found; browser tests will be skipped"; fi; \
	fi

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/pip install -q "$(TORCH_SPEC)"
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"
	touch $@

demo: install
	$(BIN)/tutorial-lib run --preset demo --out runs/demo

test: install lint
	$(BIN)/python -m pytest -q

# Lint and format are part of the suite (ruff's rules are in pyproject.toml). --no-cache: a
# cached pass must not hide a finding that a fresh checkout (CI) would report.
LINTED := tutorial_lib tests benchmarks conftest.py
lint: install
	$(BIN)/ruff check --no-cache $(LINTED)
	$(BIN)/ruff format --no-cache --check $(LINTED)

# reveal.js (version pinned in tutorial_lib/slides/reveal.py) is fetched once with npm into
# build/vendor and copied, with its MIT licence, next to the deck; the PDF needs Chromium.
slides: demo
	$(BIN)/python -m tutorial_lib.slides --out slides/build --run runs/demo $(if $(wildcard /usr/bin/chromium),--pdf)

docs: install
	$(BIN)/python -m tutorial_lib.docs --out build/docs --preset demo

bench: install
	$(BIN)/python benchmarks/qc_overlap.py
	$(BIN)/python benchmarks/finetune_throughput.py --repeats 2 --reverse 1
	$(BIN)/python benchmarks/eval_vs_harness.py

clean:
	rm -rf runs/ slides/build .pytest_cache
