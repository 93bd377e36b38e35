# Agora — the two commands that matter are `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The web front-end (web/): its build, served by the gateway at /, is remade when its
# sources or the gateway's routes (the OpenAPI document its client is typed from) change.
WEB_BUILD := web/dist/index.html
WEB_SOURCES := web/index.html web/vite.config.ts web/tsconfig.json web/package.json \
	$(shell find web/src -type f -not -name schema.d.ts 2>/dev/null) \
	$(wildcard services/gateway/*.py services/gateway/*/*.py)

.PHONY: run test fuzz bench install proto chart lint typecheck check clean

$(STAMP): requirements.lock pyproject.toml web/package-lock.json
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	cd web && npm ci --no-audit --no-fund --loglevel=error
	@touch $(STAMP)

$(WEB_BUILD): $(STAMP) $(WEB_SOURCES)
	$(BIN)/python -m services.gateway.document web/openapi.json
	cd web && npm run --silent build

install: $(STAMP) $(WEB_BUILD)

## Start the whole stack (NATS, SecantusDB, Redis, six services, gateway) on this machine.
run: $(STAMP) $(WEB_BUILD)
	$(BIN)/python -m devstack

## The whole test suite, against real servers the tests start themselves.
test: $(STAMP) $(WEB_BUILD)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

## A longer Schemathesis session, stateful phase included (FUZZ_SECONDS per caller).
fuzz: $(STAMP)
	$(BIN)/python -m pytest -m fuzz -s tests/contract/test_schemathesis.py

## A Locust scenario against a local cluster of GATEWAYS gateway replicas; report in
## bench-reports/<time>/ (loadtests/bench.py). SCENARIO: ideation or voting-rush.
USERS ?= 200
DURATION ?= 120
SCENARIO ?= ideation
GATEWAYS ?= 2
SPAWN_RATE ?= 20
WORKERS ?= 1
bench: $(STAMP)
	$(BIN)/python -m loadtests.bench --users $(USERS) --duration $(DURATION) \
		--scenario $(SCENARIO) --gateways $(GATEWAYS) --spawn-rate $(SPAWN_RATE) \
		--workers $(WORKERS)

## Regenerate Python code from proto/agora/v1/*.proto.
proto: $(STAMP)
	$(BIN)/python -m devstack.protogen

## Regenerate the chart's dashboards and its README's values table (chartgen/).
chart: $(STAMP)
	$(BIN)/python -m chartgen

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache web/node_modules web/dist
