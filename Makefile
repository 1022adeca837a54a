# Two commands matter: `make demo` (set up and run on the sample logs) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_WORKSPACE ?= demo.duckdb
# Debian packages the tests use (installed when missing; needs root or sudo).
APT_PACKAGES := graphviz chromium chromium-driver libreoffice-calc-nogui poppler-utils fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0

.PHONY: demo test lint typecheck unit system-deps bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

demo: $(STAMP) system-deps
	rm -f $(DEMO_WORKSPACE) $(DEMO_WORKSPACE).wal
	$(BIN)/hyperpath load sample_logs/receipt.xes.gz --workspace $(DEMO_WORKSPACE)
	$(BIN)/hyperpath load sample_logs/roadtraffic100traces.xes.gz --workspace $(DEMO_WORKSPACE)
	$(BIN)/hyperpath load sample_logs/running-example.csv.gz --workspace $(DEMO_WORKSPACE)
	$(BIN)/hyperpath datasets --workspace $(DEMO_WORKSPACE)
	$(BIN)/hyperpath quality receipt --workspace $(DEMO_WORKSPACE)
	$(BIN)/hyperpath map receipt --workspace $(DEMO_WORKSPACE) --activities 0.95 --paths 0.9 --color-by performance --svg demo-map.svg
	$(BIN)/hyperpath serve --workspace $(DEMO_WORKSPACE)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) system-deps
	$(BIN)/pytest -q

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_mining.py
	$(BIN)/python bench/bench_metrics.py
	$(BIN)/python bench/bench_app.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info $(DEMO_WORKSPACE) $(DEMO_WORKSPACE).cache demo-map.svg
