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

# Identifiers (GB/T 36903, MOD 37,36 check) of the licenses the helpers
# below issue: a 营业执照's number is the company's code.
ID_BIZ_FOOD=1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.91420600MA49ABCD1A.001.O
ID_BIZ_LONGZHONG=1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.91420600MA49XY0129.001.P
ID_BIZ_FANCHENG=1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.91420606MA4ABCDE19.001.U
ID_BIZ_GULONG=1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.91420600MA4KLMN204.001.N
ID_FOOD_1=1.2.156.3005.2.11100000000013338W012.11420600MB1234567T.JY14206060012345.001.W
ID_FOOD_2=1.2.156.3005.2.11100000000013338W012.11420600MB1234567T.JY14206060012347.001.Z
# well formed, in no store; and the same with a wrong check character
ID_UNKNOWN=1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.91420600MA4XXXXX00.001.N
ID_BADCHECK=1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.91420600MA49ABCD1A.001.A

_tap_n=0
_tap_failed=0
SCRATCH=
OUT=
ERR=

_tap_cleanup() {
	_rc=$?
	cd /
	if [ -n "$SCRATCH" ] && [ -d "$SCRATCH" ]; then
		rm -rf "$SCRATCH"
	fi
	exit $_rc
}
trap _tap_cleanup EXIT
trap 'exit 130' INT TERM HUP

plan() {
	echo "1..$1"
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

# A failure's diagnostics go to standard error, as Test::More's diag
# does, so that prove shows them without -v (in CI logs too).
_tap_diag_run() {	# status
	echo "#   exit status: $1"
	if [ -s "$ERR" ]; then
		echo "#   stderr:"
		head -n 15 "$ERR" | cut -c 1-300 | sed 's/^/#     /'
	fi
}

# ok DESCRIPTION CMD [ARG ...]: CMD exits 0 and reports no sanitizer error.
ok() {
	_tap_d=$1
	shift
	scratch
	_tap_st=0
	"$@" > "$OUT" 2> "$ERR" || _tap_st=$?
	if [ "$_tap_st" -eq 0 ] && ! _sanitizer_report; then
		_tap_result 0 "$_tap_d"
	else
		_tap_result 1 "$_tap_d"
		echo "#   command: $*" | cut -c 1-300 >&2
		_tap_diag_run "$_tap_st" >&2
	fi
	return $_tap_st
}

# must_fail CODE DESCRIPTION CMD [ARG ...]: CMD exits exactly CODE.  A
# signal or a sanitizer report is a failure, whatever CODE says.
must_fail() {
	_tap_code=$1
	_tap_d=$2
	shift 2
	scratch
	_tap_st=0
	"$@" > "$OUT" 2> "$ERR" || _tap_st=$?
	if [ "$_tap_st" -eq "$_tap_code" ] && [ "$_tap_st" -le 128 ] &&
	    ! _sanitizer_report; then
		_tap_result 0 "$_tap_d"
		return 0
	fi
	_tap_result 1 "$_tap_d"
	echo "#   command: $*" | cut -c 1-300 >&2
	echo "#   expected exit status $_tap_code" >&2
	_tap_diag_run "$_tap_st" >&2
	return 1
}

# same DESCRIPTION EXPECTED ACTUAL
same() {
	if [ "$2" = "$3" ]; then
		_tap_result 0 "$1"
		return 0
	fi
	_tap_result 1 "$1"
	printf '%s\n' "expected:" "$2" | cut -c 1-300 | sed 's/^/#   /' >&2
	printf '%s\n' "got:" "$3" | cut -c 1-300 | sed 's/^/#   /' >&2
	return 1
}

# check DESCRIPTION CMD [ARG ...]: a shell condition; its output is not kept.
check() {
	_tap_d=$1
	shift
	if "$@" > /dev/null 2>&1; then
		_tap_result 0 "$_tap_d"
		return 0
	fi
	_tap_result 1 "$_tap_d"
	echo "#   condition: $*" | cut -c 1-300 >&2
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
# user-only human resources bureau ($HRSS_KEY), and the shipped catalog
# (unless --no-catalog).
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
	if [ "${1:-}" != --no-catalog ]; then
		_setup ecert-catalog load -k "$ADMIN_KEY" \
		    "$ECERT_SHARE"/catalog/*.yaml
	fi
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

# issue_biz KEY USCC NAME [ARG ...]: a 营业执照 for company NAME, items by
# their Chinese labels; its number is the company's code.
issue_biz() {
	_is_key=$1 _is_code=$2 _is_name=$3
	shift 3
	ecert-issue -k "$_is_key" -t "$T_BIZ" -f number="$_is_code" \
	    -f holder="$_is_name" -f holder_id="$_is_code" \
	    -f 类型='有限责任公司（自然人投资或控股）' -f 法定代表人=张汉江 \
	    -f 注册资本=伍佰万元整 -f 成立日期=2019-03-18 \
	    -f 住所='湖北省襄阳市樊城区长虹北路16号' \
	    -f 经营范围='食品生产；食品销售；农副产品加工' "$@"
}

# issue_food KEY NUMBER USCC NAME [ARG ...]: a 食品经营许可证, items by key.
issue_food() {
	_is_key=$1 _is_number=$2 _is_code=$3 _is_name=$4
	shift 4
	ecert-issue -k "$_is_key" -t "$T_FOOD" -f number="$_is_number" \
	    -f holder="$_is_name" -f holder_id="$_is_code" \
	    -f legal_representative=张汉江 \
	    -f domicile='湖北省襄阳市樊城区长虹北路16号' \
	    -f premises='湖北省襄阳市樊城区长虹北路16号一楼' \
	    -f business_form=食品销售经营者 \
	    -f business_items='预包装食品销售（含冷藏冷冻食品）；散装食品销售' \
	    -f supervising_agency=襄阳市樊城区市场监督管理局 \
	    -f complaint_phone=12315 "$@"
}

# issue_estate KEY NUMBER NAME CITIZEN_ID [ARG ...]: a 不动产权证书 for a
# natural person.
issue_estate() {
	_is_key=$1 _is_number=$2 _is_name=$3 _is_cid=$4
	shift 4
	ecert-issue -k "$_is_key" -t "$T_ESTATE" -f number="$_is_number" \
	    -f holder="$_is_name" -f holder_id="$_is_cid" -f 共有情况=单独所有 \
	    -f 坐落='襄阳市樊城区人民路2号3栋1单元502室' \
	    -f 不动产单元号=420606001002GB00012F00030012 \
	    -f 权利类型='国有建设用地使用权/房屋所有权' \
	    -f 权利性质='出让/市场化商品房' -f 用途='城镇住宅用地/住宅' \
	    -f 面积='共有宗地面积12000.00㎡/房屋建筑面积118.56㎡' \
	    -f 使用期限='2008年05月10日起2078年05月09日止' "$@"
}

# canonical < JSON Lines: each line again in canonical form (keys sorted,
# no white space), by Perl's own JSON::PP, to compare with ours.
canonical() {
	perl -MJSON::PP -e 'my $j = JSON::PP->new->utf8->canonical;
	    while (<STDIN>) { chomp; print $j->encode($j->decode($_)), "\n" }'
}

# json_field PATH ... < JSON Lines: the values at PATHs (a.b for nested
# members) of each line, tab-separated; null and missing print as "null".
json_field() {
	perl -MJSON::PP -e 'my $j = JSON::PP->new->utf8;
	    binmode STDOUT;
	    while (<STDIN>) {
		my $o = $j->decode($_);
		print join("\t", map {
			my $v = $o;
			$v = ref $v eq "HASH" ? $v->{$_} : undef for split /\./;
			!defined $v ? "null" : JSON::PP::is_bool($v) ?
			    ($v ? "true" : "false") : ref $v ? $j->encode($v) :
			    do { my $s = $v; utf8::encode($s); $s }
		} @ARGV), "\n";
	    }' "$@"
}
