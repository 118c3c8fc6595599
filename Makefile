# ecert: electronic licenses as small Unix programs.  Plain make, no autotools.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/ecert
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
BUILD ?= build

override CFLAGS += -std=c11 -D_GNU_SOURCE -Ilib \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral -Wno-format-truncation -fno-common
override CFLAGS += -DECERT_SHAREDIR=\"$(SHAREDIR)\"
ifeq ($(CI),true)
override CFLAGS += -Werror
endif
ifeq ($(SAN),1)
override CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
endif

LIBS = -lsodium -lyaml -lsqlite3 -ljansson -lqrencode -lcrypto -lpthread -lm

# Debian packages `make deps` installs when missing.
DEPS = libsqlite3-dev libsodium-dev libyaml-dev libcmocka-dev libjansson-dev \
	libqrencode-dev mandoc sqlite3 pkg-config perl zbar-tools librsvg2-bin \
	fonts-noto-cjk libxml2-utils libssl-dev openssl

LIBSRC = $(sort $(wildcard lib/*.c))
LIBOBJ = $(LIBSRC:lib/%.c=$(BUILD)/lib/%.o)
PROGSRC = $(sort $(wildcard cmd/*.c))
PROGS = $(PROGSRC:cmd/%.c=$(BUILD)/bin/%)
UNITSRC = $(sort $(wildcard tests/unit/test_*.c))
UNITS = $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
MAN1 = $(sort $(wildcard man/man1/*.1))
MAN5 = $(sort $(wildcard man/man5/*.5))
MAN7 = $(sort $(wildcard man/man7/*.7))

all: $(PROGS)

$(BUILD)/lib/%.o: lib/%.c lib/ecert.h lib/ecert_priv.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libecert.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(BUILD)/bin/%: cmd/%.c $(BUILD)/libecert.a lib/ecert.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libecert.a $(LDFLAGS) $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libecert.a lib/ecert.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libecert.a $(LDFLAGS) $(LIBS) -lcmocka

$(BUILD)/tests/ecert-gen: tests/bench/ecert-gen.c $(BUILD)/libecert.a lib/ecert.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libecert.a $(LDFLAGS) $(LIBS)

$(BUILD)/tests/ecert-bench-raw: tests/bench/ecert-bench-raw.c $(BUILD)/libecert.a lib/ecert.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libecert.a $(LDFLAGS) $(LIBS)

units: $(UNITS) $(BUILD)/tests/ecert-gen

deps:
	@missing=; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# One pass of every test against the binaries in $(BUILD).
test: all units
	@set -e; for t in $(UNITS); do echo "# $$t"; $$t; done
	ECERT_BIN=$(CURDIR)/$(BUILD)/bin ECERT_SHARE=$(CURDIR)/share \
		ECERT_TESTBIN=$(CURDIR)/$(BUILD)/tests prove -f tests/cli/*.t

lint-man:
	mandoc -Tlint -W warning $(MAN1) $(MAN5) $(MAN7)

check: deps
	$(MAKE) BUILD=build test
	$(MAKE) lint-man
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(MAKE) BUILD=build-san SAN=1 test

# make demo ALG=sm2: the same with SM2/SM3 seals (国密)
ALG ?= ed25519
demo: deps all
	sh share/examples/demo.sh $(CURDIR)/$(BUILD)/bin $(CURDIR)/share $(ALG)

bench: deps all $(BUILD)/tests/ecert-gen $(BUILD)/tests/ecert-bench-raw
	sh tests/bench/run.sh $(CURDIR)/$(BUILD)/bin $(CURDIR)/$(BUILD)/tests $(CURDIR)/share

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(SHAREDIR)
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	cp -R share/. $(DESTDIR)$(SHAREDIR)

clean:
	rm -rf build build-san

.PHONY: all units deps test lint-man check demo bench install clean
