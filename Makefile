# Two commands: `make run` and `make test`. Everything installs from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DATA   ?= ../shared/data/higgs-twitter
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test install migrate demo lint format bench worker beat check-deploy clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo --data "$(DATA)"

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(VENV)/.bench-installed: pyproject.toml | $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: install $(VENV)/.bench-installed
	@set -e; for b in bench/[!_]*.py; do [ -e "$$b" ] || continue; echo "== $$b"; $(BIN)/python $$b; done

worker: install
	$(BIN)/celery -A klout worker --loglevel=INFO

beat: install
	$(BIN)/celery -A klout beat --loglevel=INFO

check-deploy: install
	DJANGO_ENV=production DJANGO_SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	ACTOR_HASH_KEY=check NETWORK_TOKEN_KEY=check DJANGO_ALLOWED_HOSTS=example.com DATABASE_URL=postgres://x@127.0.0.1/x \
	CELERY_BROKER_URL=redis://127.0.0.1:6379/0 CACHE_URL=redis://127.0.0.1:6379/1 \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
