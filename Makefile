# Two commands for a newcomer: `make run` serves the portal, `make test` checks it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
export FLASK_APP := portal
# The settings a local run needs; production sets its own in the environment.
RUN_ENV := SECRET_KEY="$$(cat instance/secret_key)" TRUSTED_HOSTS="$${TRUSTED_HOSTS:-127.0.0.1,localhost}"

.PHONY: run setup test lint translations db demo clean

run: setup  ## Serve the portal with demo content at http://127.0.0.1:$(PORT)
	@echo "Serving http://127.0.0.1:$(PORT)/ (Ctrl-C to stop)"
	@echo "No staff account exists until you create one; the first admin, in another terminal:"
	@echo '  FLASK_APP=portal SECRET_KEY=$$(cat instance/secret_key) TRUSTED_HOSTS=localhost \'
	@echo '    .venv/bin/flask users create --email you@example.org --role admin'
	$(RUN_ENV) $(BIN)/gunicorn --workers 2 \
		--bind 127.0.0.1:$(PORT) --access-logfile - wsgi:app

setup: $(VENV)/.stamp-runtime translations instance/secret_key  ## Database, demo content
	$(RUN_ENV) $(BIN)/flask db upgrade
	$(RUN_ENV) $(BIN)/flask demo load
	$(RUN_ENV) $(BIN)/flask search sync

test: lint translations node_modules/.stamp  ## lint, then the whole test suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.stamp-dev  ## formatting, lint rules and types (also the pre-commit hook)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

$(VENV)/.stamp-runtime: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

# What the browser tests run in the page (axe-core), pinned in package-lock.json.
node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.stamp-dev: requirements-dev.txt $(VENV)/.stamp-runtime
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))
translations: $(MO_FILES)
translations/%.mo: translations/%.po $(VENV)/.stamp-runtime
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ --statistics

instance/secret_key:
	mkdir -p instance
	$(PYTHON) -c "import secrets; print(secrets.token_hex(32))" > $@
	chmod 600 $@

clean:
	rm -rf $(VENV) node_modules instance/portal.db* $(MO_FILES)
	find search_index -mindepth 1 ! -name .gitkeep -delete
