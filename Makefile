# kehu — make test runs every check; make run starts the desktop app; make bench measures.
# See README.md.
CARGO ?= cargo
BENCH_ARGS ?= --customers 100000 --notes 1000000 --merge-customers 1000000
XVFB = xvfb-run -a -s '-screen 0 1280x800x24'
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all deps ui build app run deb test lint ui-test e2e fmt bench bench-core bench-app clean

all: build

deps:
	@bash scripts/install-deps.sh

# The web front end, built into ui/dist, which the desktop binary embeds.
ui: deps
	cd ui && npm run build

build: ui
	$(CARGO) build --workspace

# The release desktop binary the end-to-end tests drive.
app: ui
	$(CARGO) build --release --workspace --bins

run: app
	./target/release/kehu-desktop

deb: ui
	ui/node_modules/.bin/tauri build --bundles deb
	@ls -1 target/release/bundle/deb/*.deb

lint: ui
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets --features kehu/bench -- -D warnings
	cd ui && npm run check

ui-test: ui
	cd ui && npm test

e2e: app
	$(XVFB) node --test --test-concurrency=1 tests/e2e/

test: lint ui-test
	$(CARGO) test --workspace
	@git diff --exit-code --stat -- ui/src/api/bindings || \
	  (echo "the generated IPC types changed: commit ui/src/api/bindings" >&2; exit 1)
	$(MAKE) e2e

fmt:
	$(CARGO) fmt --all

bench: bench-core bench-app

# The core's benchmark; it keeps its notebook (password "bench password") for bench-app.
bench-core: app
	$(CARGO) build --release --bin kehu-bench --features bench
	rm -rf artifacts/bench-notebook
	./target/release/kehu-bench $(BENCH_ARGS) --keep artifacts/bench-notebook

# The desktop app on that notebook: startup, search while typing, scrolling the list.
bench-app: app
	$(XVFB) node tests/e2e/bench.mjs artifacts/bench-notebook

clean:
	$(CARGO) clean
	rm -rf ui/dist artifacts
