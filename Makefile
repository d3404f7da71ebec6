# eci-kubelet build. `make deps` installs what the build and tests need,
# `make` builds bin/, `make test` runs every test under ASan+UBSan (and the
# unit tests once more under ThreadSanitizer).

VARIANT ?= rel
BUILD_ROOT ?= build
B := $(BUILD_ROOT)/$(VARIANT)

PKGS   := libcurl openssl yaml-0.1 libcjson libwebsockets zlib libmicrohttpd
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lhttp_parser -lutil -lpthread -lm

WARN   := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wformat=2 -Wno-format-nonliteral
BASEFL := -std=c11 -D_GNU_SOURCE -I. $(PKG_CFLAGS) $(WARN) -g -MMD -MP
SANFL  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

ifeq ($(VARIANT),rel)
  CC ?= cc
  CFLAGS_V := -O2
  LDFLAGS_V :=
else ifeq ($(VARIANT),san)
  CFLAGS_V := -O1 $(SANFL)
  LDFLAGS_V := $(SANFL)
else ifeq ($(VARIANT),fuzz)
  CC := clang
  CFLAGS_V := -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -DECI_FUZZING
  LDFLAGS_V := -fsanitize=fuzzer,address,undefined
else ifeq ($(VARIANT),tsan)
  # ThreadSanitizer for the unit tests (it cannot be combined with ASan).
  CFLAGS_V := -O1 -fsanitize=thread -fno-omit-frame-pointer
  LDFLAGS_V := -fsanitize=thread
endif

VERSION := $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0)
CFLAGS  += $(BASEFL) $(CFLAGS_V) -DECI_KUBELET_VERSION='"$(VERSION)"'
LDFLAGS += $(LDFLAGS_V)

# Modules: every .c in a module folder belongs to that module's library.
UTIL_SRC := $(wildcard util/*.c)
ECI_SRC  := $(wildcard eci/*.c)
EMU_SRC  := $(wildcard eci/emulator/*.c)
K8S_SRC  := $(wildcard k8s/*.c)
KUBELET_SRC := $(wildcard provider/kubelet/*.c)
PODMAP_SRC  := $(wildcard provider/podmap/*.c)
PROV_SRC := $(wildcard provider/*.c)
FAKES_SRC := $(wildcard tests/fakes/*.c)

objs = $(patsubst %.c,$(B)/obj/%.o,$(1))
LIB_UTIL := $(B)/lib/libutil.a
LIB_ECI  := $(B)/lib/libeci.a
LIB_EMU  := $(B)/lib/libemu.a
LIB_K8S  := $(B)/lib/libk8s.a
LIB_KUBELET := $(B)/lib/libkubelet.a
LIB_PODMAP  := $(B)/lib/libpodmap.a
LIB_PROV := $(B)/lib/libprov.a
LIB_FAKES := $(B)/lib/libfakes.a
# Link order: a library before the ones it uses (provider/ uses provider/kubelet,
# provider/podmap, k8s and eci; all of them use util).
ALL_LIBS := $(LIB_PROV) $(LIB_PODMAP) $(LIB_KUBELET) $(LIB_K8S) $(LIB_EMU) $(LIB_ECI) $(LIB_UTIL)

UNIT_SRC  := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(B)/tests/%,$(UNIT_SRC))
PROG_SRC  := $(wildcard tests/progs/*.c)
PROG_BINS := $(patsubst tests/progs/%.c,$(B)/progs/%,$(PROG_SRC))
FUZZ_SRC  := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(FUZZ_SRC))

.PHONY: all bins unit-bins fuzz-bins deps test unit unit-tsan e2e fuzz fuzz-short bench clean \
        cluster-up cluster-down demo variant-bins

# bin/ is replaced by rename, never written in place, so a running binary
# (a demo, a test) keeps its file and make never fails with "Text file busy".
all:
	@$(MAKE) --no-print-directory VARIANT=rel variant-bins
	@mkdir -p bin && for b in eci-kubelet eci-emulator; do \
	    cp build/rel/bin/$$b bin/.$$b.new && mv -f bin/.$$b.new bin/$$b || exit 1; done

variant-bins: $(B)/bin/eci-kubelet $(B)/bin/eci-emulator $(PROG_BINS)

unit-bins: $(UNIT_BINS)
fuzz-bins: $(FUZZ_BINS)

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC  $(VARIANT) $<"
	@$(CC) $(CFLAGS) -c $< -o $@

$(LIB_UTIL): $(call objs,$(UTIL_SRC))
$(LIB_ECI):  $(call objs,$(ECI_SRC))
$(LIB_EMU):  $(call objs,$(EMU_SRC))
$(LIB_K8S):  $(call objs,$(K8S_SRC))
$(LIB_KUBELET): $(call objs,$(KUBELET_SRC))
$(LIB_PODMAP):  $(call objs,$(PODMAP_SRC))
$(LIB_PROV): $(call objs,$(PROV_SRC))
$(LIB_FAKES): $(call objs,$(FAKES_SRC))
$(B)/lib/%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	@ar rcs $@ $^ $(if $^,,$(B)/obj/empty.o)

$(B)/obj/empty.o:
	@mkdir -p $(dir $@)
	@echo 'typedef int eci_empty_unit;' | $(CC) -x c -c - -o $@

$(ALL_LIBS) $(LIB_FAKES): | $(B)/obj/empty.o

$(B)/bin/eci-kubelet: $(B)/obj/cmd/eci-kubelet.o $(LIB_PROV) $(LIB_PODMAP) $(LIB_KUBELET) $(LIB_K8S) $(LIB_ECI) $(LIB_UTIL)
	@mkdir -p $(dir $@)
	@echo "  LD  $(VARIANT) $@"
	@$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(B)/bin/eci-emulator: $(B)/obj/cmd/eci-emulator.o $(LIB_EMU) $(LIB_ECI) $(LIB_UTIL)
	@mkdir -p $(dir $@)
	@echo "  LD  $(VARIANT) $@"
	@$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

# Unit tests also get the fakes of tests/fakes/ (a fake backend and apiserver).
$(B)/tests/%: $(B)/obj/tests/unit/%.o $(LIB_FAKES) $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD  $(VARIANT) $@"
	@$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -lcmocka -o $@

# Test programs that suites drive (tests/progs/NAME.c -> build/VARIANT/progs/NAME).
$(B)/progs/%: $(B)/obj/tests/progs/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD  $(VARIANT) $@"
	@$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

$(B)/fuzz/%: $(B)/obj/tests/fuzz/%.o $(ALL_LIBS)
	@mkdir -p $(dir $@)
	@echo "  LD  $(VARIANT) $@"
	@$(CC) $(LDFLAGS) $^ $(PKG_LIBS) -o $@

deps:
	@bash tests/deps.sh

# Every test: unit tests, emulator and e2e suites, a short fuzz run. Sanitized build.
test:
	@$(MAKE) --no-print-directory VARIANT=san variant-bins unit-bins
	@$(MAKE) --no-print-directory VARIANT=tsan unit-bins
	@$(MAKE) --no-print-directory VARIANT=fuzz fuzz-bins
	@bash tests/run.sh

# One suite: make unit | make unit-tsan | make e2e SUITE=name
unit:
	@$(MAKE) --no-print-directory VARIANT=san unit-bins
	@bash tests/run.sh unit
unit-tsan:
	@$(MAKE) --no-print-directory VARIANT=tsan unit-bins
	@bash tests/run.sh unit-tsan
e2e:
	@$(MAKE) --no-print-directory VARIANT=san variant-bins
	@bash tests/run.sh e2e $(SUITE)

fuzz:
	@$(MAKE) --no-print-directory VARIANT=fuzz fuzz-bins
	@bash tests/fuzz/run.sh $${FUZZ_SECONDS:-60}

bench: all
	@bash tests/bench/run.sh

cluster-up:
	@bash tests/cluster/cluster.sh up

cluster-down:
	@bash tests/cluster/cluster.sh down

# `make demo DEMO_FLAGS=--stop` only stops: it builds nothing (nor with
# ECI_DEMO_BIN, binaries built elsewhere).
demo:
	@case " $(DEMO_FLAGS) " in *" --stop "*|*" --help "*) ;; \
	    *) [ -n "$$ECI_DEMO_BIN" ] || $(MAKE) --no-print-directory all ;; esac
	@bash tests/demo.sh $(DEMO_FLAGS)

clean:
	rm -rf build bin

-include $(shell find build -name '*.d' 2>/dev/null)
