# OpenAffairs: two commands on a fresh machine.
#   make site   set up .venv, build the sample site into site/
#   make test   set up .venv with test extras (and Chromium, nginx when missing), run the whole suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: site test serve check bench screenshots clean browser lint tools

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

site: $(STAMP)
	$(BIN)/openaffairs build --config site_config.yml --out site
	@echo
	@echo "Preview: $(BIN)/openaffairs serve   (then open http://127.0.0.1:8000/)"
	@echo "     or: $(BIN)/python -m http.server -d site 8000"

check: $(STAMP)
	$(BIN)/openaffairs check

serve: $(STAMP)
	$(BIN)/openaffairs serve

browser:
	@{ command -v chromium >/dev/null 2>&1 && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }; } || { \
	  echo "Installing Debian's chromium and nginx-light for the browser and nginx tests ..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk $$( [ -x /usr/sbin/nginx ] || echo nginx-light ) >/dev/null; }

# git: the tests build real repositories (dates from git); sha256sum comes with coreutils
tools:
	@command -v git >/dev/null 2>&1 || { \
	  echo "Installing git for the tests ..."; \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null; fi; }

test: $(STAMP) browser tools
	$(BIN)/python -m pytest

screenshots: $(STAMP) browser
	$(BIN)/python scripts/screenshots.py

lint: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	$(BIN)/ruff check generator
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py all

clean:
	rm -rf site .pytest_cache .hypothesis
