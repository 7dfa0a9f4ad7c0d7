# The two commands a user needs: `make demo` and `make test`. Both bootstrap themselves.
SHELL := /bin/bash
PYTHON ?= python3.11
export UV_PYTHON_DOWNLOADS := never
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test lint typecheck unit terraform artifacts coldstart bench audit ci clean

setup: $(VENV)/.synced

.tools/bin/uv:
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet uv

ifeq ($(UV),.tools/bin/uv)
UV_DEP := .tools/bin/uv
endif

$(VENV)/.synced: pyproject.toml uv.lock $(UV_DEP)
	$(UV) sync --frozen --all-extras --python $(PYTHON)
	touch $@

# Builds the artifacts, starts the local cloud, applies terraform/envs/local, ingests the
# sample documents, asks the API three questions, and stops the local cloud.
demo: setup
	UV=$(UV) $(BIN)/python scripts/demo.py

PY_DIRS := $(wildcard src tests scripts lambdas glue_jobs)

lint: setup
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/ruff check $(PY_DIRS)

typecheck: setup
	$(BIN)/mypy src

unit: setup
	$(BIN)/python -m pytest -q -p no:cacheprovider

# Terraform fmt/validate/test and checkov; skipped with a note where Terraform is absent.
terraform: setup
	UV=$(UV) bash scripts/terraform_check.sh

test: lint typecheck unit terraform

# Lambda layer and function zips, Glue wheel and scripts: what `terraform apply` uploads.
artifacts: setup
	UV=$(UV) $(BIN)/python scripts/package.py

# Known vulnerabilities in the locked dependencies (pip-audit over the exported uv.lock). It
# needs PyPI's JSON API; --strict fails when a package could not be checked.
audit: setup
	$(UV) export --frozen --all-extras --no-hashes --no-emit-project --format requirements-txt > .cache/audit-requirements.txt
	$(UV) tool run --from pip-audit==2.9.0 pip-audit --strict --disable-pip --no-deps -r .cache/audit-requirements.txt

# What the CI workflow runs (.github/workflows/ci.yml), in one command on this machine.
ci: test audit artifacts

coldstart: setup
	$(BIN)/python scripts/bench_cold_start.py

bench: setup
	$(BIN)/python scripts/bench_tools.py
	$(BIN)/python scripts/bench_conversation.py

clean:
	rm -rf $(VENV) .tools .mypy_cache .ruff_cache .pytest_cache .terraform-check build dist
