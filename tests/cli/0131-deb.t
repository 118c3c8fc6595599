#!/bin/sh
# make deb: the packages ecert, libecert0 and libecert-dev, built offline
# (lintian finds no error, or make deb fails), unpacked into a throw-away
# root with dpkg-deb -x: the demo runs with the programs and shared files
# from that root, man finds the pages Debian-style (gzip, /usr/share/man),
# the systemd timers are there but not enabled, and a program builds
# against the packaged library with pkg-config.  $ECERT_DEBS names a
# folder with the packages already built, else the test builds them once.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$TESTDIR/../.." && pwd)
command -v dpkg-buildpackage > /dev/null 2>&1 || {
	echo "1..0 # skip dpkg-buildpackage is not installed (make deps)"
	exit 0
}

plan 24

scratch
if [ -n "${ECERT_DEBS:-}" ]; then
	DEBS=$ECERT_DEBS
	check "the packages are given in $DEBS" test -d "$DEBS"
else
	DEBS=$SCRATCH/deb
	# both cores, no debug symbol packages: a quicker build; never the
	# sanitizers of the `make check` pass that runs this test (SAN=1 is in
	# its environment), as a package is built for installing
	ok "make deb builds the packages, lintian finding no error" \
		env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u SAN -u BUILD \
		DEB_BUILD_OPTIONS="noddebs ${DEB_BUILD_OPTIONS:-}" \
		make -s -C "$SRC" deb DEBDIR="$DEBS" DEB_JOBS=-j2 SAN=
fi
set -- "$DEBS"/ecert_*.deb "$DEBS"/libecert0_*.deb "$DEBS"/libecert-dev_*.deb
check "... ecert, libecert0 and libecert-dev" test -f "$1" -a -f "$2" -a -f "$3"
same "... libecert0 provides the soname" "libecert 0 libecert0" \
	"$(dpkg-deb --ctrl-tarfile "$2" | tar -xOf - ./shlibs 2>/dev/null |
	    sed 's/ (.*//')"
case $(dpkg-deb -f "$3" Depends) in
*"libecert0 (= "*) r=0 ;;
*) r=1 ;;
esac
same "... libecert-dev depends on this very libecert0" 0 "$r"

ROOT=$SCRATCH/root
for deb in "$@"; do
	dpkg-deb -x "$deb" "$ROOT" || bail "dpkg-deb -x $deb failed"
done
check "the programs in /usr/bin" test -x "$ROOT/usr/bin/ecert-issue" \
	-a -x "$ROOT/usr/bin/ecert" -a -x "$ROOT/usr/bin/ecert-export"
check "the shared files in /usr/share/ecert" \
	test -f "$ROOT/usr/share/ecert/catalog/units.tsv" \
	-a -f "$ROOT/usr/share/ecert/templates/business-license.svg" \
	-a -f "$ROOT/usr/share/ecert/examples/demo.sh"

# the demo from the root: programs on PATH, shared files beside them
# (no $ECERT_SHARE), another folder
mkdir elsewhere
cd elsewhere || bail "cd elsewhere"
ok "the demo runs with the packaged programs and shared files" \
	env -u ECERT_SHARE -u ECERT_DB -u ECERT_PASSPHRASE_FILE \
	PATH="/usr/bin:/bin" sh "$ROOT/usr/share/ecert/examples/demo.sh" \
	"$ROOT/usr/bin" "$ROOT/usr/share/ecert"
check "... issuing, showing and revoking one license" \
	sh -c "grep -q '襄阳汉江食品有限公司' '$OUT' &&
	    grep -q 'ecert-revoke' '$OUT'"
cd "$SCRATCH" || bail "cd $SCRATCH"
mkdir tour
cd tour || bail "cd tour"
ok "the tour runs with the packaged programs alone, ECERT_SHARE unset" \
	env -u ECERT_SHARE -u ECERT_DB -u ECERT_PASSPHRASE_FILE -u ECERT_TODAY \
	-u ECERT_NOW PATH="$ROOT/usr/bin:/usr/bin:/bin" \
	sh "$ROOT/usr/share/ecert/examples/tour.sh"
check "... the face drawn from /usr/share/ecert beside the programs" \
	grep -q 襄阳汉江食品有限公司 face.svg
cd "$SCRATCH" || bail "cd $SCRATCH"

MANP=$ROOT/usr/share/man
ok "man -w ecert-issue finds the page in the root" \
	man -M "$MANP" -w ecert-issue
same "... gzipped, where Debian puts it" "$MANP/man1/ecert-issue.1.gz" \
	"$(cat "$OUT")"
ok "man -w 7 ecert finds the overview" man -M "$MANP" -w 7 ecert
same "... gzipped in man7" "$MANP/man7/ecert.7.gz" "$(cat "$OUT")"
ok "man -w 3 libecert finds the library's page (libecert-dev)" \
	man -M "$MANP" -w 3 libecert
same "... gzipped in man3" "$MANP/man3/libecert.3.gz" "$(cat "$OUT")"
ok "man 7 ecert shows the overview" \
	env MANPAGER=cat MANWIDTH=80 man -M "$MANP" 7 ecert
check "... its name line" grep -q 'electronic licenses' "$OUT"

UNITS=$ROOT/lib/systemd/system
check "systemd timers and services for the sweep and both list exports" \
	test -f "$UNITS/ecert-expire.timer" -a -f "$UNITS/ecert-expire.service" \
	-a -f "$UNITS/ecert-export-status.timer" \
	-a -f "$UNITS/ecert-export-status.service" \
	-a -f "$UNITS/ecert-export-trust.timer" \
	-a -f "$UNITS/ecert-export-trust.service"
missing=
for prog in $(grep -ho '/usr/bin/ecert-[a-z]*' "$UNITS"/*.service | sort -u); do
	[ -x "$ROOT$prog" ] || missing="$missing $prog"
done
same "... running programs the package installs" "" "$missing"
check "... not enabled: no link in /etc, and the maintainer scripts enable
	only timers that were enabled before" sh -c "
	test ! -e '$ROOT/etc/systemd' &&
	dpkg-deb --ctrl-tarfile '$1' | tar -xOf - ./postinst |
	    grep 'deb-systemd-helper enable' | grep -q . &&
	! dpkg-deb --ctrl-tarfile '$1' | tar -xOf - ./postinst |
	    grep -v was-enabled | grep -B1 'deb-systemd-helper enable' |
	    grep -q '^[[:space:]]*if deb-systemd-helper debian-installed'"

# libecert-dev: the program of 0130, against the packaged library
MA=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
export PKG_CONFIG_PATH="$ROOT/usr/lib/$MA/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$ROOT"
printf '%s\n' '#include <stdio.h>' '#include <ecert.h>' \
	'int main(int argc, char **argv) { (void)argc;' \
	'printf("%d\n", ecert_uscc_valid(argv[1])); return 0; }' > use.c
# shellcheck disable=SC2046
ok "a program builds with pkg-config --cflags --libs ecert from the root" \
	cc -o use use.c $(pkg-config --cflags --libs ecert)
ok "... runs with the packaged libecert.so.0" \
	env LD_LIBRARY_PATH="$ROOT/usr/lib/$MA" ./use "$USCC_FOOD"
same "... and checks a code through it" 1 "$(cat "$OUT")"
