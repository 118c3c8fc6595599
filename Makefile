# ecert: electronic licenses as small Unix programs.  Plain make, no autotools.

VERSION = 0.9.0
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SHAREDIR ?= $(PREFIX)/share/ecert
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
LOCALEDIR ?= $(PREFIX)/share/locale
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/vendor-completions
DESTDIR ?=

CC ?= cc
CFLAGS ?= -O2 -g
LDFLAGS ?=
BUILD ?= build

override CFLAGS += -std=c11 -D_GNU_SOURCE -Ilib \
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-format-nonliteral -Wno-format-truncation -fno-common
override CFLAGS += -DECERT_SHAREDIR=\"$(SHAREDIR)\" -DECERT_VERSION=\"$(VERSION)\" \
	-DECERT_LOCALEDIR=\"$(LOCALEDIR)\"
ifeq ($(CI),true)
override CFLAGS += -Werror
endif
ifeq ($(SAN),1)
override CFLAGS += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
override LDFLAGS += -fsanitize=address,undefined
endif

LIBS = -lsodium -lyaml -lsqlite3 -ljansson -lqrencode -lcrypto -lz -lpthread -lm

# Debian packages `make deps` installs when missing.
DEPS = libsqlite3-dev libsodium-dev libyaml-dev libcmocka-dev libjansson-dev \
	libqrencode-dev mandoc sqlite3 pkg-config perl zbar-tools librsvg2-bin \
	fonts-noto-cjk libxml2-utils chromium python3 \
	libmicrohttpd-dev python3-cryptography wrk nginx-light curl openssl libssl-dev zlib1g-dev
# make deb and its test (tests/cli/0131-deb.t)
DEPS += debhelper dpkg-dev lintian man-db
# the messages: make pot, the catalogs, and the zh_CN.UTF-8 locale that
# tests/cli/0134-locale.t runs the programs in
DEPS += gettext locales
# the zsh completion's check (tests/cli/0133-completion.t)
DEPS += zsh

LIBSRC = $(sort $(wildcard lib/*.c))
LIBOBJ = $(LIBSRC:lib/%.c=$(BUILD)/pic/%.o)
PROGSRC = $(sort $(wildcard cmd/*.c))
PROGS = $(PROGSRC:cmd/%.c=$(BUILD)/bin/%)
UNITSRC = $(sort $(wildcard tests/unit/test_*.c))
UNITS = $(UNITSRC:tests/unit/%.c=$(BUILD)/tests/%)
MAN1 = $(sort $(wildcard man/man1/*.1))
MAN3 = $(sort $(wildcard man/man3/*.3))
MAN5 = $(sort $(wildcard man/man5/*.5))
MAN7 = $(sort $(wildcard man/man7/*.7))

# Messages (GNU gettext, domain "ecert"): po/ecert.pot is made from the
# sources by `make pot`; each po/LANG.po becomes $(BUILD)/locale/LANG/
# LC_MESSAGES/ecert.mo, where the programs in $(BUILD)/bin find it.
LINGUAS = $(sort $(basename $(notdir $(wildcard po/*.po))))
MOS = $(LINGUAS:%=$(BUILD)/locale/%/LC_MESSAGES/ecert.mo)
POTSRC = $(sort $(wildcard lib/*.c cmd/*.c cmd/serve/*.c))
XGETTEXT_FLAGS = --language=C --from-code=UTF-8 --add-comments=TRANSLATORS: \
	--package-name=ecert --package-version=$(VERSION) \
	--msgid-bugs-address= --sort-by-file \
	--keyword=_ --keyword=N_ --keyword=ecert_gettext \
	--keyword=ecert_warn:1 --keyword=ecert_die:2 --keyword=ecert_fail:3 \
	--keyword=ecert_whyf:3 \
	--keyword=ECERT_OPT_STR:5 --keyword=ECERT_OPT_NEED:5 \
	--keyword=ECERT_OPT_VAL:6 --keyword=ECERT_OPT_SET:5 \
	--keyword=ECERT_OPT_ONE:5 --keyword=ECERT_OPT_CALL:6 \
	--keyword=ECERT_OPT_NUM:7 --keyword=COMMON:5 \
	--flag=ecert_warn:1:c-format --flag=ecert_die:2:c-format \
	--flag=ecert_fail:3:c-format --flag=ecert_whyf:3:c-format
# a msgid of conversions and punctuation alone ("%s: %s") has nothing
# to translate
POT_WORDLESS = ^([^[:alpha:]%]|%[-+ \#0-9.*]*[hljzt]*[a-zA-Z]|%%|%$$)*$$

# libecert.so: the soname's number changes when the ABI breaks; the
# version script exports what lib/ecert.h declares and nothing else.
ECERT_VERSION = $(VERSION)
LIBECERT_MAJOR = 0
LIBECERT_SONAME = libecert.so.$(LIBECERT_MAJOR)
LIBECERT_SO = $(BUILD)/libecert.so.$(ECERT_VERSION)
LIBECERT_LIBS = -lsodium -lyaml -lqrencode -lpthread -lm
SO_LDFLAGS = -shared -Wl,-soname,$(LIBECERT_SONAME) \
	-Wl,--version-script,$(BUILD)/libecert.map -Wl,--as-needed
ifneq ($(SAN),1)
SO_LDFLAGS += -Wl,-z,defs
endif

# Shell completions, made from the programs' option tables (--options).
COMPLETIONS = $(BUILD)/completions/bash/ecert $(BUILD)/completions/zsh/_ecert

all: $(PROGS) $(BUILD)/libecert.so $(MOS) $(COMPLETIONS)

# One set of position-independent objects serves the archive the
# programs link and the shared library.
$(BUILD)/pic/%.o: lib/%.c lib/ecert.h lib/ecert_priv.h lib/license_priv.h lib/cmd.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -fPIC -c -o $@ $<

$(BUILD)/libecert.a: $(LIBOBJ)
	rm -f $@
	ar rcs $@ $(LIBOBJ)

$(BUILD)/libecert.map: lib/ecert.h lib/ecert-symbols.sh
	@mkdir -p $(@D)
	sh lib/ecert-symbols.sh -m lib/ecert.h > $@.tmp && mv $@.tmp $@

$(LIBECERT_SO): $(LIBOBJ) $(BUILD)/libecert.map
	$(CC) $(CFLAGS) $(SO_LDFLAGS) -o $@ $(LIBOBJ) $(LDFLAGS) $(LIBS)

$(BUILD)/libecert.so: $(LIBECERT_SO)
	ln -sf $(notdir $(LIBECERT_SO)) $(BUILD)/$(LIBECERT_SONAME)
	ln -sf $(LIBECERT_SONAME) $@

$(BUILD)/bin/%: cmd/%.c $(BUILD)/libecert.a lib/ecert.h lib/cmd.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libecert.a $(LDFLAGS) $(LIBS)

# ecert-serve alone links GNU libmicrohttpd; its parts live in cmd/serve/.
SERVESRC = $(sort $(wildcard cmd/serve/*.c))
$(BUILD)/bin/ecert-serve: cmd/ecert-serve.c $(SERVESRC) cmd/serve/serve.h \
		$(BUILD)/libecert.a lib/ecert.h lib/cmd.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Icmd/serve -o $@ cmd/ecert-serve.c $(SERVESRC) \
		$(BUILD)/libecert.a $(LDFLAGS) $(LIBS) -lmicrohttpd
# its signature reading is unit-tested by including it
$(BUILD)/tests/test_serve_sig: cmd/serve/sig.c cmd/serve/serve.h
# reads the catalog built beside it (build/locale)
$(BUILD)/tests/test_i18n: $(MOS)

# every unit test links the fixture it shares (tests/unit/fixture.h)
$(BUILD)/tests/%: tests/unit/%.c tests/unit/fixture.c tests/unit/fixture.h \
		$(BUILD)/libecert.a lib/ecert.h lib/ecert_priv.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< tests/unit/fixture.c $(BUILD)/libecert.a \
		$(LDFLAGS) $(LIBS) -lcmocka

$(BUILD)/tests/ecert-gen: tests/bench/ecert-gen.c $(BUILD)/libecert.a lib/ecert.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libecert.a $(LDFLAGS) $(LIBS)

$(BUILD)/tests/ecert-bench-raw: tests/bench/ecert-bench-raw.c $(BUILD)/libecert.a lib/ecert.h
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libecert.a $(LDFLAGS) $(LIBS)

units: $(UNITS) $(BUILD)/tests/ecert-gen $(BUILD)/tests/ecert-bench-raw

$(BUILD)/locale/%/LC_MESSAGES/ecert.mo: po/%.po
	@mkdir -p $(@D)
	msgfmt -c -o $@.tmp $< && mv $@.tmp $@

# POT=file writes elsewhere (tests/cli/0134-locale.t compares)
POT ?= po/ecert.pot
pot:
	xgettext $(XGETTEXT_FLAGS) -o $(POT).tmp $(POTSRC)
	msggrep --invert-match --msgid -E -e '$(POT_WORDLESS)' \
		-o $(POT) $(POT).tmp
	rm -f $(POT).tmp

# After `make pot`: new msgids enter each po/LANG.po untranslated, old
# ones leave; `msgfmt --statistics -c po/LANG.po` counts what is left.
po: pot
	for l in $(LINGUAS); do \
		msgmerge --quiet --update --backup=none --no-fuzzy-matching \
			po/$$l.po po/ecert.pot || exit 1; \
	done
$(BUILD)/completions/bash/ecert: $(PROGS) lib/ecert-completions.sh
	@mkdir -p $(@D)
	sh lib/ecert-completions.sh bash $(BUILD)/bin > $@.tmp && mv $@.tmp $@

$(BUILD)/completions/zsh/_ecert: $(PROGS) lib/ecert-completions.sh
	@mkdir -p $(@D)
	sh lib/ecert-completions.sh zsh $(BUILD)/bin > $@.tmp && mv $@.tmp $@

units: $(UNITS) $(BUILD)/tests/ecert-gen

deps:
	@missing=; for p in $(DEPS); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "make deps: installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi
	@locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\{0,1\}8' || \
		{ echo "make deps: making the zh_CN.UTF-8 locale"; \
		localedef -i zh_CN -f UTF-8 zh_CN.UTF-8; }

# One pass of every test against the binaries in $(BUILD); the CLI tests
# run JOBS at a time (each has its own scratch folder and store).
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
test: all units
	@set -e; for t in $(UNITS); do echo "# $$t"; $$t; done
	ECERT_BIN=$(CURDIR)/$(BUILD)/bin ECERT_SHARE=$(CURDIR)/share \
		ECERT_TESTBIN=$(CURDIR)/$(BUILD)/tests prove -f -j$(JOBS) tests/cli/*.t

lint-man:
	mandoc -Tlint -W warning $(MAN1) $(MAN3) $(MAN5) $(MAN7)

check: deps
	$(MAKE) BUILD=build test
	$(MAKE) lint-man
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		$(MAKE) BUILD=build-san SAN=1 test

# make demo ALG=sm2: the same with SM2/SM3 seals (国密)
ALG ?= ed25519
demo: deps all
	sh share/examples/demo.sh $(CURDIR)/$(BUILD)/bin $(CURDIR)/share $(ALG)

bench: deps all $(BUILD)/tests/ecert-gen $(BUILD)/tests/ecert-bench-raw
	sh tests/bench/run.sh $(CURDIR)/$(BUILD)/bin $(CURDIR)/$(BUILD)/tests $(CURDIR)/share

# errors under load: 4 importers, 4 clerks, the sweep, 8 readers for 60 s
stress: all $(BUILD)/tests/ecert-gen
	sh tests/bench/stress.sh $(CURDIR)/$(BUILD)/bin $(CURDIR)/$(BUILD)/tests $(CURDIR)/share 60

install: all install-lib
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(SHAREDIR)
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)
	install -m 644 $(MAN1) $(DESTDIR)$(MANDIR)/man1
	install -m 644 $(MAN5) $(DESTDIR)$(MANDIR)/man5
	install -m 644 $(MAN7) $(DESTDIR)$(MANDIR)/man7
	cp -R share/. $(DESTDIR)$(SHAREDIR)
	for l in $(LINGUAS); do \
		install -d $(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES && \
		install -m 644 $(BUILD)/locale/$$l/LC_MESSAGES/ecert.mo \
			$(DESTDIR)$(LOCALEDIR)/$$l/LC_MESSAGES || exit 1; \
	done
	install -d $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 644 $(BUILD)/completions/bash/ecert $(DESTDIR)$(BASHCOMPDIR)
	for p in $(filter-out ecert,$(notdir $(PROGS))); do \
		ln -sf ecert $(DESTDIR)$(BASHCOMPDIR)/$$p; done
	install -m 644 $(BUILD)/completions/zsh/_ecert $(DESTDIR)$(ZSHCOMPDIR)

# The library, its header, its page and its pkg-config file (ecert.pc.in).
install-lib: $(BUILD)/libecert.so
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) \
		$(DESTDIR)$(PKGCONFIGDIR) $(DESTDIR)$(MANDIR)/man3
	install -m 644 $(MAN3) $(DESTDIR)$(MANDIR)/man3
	install -m 644 $(LIBECERT_SO) $(DESTDIR)$(LIBDIR)
	ln -sf $(notdir $(LIBECERT_SO)) $(DESTDIR)$(LIBDIR)/$(LIBECERT_SONAME)
	ln -sf $(LIBECERT_SONAME) $(DESTDIR)$(LIBDIR)/libecert.so
	install -m 644 lib/ecert.h $(DESTDIR)$(INCLUDEDIR)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' \
		-e 's|@INCLUDEDIR@|$(INCLUDEDIR)|g' \
		-e 's|@VERSION@|$(ECERT_VERSION)|g' \
		-e 's|@LIBS_PRIVATE@|$(LIBECERT_LIBS)|g' ecert.pc.in \
		> $(DESTDIR)$(PKGCONFIGDIR)/ecert.pc
	chmod 644 $(DESTDIR)$(PKGCONFIGDIR)/ecert.pc

# The Debian packages ecert, libecert0 and libecert-dev (debian/), built
# offline from a copy of the tree in $(BUILD)/deb, where the .deb files
# land; lintian must find no error in them.
DEBDIR = $(BUILD)/deb
DEB_JOBS ?=	# e.g. -j2, passed to dpkg-buildpackage
deb:
	rm -rf $(DEBDIR)
	mkdir -p $(DEBDIR)/ecert-$(ECERT_VERSION)
	tar -cf - --exclude-vcs --exclude=./build --exclude='./build-*' \
		--exclude='./ecert.db*' . | \
		tar -xf - -C $(DEBDIR)/ecert-$(ECERT_VERSION)
	cd $(DEBDIR)/ecert-$(ECERT_VERSION) && \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL \
		dpkg-buildpackage --no-sign -b $(DEB_JOBS)
	lintian --fail-on error --tag-display-limit 0 \
		$(DEBDIR)/ecert_$(ECERT_VERSION)_*.changes

# After `make install`, with the same PREFIX and DESTDIR: the installed
# programs run the installed tour in a scratch folder, without
# ECERT_SHARE, finding their shared files beside them.
installcheck:
	@tmp=$$(mktemp -d "$${TMPDIR:-/tmp}/ecert-installcheck.XXXXXX") && \
	trap 'rm -rf "$$tmp"' EXIT && cd "$$tmp" && \
	if env -u ECERT_SHARE -u ECERT_DB -u ECERT_TODAY -u ECERT_NOW \
	    PATH="$(DESTDIR)$(BINDIR):$$PATH" \
	    sh "$(DESTDIR)$(SHAREDIR)/examples/tour.sh" > tour.log 2>&1; then \
		echo "installcheck: the tour ran with $(DESTDIR)$(BINDIR)"; \
	else \
		cat tour.log; echo "installcheck: the tour failed" >&2; exit 1; \
	fi

clean:
	rm -rf build build-san

.PHONY: all units deps test lint-man check demo bench stress install installcheck \
	clean install-lib deb pot po
