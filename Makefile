# Two commands do all set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
DATA := $(or $(BOT_DATA_DIR),.data)

.PHONY: install models index run test lint eval eval-article eval-gate fit bench browser clean-index

install: $(STAMP) models

# torch is installed first and pinned: a loose requirement would pull a multi-GB CUDA build.
# llama.cpp is compiled for this CPU, but without its AMX kernels: on a CPU that has AMX (seen
# here on a virtualised Xeon), its Q4_K matrix product crashes on the first prompt
# (ggml-org/llama.cpp#20824). Built without pip's cache, so a wheel built otherwise is not reused.
NO_AMX := $(if $(filter x86_64,$(shell uname -m)),-mno-amx-tile -mno-amx-int8 -mno-amx-bf16)
LLAMA_CPP := $(shell sed -n 's/.*"\(llama-cpp-python==[0-9.]*\)".*/\1/p' pyproject.toml | head -1)
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	$(PY) -m pip install -q torch==2.13.0
	CFLAGS="$(NO_AMX)" CXXFLAGS="$(NO_AMX)" $(PY) -m pip install -q --no-cache-dir $(LLAMA_CPP)
	$(PY) -m pip install -q -e ".[dev]"
	@touch $(STAMP)

# Fetch and checksum the default models (cached under $(DATA)/models; quick once done).
models: $(STAMP)
	$(PY) -m bot.models

# Index the corpus and make its sentences' translations (cached; quick once done).
index: install
	$(PY) -m bot ingest --warm

run: install
	$(PY) app.py

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

# Chromium for the browser test comes from Debian; Playwright only drives it.
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Unit, real-model, server and browser tests, then the answer-quality gate. The index and its
# translations are made first: every app the tests start copies them instead of translating.
test: install browser lint index
	$(PY) -m pytest
	$(MAKE) eval-gate

# All modes side by side; writes eval/results/ (the figures quoted in the README).
eval: install
	$(PY) -m evals

# Another article, with no change but the corpus: its own index, translations and drafted story
# in .data-<name> (models shared); writes eval/results/<name>/. make eval-article ARTICLE=bankteachers
ARTICLE ?= heatpump
eval-article: install models
	@mkdir -p .data-$(ARTICLE) && ln -sfn $(abspath $(DATA))/models .data-$(ARTICLE)/models
	BOT_CORPUS_DIR=eval/articles/$(ARTICLE) BOT_DATA_DIR=.data-$(ARTICLE) $(PY) -m evals \
		--modes default,extractive --cases eval/articles/$(ARTICLE)/cases.jsonl \
		--out eval/results/$(ARTICLE)

# Answer whenever there is evidence, then fit the abstention calibrator on the outcomes over the
# development set and held-out sets 1-7, each set held out in turn (leave one set out); writes
# bot/calibration*.json and eval/results/fit/. Held-out 8 and 9 and the bankteachers article
# stay out: they measure.
FIT_CASES := eval/gold.jsonl eval/holdout.jsonl $(foreach n,2 3 4 5 6 7,eval/holdout$(n).jsonl)
fit: install
	$(PY) -m evals --fit --modes default,extractive --cases $(FIT_CASES) --out eval/results/fit

# Regression gate: fails when a metric drops below eval/gate.json (a little under the last run).
eval-gate: install
	$(PY) -m evals --modes default,extractive --gate eval/gate.json --out test-artifacts/eval

bench: install
	$(PY) -m bench.run

clean-index:
	rm -rf $(DATA)/chroma
