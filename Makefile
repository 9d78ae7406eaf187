# kehu — make test runs every check; make bench measures; see README.md.
CARGO ?= cargo
BENCH_ARGS ?= --customers 100000 --notes 1000000

.PHONY: all deps build test lint fmt bench clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	$(CARGO) build --workspace

lint: deps
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

test: lint
	$(CARGO) test --workspace

fmt:
	$(CARGO) fmt --all

bench: deps
	$(CARGO) build --release --workspace --bins
	./target/release/kehu-bench $(BENCH_ARGS)

clean:
	$(CARGO) clean
