# obsgen: everyday commands. Every target sets the machine up first (Debian packages, venv).
VENV    ?= .venv
BIN     := $(VENV)/bin
OBSGEN  := $(BIN)/obsgen
EXPORTER := $(BIN)/obsgen-exporter
PYTEST  := $(BIN)/python -m pytest
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: setup dashboards rules k6 generate manifests check validate test e2e bench bench-generate \
        bench-validate bench-exporter bench-exporter-cache bench-diff bench-slo mutate serve clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/bootstrap.sh
	VENV=$(VENV) ./scripts/bootstrap.sh

dashboards: setup          ## regenerate dashboards/*.json (the everyday command)
	$(OBSGEN) generate dashboards

rules: setup               ## regenerate alerts/ and recording_rules/
	$(OBSGEN) generate rules

k6: setup                  ## regenerate k6/*.js
	$(OBSGEN) generate k6

generate: setup            ## regenerate every artifact
	$(OBSGEN) generate

manifests: setup           ## opt-in outputs: deploy/kubernetes (PrometheusRule, dashboard ConfigMaps), deploy/mimir
	$(OBSGEN) generate kubernetes mimir

check: setup               ## generated files fresh and valid (the validate gate, which checks freshness first)
	$(OBSGEN) validate

validate: setup            ## the CI gate: schema, fresh, Grafana schemas, promtool check + tests, cross-checks, lint
	$(OBSGEN) validate

test: setup                ## the whole test suite, closed loop included
	$(PYTEST) -q

e2e: setup                 ## the closed loop alone: exporter -> Prometheus -> Alertmanager, with k6
	$(PYTEST) -q -m e2e

bench: bench-generate bench-validate bench-diff bench-exporter   ## every benchmark; figures in docs/benchmarks.md

bench-generate: setup      ## CPU, wall, peak RSS of generate vs the bare import floor: shipped, 100/1,000/5,000 metrics
	$(BIN)/python -m benchmarks.bench_generate

bench-validate: setup      ## CPU of validate vs its tool floor (the same tools run directly): shipped, 100/1,000/5,000
	$(BIN)/python -m benchmarks.bench_validate

bench-exporter: setup      ## exporter p95 per backend (SQLite, PostgreSQL) and strategy under k6 (10 VUs), then the cache's
	$(BIN)/python -m benchmarks.exporter_database
	if [ -f benchmarks/exporter_cache.py ]; then $(BIN)/python -m benchmarks.exporter_cache; fi

bench-diff: setup          ## CPU, wall, peak RSS of the semantic diff up to 10,000 alerts + 10,000 panels
	$(BIN)/python -m benchmarks.bench_diff

serve: setup               ## the reference exporter on 127.0.0.1:8787: seeds ampel.db once (obsgen-exporter), then serves it
	test -f ampel.db || $(EXPORTER) seed --db ampel.db
	$(EXPORTER) serve --db ampel.db

bench-slo: setup          ## SLO recording rules vs the raw-range form on a real Prometheus 2.42 over 1,000 series (docs/slo.md)
	$(BIN)/python -m benchmarks.bench_slo_rules

mutate: setup              ## mutation check: >= 30 planted bugs, one at a time in a temp copy, each must be killed (minutes; not in make test)
	$(BIN)/python scripts/mutate.py

clean:
	rm -rf $(VENV) .pytest_cache

bench-exporter-cache: setup ; $(BIN)/python -m benchmarks.exporter_cache  # cache-hit p95 and hit rate, memory:// and Redis, k6 10 VUs (docs/exporter.md)
