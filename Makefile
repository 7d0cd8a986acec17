# 码上办: `make run` starts the platform with the demo county; `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint format migrate clean check-deploy bench assets

# Recreate the virtual environment when it is missing or pyproject.toml changed.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

# ECharts for the dashboards, from the npm registry, where Node.js is installed.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $(NODE_STAMP); \
	else echo "Node.js/npm not found: dashboards will show tables without charts."; fi

assets:
	@$(MAKE) --no-print-directory $(NODE_STAMP) || true

migrate: $(STAMP) assets
	$(BIN)/python manage.py migrate --noinput -v 0
	$(BIN)/python manage.py createcachetable

run: migrate
	$(BIN)/python manage.py collectstatic --noinput -v 0
	$(BIN)/python manage.py load_demo --logins --if-demo
	PORT=$(PORT) $(BIN)/python manage.py serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# SECURE=0: the test client and the live server speak plain http even with production variables.
test: $(STAMP) assets
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --quiet .
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run
	SECURE=0 $(BIN)/python -m pytest $(PYTEST_ARGS)

check-deploy: $(STAMP)
	DEBUG=0 DATABASE_URL=postgres://postgres@127.0.0.1:5432/test \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets;print(secrets.token_urlsafe(50))') \
	FIELD_ENCRYPTION_KEYS=k1:$$($(BIN)/python -c 'import secrets;print(secrets.token_hex(16))') \
	BLIND_INDEX_KEY=$$($(BIN)/python -c 'import secrets;print(secrets.token_hex(32))') \
	ALLOWED_HOSTS=mashang.example.gov.cn SITE_URL=https://mashang.example.gov.cn $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles

bench: $(STAMP)
	$(BIN)/python bench/bench_posters.py
