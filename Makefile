# Towers: `make run` trains the siamese demo, `make test` runs the tests.
# Each target first installs what it needs when missing: the system packages
# with apt-get (`make deps`), and for the tests a git-ignored Python virtual
# environment `.venv` with safetensors and numpy (`make python-deps`).

SWIFT ?= swift
PYTHON ?= python3
APT_PACKAGES := libopenblas-dev pkg-config zlib1g-dev python3 python3-venv libopenmpi-dev openmpi-bin
VENV ?= .venv
PYTHON_REQUIREMENTS := Tests/python-requirements.txt
# Seconds per fuzz target (`make fuzz FUZZ_SECONDS=3600` for a long run).
FUZZ_SECONDS ?= 60
# Kills of a checkpointing process in `make crash-test`.
CRASH_KILLS ?= 25

.PHONY: run test deps python-deps build release bench bench-quick bench-distributed run-distributed docs format lint fuzz crash-test clean

deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# The interop tests' Python: recreated when the requirements change.
$(VENV)/installed: $(PYTHON_REQUIREMENTS) | deps
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r $(PYTHON_REQUIREMENTS)
	touch $@

python-deps: $(VENV)/installed

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	$(SWIFT) run -c release towers train

test: deps python-deps
	TOWERS_PYTHON="$(abspath $(VENV))/bin/python" $(SWIFT) test --disable-xctest

bench: release
	$(SWIFT) run -c release towers-bench

bench-quick: release
	$(SWIFT) run -c release towers-bench --quick

# `mpirun` for the distributed targets: as root it needs --allow-run-as-root; --bind-to none lets
# the 1 rank × N threads rows of the benchmark use every core (Open MPI binds ranks to one core each
# by default when it starts two or fewer).
MPIRUN ?= mpirun --allow-run-as-root --oversubscribe --bind-to none
RANKS ?= 2

# N ranks × 1 thread beside 1 rank × N threads (`make bench-distributed BENCH_FLAGS=--quick`).
bench-distributed: release
	$(MPIRUN) -np $(RANKS) .build/release/towers-bench --distributed $(BENCH_FLAGS) </dev/null

# The siamese demo on $(RANKS) ranks, 32 pairs each.
run-distributed: release
	$(MPIRUN) -np $(RANKS) .build/release/towers train --distributed --batch-size 32

# Every module's DocC catalog through the swift-docc-plugin, warnings (broken
# links, undocumented parameters) as errors; archives in .build/plugins/Swift-DocC/outputs.
DOC_TARGETS := TowersCore Variables Layers Models Train Towers TowersDistributed
docs: deps
	$(SWIFT) package generate-documentation --warnings-as-errors $(addprefix --target ,$(DOC_TARGETS))

# libFuzzer targets for the safetensors reader, gzip and CSV (Fuzz/README.md).
fuzz: deps
	Fuzz/run.sh $(FUZZ_SECONDS)

# Kills a process that saves checkpoints at random moments, CRASH_KILLS times.
crash-test: release
	Tests/crash-test.sh $(CRASH_KILLS)

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests Benchmarks Examples Fuzz

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests Benchmarks Examples Fuzz

clean:
	rm -rf .build .fuzz $(VENV)
