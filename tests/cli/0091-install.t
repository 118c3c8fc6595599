#!/bin/sh
# make install PREFIX=... DESTDIR=... after an ordinary make: the installed
# programs find their shared files (templates, catalog, holiday calendars)
# beside them at run time, whatever prefix they were compiled for, even
# when the tree is moved; $ECERT_SHARE still comes first.  The installed
# tour runs from another folder with the installed programs alone.
. "$(dirname "$0")/lib.sh"

SRC=$(cd "$TESTDIR/../.." && pwd)
BUILDDIR=$(cd "$ECERT_BIN/.." && pwd)
# make install builds what is not built: only programs built from this tree
case $BUILDDIR in
"$SRC"/*) ;;
*)	echo "1..0 # skip $ECERT_BIN is not built from $SRC"
	exit 0 ;;
esac

plan 15

scratch
DEST=$SCRATCH/dest
ok "make install DESTDIR=... PREFIX=/opt/ecert, with the programs already built" \
	make -s -C "$SRC" BUILD="$BUILDDIR" DESTDIR="$DEST" PREFIX=/opt/ecert \
	install
OPT=$DEST/opt/ecert
check "... the programs in bin/" test -x "$OPT/bin/ecert-init" \
	-a -x "$OPT/bin/ecert-dispute" -a -x "$OPT/bin/ecert"
check "... the shared files in share/ecert/" \
	test -f "$OPT/share/ecert/templates/business-license.svg" \
	-a -f "$OPT/share/ecert/holidays/2026.txt" \
	-a -f "$OPT/share/ecert/examples/tour.sh"
check "... the pages in share/man/" test -f "$OPT/share/man/man1/ecert-dispute.1" \
	-a -f "$OPT/share/man/man5/ecert.5" -a -f "$OPT/share/man/man7/ecert.7"

# the installed programs alone on PATH, no $ECERT_SHARE, another folder
installed() {
	_in_path=$1
	shift
	env -u ECERT_SHARE -u ECERT_DB -u ECERT_PASSPHRASE_FILE \
	    -u ECERT_TODAY -u ECERT_NOW PATH="$_in_path:/usr/bin:/bin" "$@"
}
mkdir elsewhere
cd elsewhere
ok "the installed tour runs with the installed programs, ECERT_SHARE unset" \
	installed "$OPT/bin" sh "$OPT/share/ecert/examples/tour.sh"
check "... the face drawn from the installed template" \
	grep -q 襄阳汉江食品有限公司 face.svg
check "... the catalog and calendars read from beside the programs" \
	test "$(sqlite3 city.db 'SELECT count(*) FROM license_types')" -eq 4 \
	-a "$(sqlite3 city.db "SELECT group_concat(year) FROM holiday_years")" = 2025,2026
cd ..
id=$(sqlite3 elsewhere/city.db "SELECT id FROM licenses WHERE status =
	'valid' AND number = '91420600MA4D00100Q'")

# moved to another prefix: still found beside the programs
mv "$DEST/opt/ecert" "$DEST/moved"
face() {
	installed "$1" env ECERT_DB="$SCRATCH/elsewhere/city.db" \
	    ECERT_PASSPHRASE_FILE="$SCRATCH/elsewhere/pass" \
	    ${2:+ECERT_SHARE="$2"} ecert-show --svg "$3" "$id"
}
ok "the tree moved elsewhere: the face is still drawn" \
	face "$DEST/moved/bin" "" moved.svg
check "... from the moved template" grep -q 襄阳汉水食品有限公司 moved.svg

# $ECERT_SHARE comes first
cp -R "$DEST/moved/share/ecert" myshare
sed -i 's|</svg>|<!-- 襄阳 local template --></svg>|' \
	myshare/templates/business-license.svg
ok "ECERT_SHARE names another folder" face "$DEST/moved/bin" \
	"$SCRATCH/myshare" local.svg
check "... its template is the one used" grep -q '襄阳 local template' local.svg
check "... not the one beside the programs" \
	sh -c '! grep -q "襄阳 local template" moved.svg'
must_fail 74 "an ECERT_SHARE without the template is an I/O failure" \
	face "$DEST/moved/bin" "$SCRATCH/no-such-share" none.svg
check "... naming the file it looked for" \
	err_has "$SCRATCH/no-such-share/templates/business-license.svg"
check "... and writes no face" test ! -s none.svg
