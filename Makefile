# The project's commands. `make run` starts the bridge on 127.0.0.1;
# `make test` installs what it needs (npm and Debian packages) and runs every test.
SHELL := /bin/bash
NODE_STAMP := node_modules/.installed-stamp
# The media workers' batched UDP (bridge/rtp/native/udp-batch.c), built against
# the running Node's own headers; without it the media falls back to node:dgram.
ADDON := build/udp-batch.node
NODE_INCLUDE = $(shell node -p "require('path').join(process.execPath, '..', '..', 'include', 'node')")

.PHONY: all deps system-deps addon run test typecheck bench soak fuzz clean

all: test

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

system-deps:
	bash scripts/install-system-deps.sh

$(ADDON): bridge/rtp/native/udp-batch.c
	@mkdir -p build
	cc -O2 -Wall -Wextra -Werror -shared -fPIC -I"$(NODE_INCLUDE)" -o $@ $<

addon: $(ADDON)

deps: $(NODE_STAMP) system-deps

run: $(NODE_STAMP) $(ADDON)
	node --import tsx app/main.ts

typecheck: $(NODE_STAMP)
	npx tsc --noEmit -p tsconfig.json

# T=path (a file or folder under test/) runs a subset.
test: deps $(ADDON) typecheck
	node test/support/run-tests.mjs $(T)

bench: deps $(ADDON)
	node --import tsx test/bench/run.ts $(B)

# Calls churning through the IVR into many rooms (test/bench/soak.ts); a 3-minute one runs in make test.
SOAK_MINUTES ?= 30
SOAK_CALLS ?= 200
SOAK_RATE ?= 10
soak: deps $(ADDON)
	SOAK_MINUTES=$(SOAK_MINUTES) SOAK_CALLS=$(SOAK_CALLS) SOAK_RATE=$(SOAK_RATE) node --import tsx test/bench/run.ts soak

# The long fuzz run of every parser (test/fuzz/run.ts): FUZZ_SIP SIP messages
# (default 10,000,000) and FUZZ_EACH of each other input (default 1,000,000)
# on one worker thread per core; FUZZ_SEED replays a run.
fuzz: $(NODE_STAMP)
	node --import tsx test/fuzz/run.ts

clean:
	rm -rf node_modules .tmp build
