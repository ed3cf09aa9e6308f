# tests/fuzz/fuzz.mk - build every tests/fuzz/fuzz-*.c as a libFuzzer binary
# (clang -fsanitize=fuzzer,address,undefined) into build-fuzz/, then run each
# for $(FUZZ_TIME) seconds on a copy of its seed corpus
# tests/fuzz/corpus/<target>/ (the seeds themselves are never written).
# `make fuzz` calls this. Knobs: FUZZ_TIME=60, FUZZ_TARGETS="fuzz-canon ...",
# FUZZ_CC=clang. Dictionary: tests/fuzz/<target>.dict, else json.dict. Crash inputs land in build-fuzz/crashes/;
# copy them into the corpus once fixed so `make check` replays them.
FUZZ_TIME    ?= 60
FUZZ_CC      ?= clang
FUZZ_TARGETS ?= $(sort $(basename $(notdir $(wildcard tests/fuzz/fuzz-*.c))))

FZ       := build-fuzz
FZ_PKGS  := jansson libseccomp libcap-ng libbsd-overlay libmd
FZ_SAN   := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FZ_CPP   := -Iinclude -D_GNU_SOURCE -DPR_VERSION='"fuzz"' \
            -DPR_POLICYDIR='"/nonexistent"' -DPR_SANITIZED=1 -DPR_FUZZING=1 \
            $(shell pkg-config --cflags $(FZ_PKGS))
FZ_CFLAGS:= -std=gnu11 -O1 -g -fno-omit-frame-pointer -Wall -Wextra
FZ_LIBS  := $(shell pkg-config --libs $(FZ_PKGS))
# Like the unit tests: every module but main.c, so any target links.
FZ_SRCS  := $(filter-out src/main.c,$(sort $(wildcard src/*.c)))
FZ_OBJS  := $(FZ_SRCS:src/%.c=$(FZ)/obj/%.o)

.PHONY: all build run $(FUZZ_TARGETS:%=run-%)
.SECONDARY: $(FZ_OBJS)

all: run
build: $(FUZZ_TARGETS:%=$(FZ)/%)
run: $(FUZZ_TARGETS:%=run-%)

$(FZ)/obj/%.o: src/%.c $(wildcard include/*.h)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(FZ_CPP) $(FZ_CFLAGS) $(FZ_SAN) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/fuzz-%: tests/fuzz/fuzz-%.c $(wildcard tests/fuzz/*.h) $(FZ_OBJS)
	$(FUZZ_CC) $(FZ_CPP) $(FZ_CFLAGS) $(FZ_SAN) -fsanitize=fuzzer -o $@ $< $(FZ_OBJS) $(FZ_LIBS)

$(FUZZ_TARGETS:%=run-%): run-%: $(FZ)/%
	rm -rf $(FZ)/corpus/$* && mkdir -p $(FZ)/corpus/$* $(FZ)/crashes
	cp tests/fuzz/corpus/$*/* $(FZ)/corpus/$*/
	$(FZ)/$* -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 \
	    -print_final_stats=1 \
	    -artifact_prefix=$(FZ)/crashes/$*- \
	    -dict=$(firstword $(wildcard tests/fuzz/$*.dict) tests/fuzz/json.dict) \
	    $(FZ)/corpus/$*
