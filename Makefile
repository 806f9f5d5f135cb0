# Containarium - build, test, install.
#
#   make                 build ./build/containarium
#   make check           unit tests (cmocka) then integration tests (pytest,
#                        real LXD); SANITIZE=address,undefined for sanitizers
#   make fuzz            libFuzzer targets (tests/fuzz/), FUZZ_SECONDS each
#   make install         PREFIX=/usr/local DESTDIR=
#   make deps            install the Debian packages the build and tests need

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
SYSCONFDIR ?= /etc
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
DOCDIR ?= $(PREFIX)/share/doc/containarium
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR ?=

CC ?= cc
SANITIZE ?=
# A sanitized build never mixes objects with a plain one.
BUILD ?= build$(if $(SANITIZE),-sanitize)
V ?=
Q := $(if $(V),,@)

PKGS := grpc libprotobuf-c libcurl jansson inih libjwt libseccomp libsystemd openssl

WARNINGS := -Wall -Wextra -Wshadow -Wmissing-prototypes -Wstrict-prototypes \
	-Wformat=2 -Werror
HARDENING := -fstack-protector-strong -D_FORTIFY_SOURCE=2 -fPIE
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(WARNINGS) $(HARDENING) $(CFLAGS) \
	-I$(BUILD)/gen -Isrc $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
ALL_LDFLAGS := -pie -Wl,-z,relro,-z,now $(LDFLAGS)
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lwslay -lcrypt -lpthread -lm

ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
# The worker sandbox lets a sanitizer report and LeakSanitizer's scan through.
ALL_CFLAGS += -DCONTAINARIUM_SANITIZED
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

PROTOS := $(wildcard proto/containarium/v1/*.proto proto/containarium/ipc/*.proto)
GEN_C := $(patsubst proto/%.proto,$(BUILD)/gen/%.pb-c.c,$(PROTOS))
GEN_H := $(GEN_C:.c=.h)

# One archive per layer; dependencies point one way (docs/architecture.md):
# cli, worker, master -> common; master -> incus; incus -> nothing of ours.
LAYERS := common incus master worker cli
define layer_vars
$(1)_SRC := $$(wildcard src/$(1)/*.c)
$(1)_OBJ := $$(patsubst src/%.c,$(BUILD)/obj/%.o,$$($(1)_SRC))
$(1)_LIB := $(BUILD)/lib$(1).a
endef
$(foreach l,$(LAYERS),$(eval $(call layer_vars,$(l))))
GEN_OBJ := $(patsubst $(BUILD)/gen/%.c,$(BUILD)/obj/gen/%.o,$(GEN_C))

BIN := $(BUILD)/containarium
LINK_ORDER := $(cli_LIB) $(worker_LIB) $(master_LIB) $(incus_LIB) $(common_LIB) $(BUILD)/libgen.a

UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: bench-tls
.PHONY: all testbed check check-static check-unit check-worker check-cli check-integration check-security install deps clean quickstart
.SECONDARY: $(GEN_C) $(GEN_H)

all: $(BIN)

include tests/fuzz/fuzz.mk

$(BUILD)/gen/%.pb-c.c $(BUILD)/gen/%.pb-c.h: proto/%.proto
	@mkdir -p $(BUILD)/gen
	@$(if $(Q),echo "  PROTOC  $<")
	$(Q)protoc-c --c_out=$(BUILD)/gen -Iproto $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/%.o: src/%.c $(GEN_H) $(wildcard src/*/*.h)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libgen.a: $(GEN_OBJ)
	@$(AR) rcs $@ $^

$(foreach l,$(LAYERS),$(eval $$($(l)_LIB): $$($(l)_OBJ) ; @mkdir -p $(BUILD); rm -f $$@; $$(AR) rcs $$@ $$^))


$(BIN): $(BUILD)/obj/main.o $(LINK_ORDER)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $(BUILD)/obj/main.o $(LINK_ORDER) $(LIBS)

# Unit tests link every layer archive; the linker takes only what they use.
$(BUILD)/tests/%: tests/unit/%.c $(LINK_ORDER)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LINK_ORDER) $(LIBS) -lcmocka

# `make check` installs what it needs first, then re-reads this Makefile so
# pkg-config sees the freshly installed libraries.
check: deps
	$(MAKE) testbed check-static check-unit check-fuzz check-worker check-cli check-integration check-security check-bench

# The real LXD of the test bed (tests/testbed/): pool, bridge, project, images.
testbed:
	tests/testbed/testbed-up.sh

# The Incus client's live tests run when the test bed's LXD is up.
check-unit: $(UNIT_BIN)
	@set -e; sock=$${CONTAINARIUM_TEST_INCUS_SOCKET:-}; \
	if [ -z "$$sock" ] && [ -S /var/lib/lxd/unix.socket ]; then sock=/var/lib/lxd/unix.socket; fi; \
	for t in $(UNIT_BIN); do echo "== $$t"; \
	  CONTAINARIUM_TEST_INCUS_SOCKET=$$sock \
	  CONTAINARIUM_TEST_INCUS_PROJECT=$${CTR_PROJECT:-containarium-test} $$t; done

# The worker on its own, with a Python fake master and a real grpcio client.
check-worker: $(BUILD)/tests/worker_driver
	WORKER_DRIVER=$(abspath $<) /usr/bin/python3 -m pytest -v -p no:cacheprovider tests/worker

check-cli: $(BIN)
	CLI_BIN=$(abspath $(BIN)) /usr/bin/python3 -m pytest -v -p no:cacheprovider tests/cli

check-integration: $(BIN)
	CONTAINARIUM_BIN=$(abspath $(BIN)) /usr/bin/python3 -m pytest -v tests/integration

# The real master (libmaster.a) with rogue workers that hand their channel
# to a test playing a compromised worker (tests/security/rogue_daemon.c).
$(BUILD)/tests/rogue_daemon: tests/security/rogue_daemon.c $(LINK_ORDER)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LINK_ORDER) $(LIBS)

check-security: $(BUILD)/tests/rogue_daemon
	ROGUE_DAEMON=$(abspath $<) /usr/bin/python3 -m pytest -v -p no:cacheprovider tests/security

# Units (systemd-analyze verify, security score), man pages (mandoc lint,
# every config key documented), the SELinux module (compiled), make install.
check-static: $(BIN)
	CONTAINARIUM_BIN=$(abspath $(BIN)) /usr/bin/python3 -m pytest -v -s -p no:cacheprovider tests/static

# The config is installed only where there is none (an admin's file is never
# overwritten); the shipped one is always in DOCDIR. Paths under /etc in the
# config and the service follow SYSCONFDIR and BINDIR. The bash completion
# is installed when the CLI ships one (completion/containarium.bash).
MAN_PAGES := man/containarium.1 man/containarium.ini.5 man/containarium.8
BASH_COMPLETION := $(wildcard completion/containarium.bash)
CONFIG_DEST := $(DESTDIR)$(SYSCONFDIR)/containarium/containarium.ini

install: $(BIN)
	install -Dm0755 $(BIN) $(DESTDIR)$(BINDIR)/containarium
	install -d -m0755 $(DESTDIR)$(SYSCONFDIR)/containarium $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR)
	sed -e '/^[a-z_]* *=/s|/etc/containarium/|$(SYSCONFDIR)/containarium/|' \
	  conf/containarium.ini > $(DESTDIR)$(DOCDIR)/containarium.ini
	chmod 0644 $(DESTDIR)$(DOCDIR)/containarium.ini
	@if [ -e $(CONFIG_DEST) ]; then \
	  echo "install: keeping $(CONFIG_DEST); the shipped one is $(DESTDIR)$(DOCDIR)/containarium.ini"; \
	else install -m0644 $(DESTDIR)$(DOCDIR)/containarium.ini $(CONFIG_DEST); fi
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
	  systemd/containarium.service.in > $(DESTDIR)$(UNITDIR)/containarium.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/containarium.service
	install -m0644 systemd/containarium-grpc.socket systemd/containarium-admin.socket $(DESTDIR)$(UNITDIR)/
	install -Dm0644 systemd/containarium.sysusers $(DESTDIR)$(SYSUSERSDIR)/containarium.conf
	@# Workers drop to [server] worker_user; the daemon refuses to start without it.
	@if [ -n "$(DESTDIR)" ]; then \
	  echo "install: on the target, create the workers' user: useradd --system --no-create-home --shell /usr/sbin/nologin containarium (or systemd-sysusers)"; \
	elif ! getent passwd containarium >/dev/null; then \
	  echo "install: creating the system user containarium for the workers"; \
	  useradd --system --no-create-home --shell /usr/sbin/nologin containarium; fi
	for m in $(MAN_PAGES); do \
	  install -Dm0644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/} || exit 1; done
	$(if $(BASH_COMPLETION),install -Dm0644 $(BASH_COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/containarium)

# What TLS on an inherited listener costs (docs/architecture.md, "TLS"):
# prints calls/s and p50/p99 latencies of four ways of serving; not part of
# `make check`.
$(BUILD)/bench/bench_server: bench/tls/bench_server.c $(LINK_ORDER)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LINK_ORDER) $(LIBS)

bench-tls: $(BUILD)/bench/bench_server
	/usr/bin/python3 bench/tls/bench_tls.py $(abspath $<)

# `make bench`: the daemon against Incus itself and a bare grpc-core server
# at 10, 50 and 200 containers (minutes; real LXD); writes bench/results.md
# and bench/results.png. BENCH_SMOKE=1 is a few-second run against the fake
# Incus that checks the pipeline, written under $(BUILD)/bench-smoke; it is
# part of `make check` (check-bench). BENCH_ARGS passes options through
# (bench/run_bench.py --help).
.PHONY: bench check-bench
BENCH_SMOKE ?=
BENCH_ARGS ?=
$(BUILD)/bench/bench_bare_server: bench/bench_bare_server.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIBS)

bench: $(BIN) $(BUILD)/bench/bench_bare_server
	/usr/bin/python3 bench/run_bench.py --bin $(abspath $(BIN)) \
	  --bare $(abspath $(BUILD)/bench/bench_bare_server) \
	  $(if $(BENCH_SMOKE),--smoke --out $(BUILD)/bench-smoke,--out bench) $(BENCH_ARGS)

check-bench:
	$(MAKE) bench BENCH_SMOKE=1

deps:
	./scripts/install-deps.sh

clean:
	rm -rf $(BUILD)
