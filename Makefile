# plugin-runner - see README.md. Plain GNU make; nothing here installs
# system packages except the explicit `deps` target.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
sysconfdir ?= /etc
POLICYDIR  ?= $(sysconfdir)/plugin-runner
DESTDIR    ?=
VERSION    := 0.1.0

PKGS     = jansson libseccomp libcap-ng libbsd-overlay libmd
DEBPKGS  = build-essential pkg-config libjansson-dev libseccomp-dev \
           libcap-ng-dev libbsd-dev libmd-dev python3 mandoc clang \
           bubblewrap socat golang-go

CC       ?= cc
CPPFLAGS += -Iinclude -D_GNU_SOURCE -DPR_VERSION='"$(VERSION)"' \
            -DPR_POLICYDIR='"$(POLICYDIR)"'
WARN      = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wswitch-enum -Wvla -Wundef \
            -Wno-error=deprecated-declarations
HARDEN   ?= -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong \
            -fstack-clash-protection -fcf-protection -fPIE
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 $(WARN) $(HARDEN)
LDFLAGS  += -pie -Wl,-z,relro,-z,now,-z,noexecstack
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
CPPFLAGS += $(PKG_CFLAGS)
# The five small libraries are linked statically by default, glibc stays
# shared: every start of a plugin then maps and relocates two objects
# instead of seven, which is what brings start-up under bubblewrap's and
# idle RSS under 2 MiB (bench/). A security fix in one of them then needs
# a rebuild; packagers who prefer shared linking: make STATIC_LIBS=0.
STATIC_LIBS ?= 1
ifeq ($(STATIC_LIBS),1)
LDLIBS   += -Wl,-Bstatic $(shell pkg-config --libs --static $(PKGS) 2>/dev/null) -Wl,-Bdynamic
else
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null)
endif

# Sanitizer build: `make SAN=1 check` (used by CI). Hardening flags stay off
# there, as in OpenSSH's ASan CI.
ifeq ($(SAN),1)
HARDEN   = -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=all -DPR_SANITIZED=1
LDFLAGS  = -fsanitize=address,undefined
BUILD   ?= build-san
else ifeq ($(SAN),thread)
# ThreadSanitizer: `make SAN=thread check` (used by CI), for the runner's
# second thread (canonworker.c), in its unit test and in the relay.
HARDEN   = -fno-omit-frame-pointer -fsanitize=thread -DPR_SANITIZED=1
LDFLAGS  = -fsanitize=thread
BUILD   ?= build-tsan
else
BUILD   ?= build
endif

SRCS     := $(sort $(wildcard src/*.c))
OBJS     := $(SRCS:src/%.c=$(BUILD)/%.o)
LIBOBJS  := $(filter-out $(BUILD)/main.o,$(OBJS))
UNITSRC  := $(sort $(wildcard tests/unit/test-*.c))
UNITBIN  := $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
HELPSRC  := $(sort $(wildcard tests/plugins/*.c))
HELPBIN  := $(HELPSRC:tests/plugins/%.c=$(BUILD)/tests/plugins/%)
FUZZSRC  := $(sort $(wildcard tests/fuzz/fuzz-*.c))
REPLAYBIN:= $(FUZZSRC:tests/fuzz/%.c=$(BUILD)/tests/replay-%)

.PHONY: all check check-unprivileged micro unit-check integration-check policy-check man-check \
        install uninstall clean deps fuzz bench bench-smoke demo asan

all: $(BUILD)/plugin-runner plugin-runner

plugin-runner: $(BUILD)/plugin-runner
	ln -sf $(BUILD)/plugin-runner $@

$(BUILD)/plugin-runner: $(OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c -o $@ $<

# The policy directory is compiled in: rebuild main.o whenever it changes
# (e.g. `make install sysconfdir=/usr/local/etc` after a plain `make`).
$(BUILD)/config.stamp: FORCE | $(BUILD)
	@echo '$(POLICYDIR) $(VERSION)' | cmp -s - $@ || echo '$(POLICYDIR) $(VERSION)' > $@
$(BUILD)/main.o $(BUILD)/policy_find.o: $(BUILD)/config.stamp
.PHONY: FORCE
FORCE:

$(BUILD) $(BUILD)/tests $(BUILD)/tests/plugins:
	mkdir -p $@

$(BUILD)/tests/test-%: tests/unit/test-%.c tests/unit/tap.h tests/unit/testpol.h $(wildcard tests/fuzz/*.h) $(LIBOBJS) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) -Itests/unit $(CFLAGS) $(LDFLAGS) -o $@ $< $(LIBOBJS) $(LDLIBS)

# Test plugins are built without PIE/hardening quirks mattering; they are
# small hostile or well-behaved programs run inside the sandbox.
$(BUILD)/tests/plugins/%: tests/plugins/%.c | $(BUILD)/tests/plugins
	$(CC) -O1 -g -Wall -Wextra -Werror -std=gnu11 -D_GNU_SOURCE -o $@ $< $(TESTPLUGIN_LIBS)

# Fuzz targets double as corpus-replay unit tests (as in Core Lightning).
$(BUILD)/tests/replay-%: tests/fuzz/%.c tests/fuzz/replay-main.c $(wildcard tests/fuzz/*.h) $(LIBOBJS) | $(BUILD)/tests
	$(CC) $(CPPFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay-main.c $(LIBOBJS) $(LDLIBS)

# bench-smoke and the unprivileged pass run first so that the whole
# suite's summary is the last thing printed. -o shows the tests' comments:
# a failing case's diagnostics (what a process printed, a traceback) reach
# the CI log; a passing run has a few.
check: all micro $(UNITBIN) $(HELPBIN) $(REPLAYBIN)
	$(MAKE) -s bench-smoke
	$(MAKE) -s check-unprivileged
	BUILD=$(BUILD) PR_BIN=$(CURDIR)/$(BUILD)/plugin-runner prove -f -o --timer \
	    $(UNITBIN) $(REPLAYBIN) $(sort $(wildcard tests/integration/*.t))

# The protocol and RPC-proxy tests (hostile plugins and hosts included) run
# a second time with the host, so the runner, as an unprivileged user, as
# lightningd runs on most nodes: the runner then builds the sandbox in a
# user namespace instead of switching identity as root (fakehost.py's
# PR_TEST_UID). The escape tests run both ways on their own (30-escape.t).
# Not root: the one pass above is already unprivileged.
TEST_UID ?= 65534
PROTOCOL_TESTS := $(sort $(wildcard tests/integration/1*.t tests/integration/2*.t \
                                    tests/integration/4*.t))
check-unprivileged: all $(HELPBIN) $(REPLAYBIN)
	@if [ "$$(id -u)" != 0 ]; then \
	    echo "check-unprivileged: not root, so the protocol tests run once, as uid $$(id -u)"; \
	elif ! setpriv --reuid=$(TEST_UID) --regid=$(TEST_UID) --clear-groups \
	        test -x $(CURDIR)/$(BUILD)/plugin-runner -a -r $(CURDIR)/tests/plugins/goodplugin.py; then \
	    echo "check-unprivileged: uid $(TEST_UID) cannot run $(CURDIR)/$(BUILD)/plugin-runner" \
	         "or read tests/plugins (run the tests from a directory every user can read)" >&2; \
	    exit 1; \
	else \
	    echo "== protocol tests as uid $(TEST_UID) (host and runner)"; \
	    BUILD=$(BUILD) PR_BIN=$(CURDIR)/$(BUILD)/plugin-runner PR_TEST_UID=$(TEST_UID) \
	        prove -f -o --timer $(PROTOCOL_TESTS); \
	fi

unit-check: $(UNITBIN)
	prove -f $(UNITBIN)

fuzz:
	$(MAKE) -f tests/fuzz/fuzz.mk

bench: all $(HELPBIN)
	BUILD=$(BUILD) bench/run

bench-smoke: all micro $(HELPBIN)
	BUILD=$(BUILD) bench/run --smoke
	$(BUILD)/bench/bench-micro --smoke bench/policies/bench.json

# bench-micro links the runner's objects, so it is built with this build's
# flags (the sanitizers' too); check runs it at smoke size so it cannot rot.
micro: all
	$(MAKE) -s -f bench/Makefile BUILD=$(BUILD) CFLAGS="$(CFLAGS)" LDFLAGS="$(LDFLAGS)" micro

demo: all
	tests/demo.sh

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(POLICYDIR)
	install -m 0755 $(BUILD)/plugin-runner $(DESTDIR)$(BINDIR)/plugin-runner
	install -m 0644 man/plugin-runner.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 0644 man/plugin-runner.policy.5 $(DESTDIR)$(MANDIR)/man5/
	install -m 0644 policies/*.json $(DESTDIR)$(POLICYDIR)/

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/plugin-runner \
	    $(DESTDIR)$(MANDIR)/man1/plugin-runner.1 \
	    $(DESTDIR)$(MANDIR)/man5/plugin-runner.policy.5

# Installs the Debian packages the build and the tests need. Only this
# target (and the README's two commands, which call it) installs anything.
deps:
	@if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq --no-install-recommends $(DEBPKGS); \
	else \
	    echo "run as root: apt-get install $(DEBPKGS)"; \
	fi

clean:
	rm -rf build build-san build-tsan build-fuzz plugin-runner
