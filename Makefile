# Two commands: `make serve` and `make test`. Everything they need is installed from this repo's files.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
YULU_TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
# The portal's browser tests drive Debian's chromium (Playwright cannot download browsers here);
# the CJK font makes Chinese pages render as text, not boxes, in the screenshots.
CHROMIUM := /usr/bin/chromium
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
PORTAL_ASSETS := portal/node_modules/.package-lock.json
# Hive Gateway and the composition library, pinned in gateway/package-lock.json.
GATEWAY_TOOLS := gateway/node_modules/.package-lock.json
# The Node partner (学籍系统) and Apollo's composer (the tests' second composition check).
SCHOOL_REGISTRY := gateway/partners/school_registry/node_modules/.package-lock.json
APOLLO_COMPOSITION := tests/federation/apollo_composition/node_modules/.package-lock.json
# The npm graphql-http audit suite run against /graphql by tests/api/test_graphql_http.py.
GRAPHQL_HTTP_AUDIT := tests/graphql_http_audit/node_modules/.package-lock.json
# PostGraphile 4, bench/http.py's peer (its answer check runs in the PostgreSQL pass of the tests).
BENCH_TOOLS := bench/node_modules/.package-lock.json
PARTNER_SCALE ?= demo
# What the gateway signs subgraph requests with; `make partners` and `make gateway` share this
# development value unless YULU_GATEWAY_HMAC_SECRET is set (production: a random secret).
GATEWAY_SECRET = YULU_GATEWAY_HMAC_SECRET=$${YULU_GATEWAY_HMAC_SECRET:-development-only-gateway-secret}
# The person key's HMAC key, shared by the alliance and the school registry (the alliance's own
# development default unless YULU_FEDERATION_KEY is set).
FEDERATION_KEY = YULU_FEDERATION_KEY=$${YULU_FEDERATION_KEY:-development-only-federation-key-change-me}

.PHONY: serve test lint lock test-sqlite test-postgres migrate seed bench-seed supergraph partners gateway schema graphql-http-audit

# Exactly the versions (and files, by hash) in requirements.lock, then the project itself without
# dependencies; `pip check` fails if pyproject.toml needs something the lock lacks (`make lock`).
$(INSTALLED): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m pip check
	touch $@

# Rewrite requirements.lock after a change to pyproject.toml's dependencies (versions already
# locked stay unless a change needs otherwise; `make lock LOCK_FLAGS=--upgrade` takes the newest).
lock:
	test -x $(BIN)/uv || $(MAKE) $(INSTALLED) || test -x $(BIN)/uv
	$(BIN)/uv pip compile --quiet pyproject.toml --extra dev --group pyproject.toml:build \
		--generate-hashes --python-version 3.11 --custom-compile-command "make lock" \
		$(LOCK_FLAGS) -o requirements.lock

# Apache ECharts and other front-end assets, from the npm registry, served by the portal itself.
$(PORTAL_ASSETS): portal/package.json portal/package-lock.json
	cd portal && npm ci --no-audit --no-fund
	touch $@

$(GATEWAY_TOOLS): gateway/package.json gateway/package-lock.json
	cd gateway && npm ci --no-audit --no-fund
	touch $@

$(SCHOOL_REGISTRY): gateway/partners/school_registry/package.json gateway/partners/school_registry/package-lock.json
	cd gateway/partners/school_registry && npm ci --no-audit --no-fund
	touch $@

$(APOLLO_COMPOSITION): tests/federation/apollo_composition/package.json tests/federation/apollo_composition/package-lock.json
	cd tests/federation/apollo_composition && npm ci --no-audit --no-fund
	touch $@

$(GRAPHQL_HTTP_AUDIT): tests/graphql_http_audit/package.json tests/graphql_http_audit/package-lock.json
	cd tests/graphql_http_audit && npm ci --no-audit --no-fund
	touch $@

$(BENCH_TOOLS): bench/package.json bench/package-lock.json
	cd bench && npm ci --no-audit --no-fund
	touch $@

graphql-http-audit: $(GRAPHQL_HTTP_AUDIT)

# Regenerate schema/alliance.graphql after an API change (a test fails until you do).
schema: $(INSTALLED)
	$(BIN)/yulu schema

$(CHROMIUM) $(CJK_FONT):
	apt-get update && apt-get install -y chromium fonts-noto-cjk

serve: $(INSTALLED) $(PORTAL_ASSETS)
	$(BIN)/yulu migrate
	$(BIN)/yulu seed --if-empty
	$(BIN)/yulu serve

migrate: $(INSTALLED)
	$(BIN)/yulu migrate

seed: $(INSTALLED)
	$(BIN)/yulu migrate
	$(BIN)/yulu seed

# The Python partners' SDL is printed from their code; the alliance's is schema/alliance.graphql;
# the school registry's gateway/partners/school_registry/schema.graphql is its source.
supergraph: $(INSTALLED) $(GATEWAY_TOOLS)
	$(BIN)/python -m gateway.partners.social_insurance sdl
	$(BIN)/python -m gateway.partners.job_board sdl
	node gateway/compose.mjs

# The partner subgraphs on 127.0.0.1:4101, :4102 and :4103 (the Node school registry), seeded to
# match `make serve`'s data.
partners: $(INSTALLED) $(SCHOOL_REGISTRY)
	$(BIN)/python -m gateway.partners.school_registry.demo_data --scale $(PARTNER_SCALE)
	$(GATEWAY_SECRET) $(BIN)/python -m gateway.partners.social_insurance serve --port 4101 --seed $(PARTNER_SCALE) & \
	$(GATEWAY_SECRET) $(BIN)/python -m gateway.partners.job_board serve --port 4102 --seed $(PARTNER_SCALE) & \
	$(GATEWAY_SECRET) $(FEDERATION_KEY) node gateway/partners/school_registry/server.mjs --port 4103 & \
	wait

# Hive Gateway on 127.0.0.1:4000 over the running subgraphs (`make serve`, `make partners`).
gateway: supergraph
	cd gateway && $(GATEWAY_SECRET) node_modules/.bin/hive-gateway supergraph supergraph.graphql \
		--config-path gateway.config.ts --host 127.0.0.1 --port 4000

test: lint test-sqlite test-postgres

# Formatting, lint and types (configured in pyproject.toml); `make test` runs it first.
lint: $(INSTALLED)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

test-sqlite: $(INSTALLED) $(PORTAL_ASSETS) $(GATEWAY_TOOLS) $(SCHOOL_REGISTRY) $(APOLLO_COMPOSITION) $(GRAPHQL_HTTP_AUDIT) $(BENCH_TOOLS) $(CHROMIUM) $(CJK_FONT)
	$(BIN)/pytest -q

# The database tests again, on PostgreSQL. Skipped with a warning on a developer machine without
# a server; under CI an unreachable server is a failure.
test-postgres: $(INSTALLED) $(PORTAL_ASSETS) $(GATEWAY_TOOLS) $(SCHOOL_REGISTRY) $(APOLLO_COMPOSITION) $(GRAPHQL_HTTP_AUDIT) $(BENCH_TOOLS) $(CHROMIUM) $(CJK_FONT)
	@if $(BIN)/python -m tests.postgres_reachable "$(YULU_TEST_POSTGRES_URL)"; then \
		YULU_TEST_DATABASE_URL="$(YULU_TEST_POSTGRES_URL)" $(BIN)/pytest -q -m db; \
	elif [ -n "$$CI" ]; then \
		echo "PostgreSQL at $(YULU_TEST_POSTGRES_URL) is unreachable: failing under CI" >&2; exit 1; \
	else \
		echo "WARNING: PostgreSQL unreachable, database tests not repeated on PostgreSQL" >&2; \
	fi
