# yibao-supervision — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export GX_ANALYTICS_ENABLED := False
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: help format venv run test test-slow test-all dagster sample score clue-sheet gate-bench bench bench-incremental bench-spark spark-test lint clean

help:
	@echo "make run      materialise everything on data/landing (generates sample extracts if empty)"
	@echo "make test     the default test suite (well under 15 min)"
	@echo "make test-slow   the suites that build whole warehouses again and again (CI runs both)"
	@echo "make test-all     make test and make test-slow in one pytest session"
	@echo "make dagster  open the Dagster UI on http://127.0.0.1:3000"
	@echo "make sample   (re)generate the sample extracts into data/landing"
	@echo "make score    precision/recall per rule against the sample's ground truth"
	@echo "make clue-sheet QUARTER=2025Q1   the quarter's clue sheet (stages per clue, reviews per hit) to fill in and deliver as case_clue and case_hit_review"
	@echo "make lint     ruff format --check, ruff check, sqlfluff (make format rewrites the Python)"
	@echo "make bench BENCH_SIZE=1m|10m   stage times, peak RSS and ratios (benchmarks/results/<size>.json)"
	@echo "make bench BENCH_SIZE=1m BENCH_KB=national   the same with a national-size knowledge base, per-rule figures side by side"
	@echo "make bench-incremental BENCH_SIZE=1m [BENCH_YEARS=1,2,3]  one new month into 1, 2, 3 years vs full rebuilds"
	@echo "make bench-spark BENCH_SIZE=1m   the same deliveries built on DuckDB and on Spark reading the loader's lake"
	@echo "make spark-test   build every dbt model and unit test on Apache Spark (installs the spark extra)"

# The environment: created when missing or when pyproject.toml changes.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(VENV)/bin/uv pip install --quiet --python $(PY) --compile-bytecode -e '.[dev]'
	@touch $(STAMP)

# The DuckDB client BI tools ship (1.x, SQLAlchemy 1.4): the tests open the BI export with it.
BI_CLIENT_VENV := .venv-bi-client
BI_CLIENT_STAMP := $(BI_CLIENT_VENV)/.installed
$(BI_CLIENT_STAMP): pyproject.toml $(STAMP)
	@test -x $(BI_CLIENT_VENV)/bin/python || $(PYTHON) -m venv $(BI_CLIENT_VENV)
	$(VENV)/bin/uv pip install --quiet --python $(BI_CLIENT_VENV)/bin/python --group bi-client
	@touch $(BI_CLIENT_STAMP)

venv: $(STAMP) $(BI_CLIENT_STAMP)

run: $(STAMP)
	$(PY) -m orchestration.run

# the default suite; the suites marked slow (incremental month against a rebuild, hit history, clues,
# the gate blocking a feed, reruns) run with `make test-slow` and in CI, `make test-all` runs both
test: $(STAMP) $(BI_CLIENT_STAMP)
	$(PY) -m pytest -q -m "not slow"

test-slow: $(STAMP) $(BI_CLIENT_STAMP)
	$(PY) -m pytest -q -m slow

test-all: $(STAMP) $(BI_CLIENT_STAMP)
	$(PY) -m pytest -q

dagster: $(STAMP)
	@mkdir -p $(DAGSTER_HOME) && test -f $(DAGSTER_HOME)/dagster.yaml || cp orchestration/dagster.yaml $(DAGSTER_HOME)/
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH $(VENV)/bin/dagster dev -m orchestration.definitions

sample: $(STAMP)
	$(PY) -m synthetic --out data/landing --seed 7 --scale 1

# WAREHOUSE / TRUTH default to the sample run's files
score: $(STAMP)
	$(PY) -m synthetic.scoring $(if $(WAREHOUSE),--warehouse $(WAREHOUSE)) $(if $(TRUTH),--truth $(TRUTH))

# the quarter's clue list and hits for supervisors to fill in (QUARTER=2025Q1; optional PERIOD=YYYYMM, the month of
# recording, and SENDER=<centre admdvs>), written under $(YIBAO_OUTPUT_DIR)/clue_sheets/ at its two landing paths
clue-sheet: $(STAMP)
	$(PY) -m exports.clue_sheet --quarter $(QUARTER) $(if $(PERIOD),--period $(PERIOD)) $(if $(SENDER),--sender $(SENDER))

gate-bench: $(STAMP)
	$(PY) -m benchmarks.gate_bench

BENCH_SIZE ?= 1m
# BENCH_KB=national: with a national-size knowledge base in the landing tree (results/<size>-kb.json);
# BENCH_KB_POINTS_PER_CODE=N caps the points of a rule per catalogue code (results/<size>-kb-cap<N>.json)
BENCH_KB ?= none
bench: $(STAMP)
	$(PY) -m benchmarks.bench --size $(BENCH_SIZE) --knowledge-base $(BENCH_KB) \
		$(if $(BENCH_KB_POINTS_PER_CODE),--kb-points-per-code $(BENCH_KB_POINTS_PER_CODE))

# one new month into a warehouse of 1, 2 and 3 years, against a full rebuild of each (identical hits?)
BENCH_YEARS ?= 1,2,3
bench-incremental: $(STAMP)
	$(PY) -m benchmarks.incremental --size $(BENCH_SIZE) --years $(BENCH_YEARS)

# dbt-spark + pyspark live in their own venv (.venv-spark, the `spark` extra): with pyspark installed,
# `import great_expectations` imports pyspark, which exits the process when google.rpc is missing.
SPARK_VENV := .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.installed
$(SPARK_STAMP): pyproject.toml $(STAMP)
	@test -x $(SPARK_VENV)/bin/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(VENV)/bin/uv pip install --quiet --python $(SPARK_VENV)/bin/python --compile-bytecode -e '.[dev,spark]'
	$(VENV)/bin/uv pip check --python $(SPARK_VENV)/bin/python
	@touch $(SPARK_STAMP)

# the same deliveries on DuckDB and on Spark (local mode), Spark reading the lake the loader writes
bench-spark: $(STAMP) $(SPARK_STAMP)
	$(PY) -m benchmarks.spark_lake --size $(BENCH_SIZE)

spark-test: $(SPARK_STAMP)
	$(SPARK_VENV)/bin/python -m pytest -q -m spark tests/test_spark.py

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/sqlfluff lint dbt_project/models

format: $(STAMP)
	$(VENV)/bin/ruff format .

clean:
	rm -rf data dbt_project/target dbt_project/logs
