# Towers: `make run` trains the siamese demo, `make test` runs the tests.
# Each target first installs the system packages Towers needs when missing.

SWIFT ?= swift
APT_PACKAGES := libopenblas-dev pkg-config

.PHONY: run test deps build release bench bench-quick format lint clean

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

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

run: release
	$(SWIFT) run -c release towers train

test: deps
	$(SWIFT) test --disable-xctest

bench: release
	$(SWIFT) run -c release towers-bench

bench-quick: release
	$(SWIFT) run -c release towers-bench --quick

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests Benchmarks

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests Benchmarks

clean:
	rm -rf .build
