# StarGuide: `make run` serves the app, `make test` runs every test. Nothing else to install by hand.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install lint typecheck web web-deps web-test browser bench clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

NPM_CI := npm ci --no-audit --no-fund --loglevel=error
CHROMIUM ?= /usr/bin/chromium

web-deps:
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20.20 (e.g. apt-get install -y nodejs npm, or nvm install 20)"; exit 1; }
	cd web && $(NPM_CI)

## Build the web app into src/starguide/static (served by `starguide serve` at /)
web: web-deps
	cd web && npm run build

## Chromium for the end-to-end tests: installed with apt when missing and we are root
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update && apt-get install -y chromium; \
	  else \
	    echo "Chromium is needed for the end-to-end tests and is not at $(CHROMIUM)."; \
	    echo "Install it with: sudo apt-get install -y chromium   (or set CHROMIUM=/path/to/chromium)"; \
	    exit 1; \
	  fi; \
	fi

## Web checks: types, unit tests, production build (prints the first-load size), browser journey
web-test: install web-deps browser
	cd web && STARGUIDE_PYTHON=$(CURDIR)/$(BIN)/python npm run check:api && npm run typecheck && npm test -- --run && npm run build && CHROMIUM_PATH=$(CHROMIUM) npm run e2e

# Links in e-mails and the demo's sign-in hint name the address served, unless set otherwise.
run: export STARGUIDE_PUBLIC_URL ?= http://$(HOST):$(PORT)
run: install web
	$(BIN)/starguide migrate
	$(BIN)/starguide seed-demo --if-empty
	$(BIN)/starguide serve --host $(HOST) --port $(PORT)

test: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/python -m starguide.migrations.check
	$(BIN)/pytest
	$(MAKE) web-test

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: install
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var src/starguide/static web/node_modules web/test-results
