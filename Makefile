# Two entry points, each of which sets itself up: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Installs missing Debian/Ubuntu packages when root or passwordless sudo allows it,
# otherwise prints the one apt-get line and stops.
SYSTEM := sh packaging/linux/install-system-packages.sh
# What the tests use beyond Python: Qt's offscreen libraries, for tests/packaging
# binutils (strip, objdump), desktop-file-validate, appstreamcli and shellcheck, and for
# tests/crash (the real window, driven by keys) Xvfb, openbox, xdotool and imagemagick.
TEST_SYSTEM_PACKAGES := libegl1 libgl1 libfontconfig1 libxkbcommon0 libdbus-1-3 \
	libglib2.0-0 libwayland-client0 libwayland-cursor0 libwayland-egl1 \
	binutils desktop-file-utils appstream shellcheck \
	xvfb openbox xdotool imagemagick

.PHONY: demo test lint typecheck unit bench sim package clean display-packages test-packages

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import ensurepip' 2>/dev/null || $(SYSTEM) python3-venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,package]'
	touch $@

# The libraries Qt's display plugin needs here (python -m reviewer.preflight says which
# are missing). Elsewhere than Debian/Ubuntu the app itself names them on start.
display-packages: $(STAMP)
	@if command -v apt-get >/dev/null 2>&1; then \
	  $(SYSTEM) $$($(BIN)/python -m reviewer.preflight --apt-packages); fi

test-packages: display-packages
	@if command -v apt-get >/dev/null 2>&1; then $(SYSTEM) $(TEST_SYSTEM_PACKAGES); fi

demo: display-packages
	$(BIN)/reviewer --demo

sim: $(STAMP)
	$(BIN)/reviewer-sim

test: lint typecheck unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy $(wildcard packaging/*.py)

unit: test-packages
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

# The harness: every figure beside its goal, under 5 min (benchmarks/run.py --help).
bench: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python benchmarks/run.py

# The installable packages for this system, into dist/ (see README: Build the packages).
package: display-packages
	$(BIN)/python packaging/build.py

clean:
	rm -rf $(VENV) build dist .mypy_cache .ruff_cache .pytest_cache
