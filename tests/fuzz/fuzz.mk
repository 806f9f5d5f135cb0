# tests/fuzz/fuzz.mk - libFuzzer targets; included by the top Makefile.
#
#   make fuzz         build with clang, run each target FUZZ_SECONDS (60)
#   make check-fuzz   the same, FUZZ_CHECK_SECONDS (10) each: part of check
#
# The layers a target needs (common, incus, the generated protobuf code) are
# compiled again by clang with coverage instrumentation, ASan and UBSan, in
# a tree of their own (FUZZ_BUILD), by a sub-make of this same Makefile.

FUZZ_CC ?= clang-14
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_CHECK_SECONDS ?= 10
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_LIBS = $(BUILD)/libincus.a $(BUILD)/libcommon.a $(BUILD)/libgen.a

.PHONY: fuzz fuzz-build fuzz-link check-fuzz

# Warnings stay warnings here: gcc's build holds the tree to -Werror, and a
# clang-only warning must not stop the fuzzing.
fuzz-build:
	$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	    SANITIZE=fuzzer-no-link,address,undefined CFLAGS="-O1 -g -Wno-error" fuzz-link

# Only meaningful inside the sub-make above, where BUILD is FUZZ_BUILD.
fuzz-link: $(addprefix $(BUILD)/fuzz/,$(FUZZ_TARGETS))

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIBS)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< \
	    $(FUZZ_LIBS) $(LIBS)

fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    tests/fuzz/run.sh $(FUZZ_BUILD) $$t $(FUZZ_SECONDS); done

check-fuzz: fuzz-build
	@set -e; for t in $(FUZZ_TARGETS); do \
	    tests/fuzz/run.sh $(FUZZ_BUILD) $$t $(FUZZ_CHECK_SECONDS); done
