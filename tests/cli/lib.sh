# tests/cli/lib.sh: TAP helpers for the shell tests of the ecert programs.
#
# A test is `#!/bin/sh`, sources this file, calls `plan N` and then
#   ok "what" cmd arg ...            passes when cmd exits 0
#   must_fail CODE "what" cmd ...    passes when cmd exits exactly CODE
#   same "what" expected actual      passes when the two strings are equal
#   check "what" cmd ...             like ok, for plain shell conditions
# The last command's output is kept in "$OUT" and "$ERR".  A crash (a
# signal, status > 128) or a sanitizer report on stderr always fails.
#
# The programs come from $ECERT_BIN, the shipped catalog from $ECERT_SHARE
# (both set by `make test`).  Each test file gets one scratch folder,
# removed on exit, and at most one store made by setup_store.

set -u
LC_ALL=C
export LC_ALL

TESTDIR=$(cd "$(dirname "$0")" && pwd)
ECERT_BIN=${ECERT_BIN:-$TESTDIR/../../build/bin}
ECERT_SHARE=${ECERT_SHARE:-$TESTDIR/../../share}
DATA=$TESTDIR/../data
CLIDATA=$DATA/cli
PATH=$ECERT_BIN:$PATH
export ECERT_BIN ECERT_SHARE PATH

# A fixed "today" for the programs (issue dates, expiry): the tests do not
# depend on the day they run.  Tests that need another day set it per run.
ECERT_TODAY=2025-06-30
export ECERT_TODAY
unset ECERT_KEY ECERT_STORE_KEY ECERT_BUSY_TIMEOUT 2>/dev/null || true

# The units of share/catalog/units.tsv and the platform unit.
PLATFORM=11420600MB00000016	# 襄阳市行政审批局 (admin)
SAMR=11420600MB1234567T		# 襄阳市市场监督管理局 (issuer, user)
HCB=11420600MB2345678C		# 襄阳市住房和城乡建设局 (issuer, user)
NRB=11420600MB3456789X		# 襄阳市自然资源和规划局 (issuer, user)
HRSS=11420600MB4567890G		# 襄阳市人力资源和社会保障局 (user only)
T_BIZ=11100000000013338W011	# 营业执照, issued by SAMR
T_FOOD=11100000000013338W012	# 食品经营许可证, issued by SAMR
T_BUILD=111000000000246809001	# 建筑工程施工许可证, issued by HCB
T_ESTATE=11100000000013579F001	# 不动产权证书, issued by NRB, natural persons

# Codes with their check characters, computed once (GB 32100, GB 11643).
USCC_FOOD=91420600MA49ABCD1A	# 襄阳汉江食品有限公司
USCC_LONGZHONG=91420600MA49XY0129	# 襄阳隆中餐饮管理有限公司
USCC_FANCHENG=91420606MA4ABCDE19	# 襄阳市樊城区鹿门副食商店
USCC_GULONG=91420600MA4KLMN204	# 襄阳古隆中文化旅游有限公司
USCC_OTHER=11420600MB5678901P	# a valid code registered nowhere
USCC_BAD=91420600MA49ABCD1B	# wrong check character
CID_ZHANG=420602198503120048	# 张汉江
CID_LI=420606199007081238	# 李樊城
CID_WANG=42060719781101456X	# 王襄州
CID_BAD=420602198503120049	# wrong check character

_tap_n=0
_tap_failed=0
SCRATCH=
OUT=
ERR=

_tap_cleanup() {
	_rc=$?
	cd /
	if [ -n "$SCRATCH" ] && [ -d "$SCRATCH" ]; then
		# a background holder of a lock, if a test left one
		rm -rf "$SCRATCH"
	fi
	exit $_rc
}
trap _tap_cleanup EXIT
trap 'exit 130' INT TERM HUP

plan() {
	echo "1..$1"
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

bail() {
	echo "Bail out! $*"
	exit 255
}

_tap_result() {	# status description
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

# A scratch folder for the test's files; $OUT and $ERR live in it.
scratch() {
	[ -n "$SCRATCH" ] && return 0
	SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/ecert-cli.XXXXXX") ||
	    bail "mktemp failed"
	OUT=$SCRATCH/.out
	ERR=$SCRATCH/.err
	: > "$OUT"
	: > "$ERR"
	cd "$SCRATCH" || bail "cd $SCRATCH"
}

_sanitizer_report() {
	grep -q -e AddressSanitizer -e 'runtime error' -e LeakSanitizer \
	    -e UndefinedBehaviorSanitizer "$ERR" 2>/dev/null
}

_tap_diag_run() {	# status
	echo "#   exit status: $1"
	if [ -s "$ERR" ]; then
		echo "#   stderr:"
		head -n 15 "$ERR" | cut -c 1-300 | sed 's/^/#     /'
	fi
}

# ok DESCRIPTION CMD [ARG ...]: CMD exits 0 and reports no sanitizer error.
ok() {
	_d=$1
	shift
	scratch
	_st=0
	"$@" > "$OUT" 2> "$ERR" || _st=$?
	if [ "$_st" -eq 0 ] && ! _sanitizer_report; then
		_tap_result 0 "$_d"
	else
		_tap_result 1 "$_d"
		echo "#   command: $*" | cut -c 1-300
		_tap_diag_run "$_st"
	fi
	return $_st
}

# must_fail CODE DESCRIPTION CMD [ARG ...]: CMD exits exactly CODE.  A
# signal or a sanitizer report is a failure, whatever CODE says.
must_fail() {
	_code=$1
	_d=$2
	shift 2
	scratch
	_st=0
	"$@" > "$OUT" 2> "$ERR" || _st=$?
	if [ "$_st" -eq "$_code" ] && [ "$_st" -le 128 ] &&
	    ! _sanitizer_report; then
		_tap_result 0 "$_d"
		return 0
	fi
	_tap_result 1 "$_d"
	echo "#   command: $*" | cut -c 1-300
	echo "#   expected exit status $_code"
	_tap_diag_run "$_st"
	return 1
}

# same DESCRIPTION EXPECTED ACTUAL
same() {
	if [ "$2" = "$3" ]; then
		_tap_result 0 "$1"
		return 0
	fi
	_tap_result 1 "$1"
	printf '%s\n' "expected:" "$2" | cut -c 1-300 | sed 's/^/#   /'
	printf '%s\n' "got:" "$3" | cut -c 1-300 | sed 's/^/#   /'
	return 1
}

# check DESCRIPTION CMD [ARG ...]: a shell condition; its output is not kept.
check() {
	_d=$1
	shift
	if "$@" > /dev/null 2>&1; then
		_tap_result 0 "$_d"
		return 0
	fi
	_tap_result 1 "$_d"
	echo "#   condition: $*" | cut -c 1-300
	return 1
}

# The stderr of the last command holds TEXT (fixed string).
err_has() {
	grep -q -F -e "$1" "$ERR"
}

out_has() {
	grep -q -F -e "$1" "$OUT"
}

# A digest of every table of the store but audit: refusals are audited,
# nothing else may change.
store_digest() {
	sqlite3 "${1:-$ECERT_DB}" .dump | grep -v '^INSERT INTO audit ' |
	    sha256sum | cut -d ' ' -f 1
}

audit_count() {
	sqlite3 "${1:-$ECERT_DB}" 'SELECT count(*) FROM audit'
}

# The last audit entry as "action|object|outcome".
audit_last() {
	sqlite3 "${1:-$ECERT_DB}" "SELECT action || '|' || object || '|' ||
	    outcome FROM audit ORDER BY seq DESC LIMIT 1"
}

# A mode in octal, as stat prints it.
file_mode() {
	stat -c %a "$1"
}

# setup_store: one store per test file: the platform unit 襄阳市行政审批局
# (admin, key $ADMIN_KEY), the units of units.tsv, keys for the market
# regulator ($SAMR_KEY), the natural resources bureau ($NRB_KEY) and the
# user-only human resources bureau ($HRSS_KEY), and the shipped catalog.
setup_store() {
	scratch
	printf '襄阳测试口令 correct horse\n' > "$SCRATCH/pass"
	chmod 600 "$SCRATCH/pass"
	ECERT_DB=$SCRATCH/ecert.db
	ECERT_PASSPHRASE_FILE=$SCRATCH/pass
	ADMIN_KEY=$SCRATCH/platform.key
	SAMR_KEY=$SCRATCH/samr.key
	NRB_KEY=$SCRATCH/nrb.key
	HRSS_KEY=$SCRATCH/hrss.key
	export ECERT_DB ECERT_PASSPHRASE_FILE
	_log=$SCRATCH/setup.log
	: > "$_log"
	_setup ecert-init --code "$PLATFORM" --name 襄阳市行政审批局 \
	    -o "$ADMIN_KEY"
	while IFS='	' read -r _code _name _roles; do
		_setup ecert-unit add -k "$ADMIN_KEY" --code "$_code" \
		    --name "$_name" --role "$_roles"
	done < "$ECERT_SHARE/catalog/units.tsv"
	_setup ecert-unit key -k "$ADMIN_KEY" --unit "$SAMR" -o "$SAMR_KEY"
	_setup ecert-unit key -k "$ADMIN_KEY" --unit "$NRB" -o "$NRB_KEY"
	_setup ecert-unit key -k "$ADMIN_KEY" --unit "$HRSS" -o "$HRSS_KEY"
	_setup ecert-catalog load -k "$ADMIN_KEY" "$ECERT_SHARE"/catalog/*.yaml
}

_setup() {
	if ! "$@" < /dev/null >> "$_log" 2>&1; then
		echo "# setup: $*"
		sed 's/^/#   /' "$_log"
		bail "setup_store failed"
	fi
}

# The identifier printed by ecert-issue (plain or --json) in $OUT.
issued_id() {
	sed -n 's/.*"id":"\([^"]*\)".*/\1/p; /^1\.2\.156\./p' "$OUT" | head -n 1
}
