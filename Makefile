# The project's commands. `make run` starts the bridge on 127.0.0.1;
# `make test` installs what it needs (npm and Debian packages) and runs every test.
SHELL := /bin/bash
NODE_STAMP := node_modules/.installed-stamp

.PHONY: all deps system-deps run test typecheck bench clean

all: test

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

system-deps:
	bash scripts/install-system-deps.sh

deps: $(NODE_STAMP) system-deps

run: $(NODE_STAMP)
	node --import tsx app/main.ts

typecheck: $(NODE_STAMP)
	npx tsc --noEmit -p tsconfig.json

# T=path (a file or folder under test/) runs a subset.
test: deps typecheck
	node test/support/run-tests.mjs $(T)

bench: deps
	node --import tsx test/bench/run.ts $(B)

clean:
	rm -rf node_modules .tmp
