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

AXE := tests/axe/node_modules/axe-core/axe.min.js

# Chromium, the CJK fonts (without them every Chinese character is a box and the
# browser tests would not see what people see), nginx, and axe-core from npm.
browser: $(AXE)
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q . && { command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ]; }; } || { \
	  echo "Installing Debian's chromium, fonts-noto-cjk and nginx-light for the browser and nginx tests ..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk $$( [ -x /usr/sbin/nginx ] || echo nginx-light ) >/dev/null; }

$(AXE): tests/axe/package.json tests/axe/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; fi; }
	cd tests/axe && npm ci --no-audit --no-fund --silent
	touch $(AXE)

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
	$(BIN)/ruff check generator tests benchmarks
	$(BIN)/ruff format --check generator tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python benchmarks/run.py all

clean:
	rm -rf site .pytest_cache .hypothesis
