#!/bin/sh
# libecert as a library: make install-lib puts libecert.so.0 (its soname,
# the versioned file and the development symlink), lib/ecert.h and
# ecert.pc under PREFIX; the library exports what ecert.h declares and
# nothing else; a program built with `pkg-config --cflags --libs ecert`
# against the staged install opens a store and checks codes through the
# public API, loading the installed library at run time.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$TESTDIR/../.." && pwd)
BUILDDIR=$(cd "$ECERT_BIN/.." && pwd)
case $BUILDDIR in
"$SRC"/*) ;;
*)	echo "1..0 # skip $ECERT_BIN is not built from $SRC"
	exit 0 ;;
esac
command -v pkg-config > /dev/null 2>&1 || {
	echo "1..0 # skip pkg-config is not installed"
	exit 0
}

plan 22

scratch
# a build under sanitizers links them into the library and the program
san=
sanflags=
if readelf -d "$ECERT_BIN/ecert-init" 2>/dev/null | grep -q libasan; then
	san=SAN=1
	sanflags="-fsanitize=address,undefined"
fi
DEST=$SCRATCH/dest
V=$(sed -n 's/^VERSION *= *//p' "$SRC/Makefile")
LIB=$DEST/opt/ecert/lib
ok "make install-lib DESTDIR=... PREFIX=/opt/ecert" \
	make -s -C "$SRC" BUILD="$BUILDDIR" $san DESTDIR="$DEST" \
	PREFIX=/opt/ecert install-lib
check "... the library under its full version, a plain file" \
	test -f "$LIB/libecert.so.$V" -a ! -h "$LIB/libecert.so.$V"
same "... the soname's link" libecert.so.$V "$(readlink "$LIB/libecert.so.0")"
same "... the development link" libecert.so.0 "$(readlink "$LIB/libecert.so")"
same "... the header, as in the source tree" "" \
	"$(cmp "$SRC/lib/ecert.h" "$DEST/opt/ecert/include/ecert.h" 2>&1)"
soname=$(readelf -d "$LIB/libecert.so.$V" |
	sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
check "... and its page, libecert(3)" \
	test -f "$DEST/opt/ecert/share/man/man3/libecert.3"
same "the library's soname is libecert.so.0" libecert.so.0 "$soname"
check "... and it is position-independent code (no text relocations)" \
	sh -c "! readelf -d '$LIB/libecert.so.$V' | grep -q TEXTREL"

# What ecert.h declares, found by the compiler itself (-aux-info lists
# every prototype with the file it came from), and its extern variables;
# what the library exports, by nm.
printf '#include "ecert.h"\n' > decl.c
ok "the compiler lists the prototypes of ecert.h" \
	cc -std=c11 -D_GNU_SOURCE -I"$SRC/lib" -aux-info decl.aux -c decl.c \
	-o decl.o
{
	grep 'lib/ecert\.h:' decl.aux |
	    sed 's/.*[ *]\(ecert_[a-z0-9_]*\) (.*/\1/'
	sed -n 's/^extern [^(]*[ *]\(ecert_[a-z0-9_]*\);.*/\1/p' \
	    "$SRC/lib/ecert.h"
} | sort -u > declared
nm -D --defined-only "$LIB/libecert.so.$V" | awk '{ print $3 }' |
	sed 's/@.*//' | grep -v '^LIBECERT_' | sort -u > exported
check "ecert.h declares the library's interface (over 100 names)" \
	test "$(wc -l < declared)" -gt 100
same "the library exports exactly what ecert.h declares" "" \
	"$(diff declared exported)"
check "... under the version node LIBECERT_0" \
	sh -c "nm -D --defined-only '$LIB/libecert.so.$V' |
	    grep -q ' ecert_store_open@@LIBECERT_0\$'"

export PKG_CONFIG_PATH="$LIB/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$DEST"
ok "pkg-config knows ecert" pkg-config --modversion ecert
same "... version $V" "$V" "$(cat "$OUT")"
ok "pkg-config --cflags --libs ecert" pkg-config --cflags --libs ecert
flags=$(cat "$OUT")
case $flags in
*"-I$DEST/opt/ecert/include"*"-L$LIB"*"-lecert"*) r=0 ;;
*) r=1 ;;
esac
same "... name the staged include folder and library" 0 "$r"

cat > use.c <<'CEOF'
/* a program of a department's own, using libecert */
#include <stdio.h>
#include <ecert.h>

int
main(int argc, char **argv)
{
	struct ecert_store *s;
	struct ecert_error e;
	char name[256];
	int roles = 0;

	if (argc != 5)
		return 64;
	printf("check %c\n", ecert_uscc_check("91420600MA49ABCD1"));
	printf("valid %d %d\n", ecert_identifier_valid(argv[3]),
	    ecert_identifier_valid(argv[4]));
	printf("width %zu\n", ecert_utf8_width("襄阳 ecert"));
	if (ecert_store_open(argv[1], NULL, &s, &e) != 0) {
		fprintf(stderr, "use: %s\n", e.msg);
		return e.status;
	}
	if (!ecert_unit_name(s, argv[2], name, sizeof(name), &roles))
		return 1;
	printf("unit %s %d\n", name, roles);
	ecert_store_close(s);
	return 0;
}
CEOF
# shellcheck disable=SC2086
ok "a program builds against the installed library" \
	cc $sanflags -o use use.c $flags
check "... linked to libecert.so.0, not a copy of it" \
	sh -c "readelf -d use | grep -q 'NEEDED.*\\[libecert.so.0\\]'"

printf 'libecert test 襄阳\n' > pass
chmod 600 pass
ECERT_PASSPHRASE_FILE=$SCRATCH/pass ecert-init --code "$PLATFORM" \
	--name 襄阳市行政审批局 -d "$SCRATCH/city.db" -o platform.key \
	> /dev/null 2>&1 || bail "ecert-init failed"
ok "it runs with LD_LIBRARY_PATH naming the installed library" \
	env LD_LIBRARY_PATH="$LIB" ./use "$SCRATCH/city.db" "$PLATFORM" \
	"$ID_BIZ_FOOD" "$ID_BADCHECK"
same "... and prints through the public API" "check A
valid 1 0
width 10
unit 襄阳市行政审批局 1" "$(cat "$OUT")"

# the library's internals (ecert_priv.h) are not there to link against
printf '%s\n' '#include <ecert.h>' \
	'int ecert_bind_text(sqlite3_stmt *, int, const char *);' \
	'int main(void) { return ecert_bind_text(NULL, 1, "x"); }' > priv.c
# shellcheck disable=SC2086
must_fail 1 "a program calling an internal function does not link" \
	cc $sanflags -o priv priv.c $flags
check "... the linker names the hidden function" \
	err_has "undefined reference to \`ecert_bind_text'"
