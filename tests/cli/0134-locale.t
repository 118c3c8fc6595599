#!/bin/sh
# Messages in the reader's language: under zh_CN.UTF-8 (LANG, LC_ALL,
# LC_MESSAGES, LANGUAGE as gettext(3) reads them) the programs say on
# stderr in Chinese what they say in English under any other locale, with
# the same exit status and the same standard output; the audit log and
# JSON keep the English words whoever ran the program.  The catalog
# po/zh_CN.po translates every message, and po/ecert.pot is the one the
# sources make, so a new message without a translation fails here.
# Without the zh_CN.UTF-8 locale (make deps makes it) the Chinese points
# skip.
. "$(dirname "$0")/lib.sh"

SRC=$TESTDIR/../..

plan 100

ZH=zh_CN.UTF-8
if locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\{0,1\}8'; then
	have_zh=1
else
	have_zh=0
fi
skip() {	# N WHY
	_k=0
	while [ "$_k" -lt "$1" ]; do
		_tap_n=$((_tap_n + 1))
		echo "ok $_tap_n # skip $2"
		_k=$((_k + 1))
	done
}

# lang_run LOCALE CMD ...: CMD with LANG=LOCALE and nothing else set
lang_run() {
	_in_l=$1
	shift
	env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG="$_in_l" "$@"
}

# refusal STATUS WHAT ENGLISH CHINESE CMD ...: CMD exits STATUS and says
# ENGLISH under C.UTF-8 and en_US.UTF-8, CHINESE under zh_CN.UTF-8 (the
# whole stderr), with the same standard output each time; 7 points.
refusal() {
	_r_st=$1 _r_what=$2 _r_en=$3 _r_zh=$4
	shift 4
	must_fail "$_r_st" "$_r_what: exits $_r_st under C.UTF-8" lang_run C.UTF-8 "$@"
	same "... and says it in English" "$_r_en" "$(cat "$ERR")"
	cp "$OUT" out.en
	must_fail "$_r_st" "... under en_US.UTF-8 too" lang_run en_US.UTF-8 "$@"
	same "... in the same English" "$_r_en" "$(cat "$ERR")"
	if [ "$have_zh" -eq 1 ]; then
		must_fail "$_r_st" "... under $ZH too" lang_run "$ZH" "$@"
		same "... and says it in Chinese" "$_r_zh" "$(cat "$ERR")"
		same "... its standard output the same in both" \
		    "$(cat out.en)" "$(cat "$OUT")"
	else
		skip 3 "no $ZH locale"
	fi
}

setup_store
ok "a 营业执照 for 襄阳汉江食品有限公司" \
	issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司
# a presentation token, the trust and status lists to check it offline
ok "a presentation token of it" \
	sh -c 'ecert-show -k "$1" --token "$2" > token.txt' sh "$ADMIN_KEY" "$ID_BIZ_FOOD"
ok "the trust list" sh -c 'ecert-unit export --trust -k "$1" > trust.json' \
	sh "$ADMIN_KEY"
ok "the status list" ecert-export -k "$ADMIN_KEY" --status -o status.json
# one character changed
BAD=$(awk '{ c = substr($0, 40, 1); r = (c == "A") ? "B" : "A";
	print substr($0, 1, 39) r substr($0, 41) }' token.txt)
DIGEST=$(store_digest)
AUDITED=$(audit_count)

refusal 64 "--as-of a day that does not exist" \
	"ecert-expire: --as-of 2025-02-30: not a real date (YYYY-MM-DD)" \
	"ecert-expire: --as-of 2025-02-30: 不是真实存在的日期（YYYY-MM-DD）" \
	ecert-expire --as-of 2025-02-30
refusal 65 "an identifier with a wrong check character" \
	"ecert-verify: $ID_BADCHECK: not a license identifier (1.2.156.3005.2...): check character (the last) is 'A', but the rest gives 'O'" \
	"ecert-verify: $ID_BADCHECK: 不是电子证照标识（1.2.156.3005.2...）: 校验码（最后一位）为“A”，但按其余部分应为“O”" \
	ecert-verify "$ID_BADCHECK"
refusal 65 "a holder code with a wrong check character" \
	"ecert-issue: field holder_id: not a valid unified social credit code: check character (the 18th) is 'B', but the first 17 give 'A'" \
	"ecert-issue: 字段 holder_id: 不是有效的统一社会信用代码: 校验码（第 18 位）为“B”，但按前 17 位应为“A”" \
	ecert-issue -k "$SAMR_KEY" -t "$T_BIZ" -f number="$USCC_BAD" \
	    -f holder=襄阳汉江食品有限公司 -f holder_id="$USCC_BAD" \
	    -f 类型='有限责任公司（自然人投资或控股）' -f 法定代表人=张汉江 \
	    -f 注册资本=伍佰万元整 -f 成立日期=2019-03-18 \
	    -f 住所='湖北省襄阳市樊城区长虹北路16号' -f 经营范围=食品销售
refusal 1 "a license not in the store, --json" \
	"ecert-verify: $ID_UNKNOWN: not in the store" \
	"ecert-verify: $ID_UNKNOWN: 不在证照库中" \
	ecert-verify --json "$ID_UNKNOWN"
same "... the JSON keeps its English reason" \
	'{"id":"'"$ID_UNKNOWN"'","reason":"not in the store","status":"not-found","valid":false}' \
	"$(cat "$OUT")"
refusal 77 "a unit that does not issue 营业执照 issuing one" \
	"ecert-issue: unit $HRSS may not issue type $T_BIZ (营业执照): the catalog assigns it to $SAMR" \
	"ecert-issue: 单位 $HRSS 不能签发证照类型 $T_BIZ（营业执照）: 证照目录将其分配给 $SAMR" \
	ecert-issue -k "$HRSS_KEY" -t "$T_BIZ" -f number="$USCC_LONGZHONG" \
	    -f holder=襄阳隆中餐饮管理有限公司 -f holder_id="$USCC_LONGZHONG"
refusal 77 "another bureau revoking the license" \
	"ecert-revoke: $ID_BIZ_FOOD: issued by $SAMR; only the issuing unit may revoke it" \
	"ecert-revoke: $ID_BIZ_FOOD: 由 $SAMR 签发；只有制证单位可以对其执行 revoke" \
	ecert-revoke -k "$NRB_KEY" --reason 企业注销 "$ID_BIZ_FOOD"
# 扫码亮证 offline: a scanned token with one character changed
refusal 1 "a scanned token with one character changed, offline" \
	"ecert-verify: token: token damaged: bad field" \
	"ecert-verify: token: 凭证已损坏: 字段有误" \
	ecert-verify --offline --trust trust.json --status status.json "$BAD"
same "... the JSON keeps its English reason" \
	'{"id":"token","reason":"token damaged: bad field","status":"invalid","valid":false}' \
	"$(cat "$OUT")"

# errno's words follow the locale too (when libc has them in Chinese)
NOSTORE="$SCRATCH/no-such.db"
refusal 74 "a store that does not exist" \
	"ecert-verify: store $NOSTORE: No such file or directory (make one with ecert-init)" \
	"ecert-verify: 证照库 $NOSTORE: $(lang_run "$ZH" sh -c 'ls -d "$1" 2>&1' sh "$NOSTORE" |
	    sed 's/.*: //')（请用 ecert-init 创建）" \
	ecert-verify -d "$NOSTORE" "$ID_BIZ_FOOD"

same "the refusals changed nothing in the store" "$DIGEST" "$(store_digest)"
# each refusal audited in each locale is audited alike, in English
sqlite3 "$ECERT_DB" "SELECT action, outcome, detail FROM audit
    WHERE seq > $AUDITED ORDER BY seq" > audit.all
check "the refusals were audited" test -s audit.all
if [ "$have_zh" -eq 1 ]; then
	same "... each entry three times alike, one a locale" "" \
	    "$(sort audit.all | uniq -c | awk '$1 != 3' | head -3)"
else
	skip 1 "no $ZH locale"
fi
check "... and no Chinese word of the catalog among them" \
	sh -c '! grep -q -e 不能 -e 只有 -e 不在证照库 audit.all'
check "... the English reasons there" \
	grep -q "license.revoke|denied|$ID_BIZ_FOOD: issued by $SAMR; only the issuing unit may revoke it" audit.all

ok "the license as JSON under C.UTF-8" lang_run C.UTF-8 ecert-show --json "$ID_BIZ_FOOD"
cp "$OUT" show.en
if [ "$have_zh" -eq 1 ]; then
	ok "... and under $ZH" lang_run "$ZH" ecert-show --json "$ID_BIZ_FOOD"
	same "... the same JSON, keys and values" "$(cat show.en)" "$(cat "$OUT")"
else
	skip 2 "no $ZH locale"
fi

# --help: the pointer to the manual (the usage lines are English still)
ok "ecert-verify --help under C.UTF-8" lang_run C.UTF-8 ecert-verify --help
same "... points to the manual in English" \
	"See ecert-verify(1): man ecert-verify" "$(tail -n 1 "$OUT")"
if [ "$have_zh" -eq 1 ]; then
	ok "... under $ZH" lang_run "$ZH" ecert-verify --help
	same "... in Chinese" "参见 ecert-verify(1): man ecert-verify" \
	    "$(tail -n 1 "$OUT")"
else
	skip 2 "no $ZH locale"
fi
if [ "$have_zh" -eq 1 ]; then
	same "... its labels and option lines in Chinese, the syntax as it is" \
	    "用法： ecert-verify [-d file] [--store-key file] [--json] [id ...]|通用选项： [-d file] [--store-key file] [--passphrase-file file]|选项：|      --status file           已签名的状态列表（注销、停用）" \
	    "$(grep -e '^用法' -e '^通用选项' -e '^选项' -e '^      --status' "$OUT" | paste -sd '|')"
	must_fail 64 "a usage error under $ZH" lang_run "$ZH" ecert-show --bogus
	check "... says 用法： on stderr" err_has "用法： ecert-show [-d file]"
	check "... and no line is over 80 columns (wide characters count 2)" \
	    python3 -c 'import sys, unicodedata
w = lambda l: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
sys.exit(max(w(l.rstrip("\n")) for l in open(sys.argv[1], encoding="utf-8")) > 80)' "$ERR"
else
	skip 4 "no $ZH locale"
fi
must_fail 64 "a usage error under C.UTF-8" lang_run C.UTF-8 ecert-show --bogus
check "... says usage: in English" err_has "usage: ecert-show [-d file]"

# gettext's order: LC_ALL, then LC_MESSAGES, then LANG; LANGUAGE first
# unless the locale is C
NOTFOUND_EN="ecert-verify: $ID_UNKNOWN: not in the store"
NOTFOUND_ZH="ecert-verify: $ID_UNKNOWN: 不在证照库中"
if [ "$have_zh" -eq 1 ]; then
	must_fail 1 "LC_ALL=$ZH over LANG=C.UTF-8" \
	    env LC_ALL="$ZH" LANG=C.UTF-8 ecert-verify "$ID_UNKNOWN"
	same "... Chinese" "$NOTFOUND_ZH" "$(cat "$ERR")"
	must_fail 1 "LC_ALL=C over LANG=$ZH" \
	    env LC_ALL=C LANG="$ZH" ecert-verify "$ID_UNKNOWN"
	same "... English" "$NOTFOUND_EN" "$(cat "$ERR")"
	must_fail 1 "LC_MESSAGES=$ZH with LANG=C.UTF-8" \
	    env -u LC_ALL LC_MESSAGES="$ZH" LANG=C.UTF-8 \
	    ecert-verify "$ID_UNKNOWN"
	same "... Chinese" "$NOTFOUND_ZH" "$(cat "$ERR")"
	must_fail 1 "LANGUAGE=en before LANG=$ZH" \
	    env -u LC_ALL LANGUAGE=en LANG="$ZH" ecert-verify "$ID_UNKNOWN"
	same "... English" "$NOTFOUND_EN" "$(cat "$ERR")"
	must_fail 1 "LANGUAGE=zh_CN under LC_ALL=C is not heeded" \
	    env LC_ALL=C LANGUAGE=zh_CN ecert-verify "$ID_UNKNOWN"
	same "... English" "$NOTFOUND_EN" "$(cat "$ERR")"
	mkdir nocatalog
	must_fail 1 "ECERT_LOCALEDIR names where the catalogs are" \
	    env -u LC_ALL ECERT_LOCALEDIR="$SCRATCH/nocatalog" LANG="$ZH" \
	    ecert-verify "$ID_UNKNOWN"
	same "... none there: English" "$NOTFOUND_EN" "$(cat "$ERR")"
	mkdir -p locale/zh_CN/LC_MESSAGES
	msgfmt -o locale/zh_CN/LC_MESSAGES/ecert.mo - <<'EOF'
msgid ""
msgstr "Content-Type: text/plain; charset=UTF-8\n"

msgid "not in the store"
msgstr "库中查无此证"
EOF
	must_fail 1 "... a catalog there" \
	    env -u LC_ALL ECERT_LOCALEDIR="$SCRATCH/locale" LANG="$ZH" \
	    ecert-verify "$ID_UNKNOWN"
	same "... is the one read" "ecert-verify: $ID_UNKNOWN: 库中查无此证" \
	    "$(cat "$ERR")"
else
	skip 14 "no $ZH locale"
fi

# the catalog: complete, and made from the sources as they are
ok "msgfmt -c accepts po/zh_CN.po" \
	msgfmt --statistics -c -o /dev/null "$SRC/po/zh_CN.po"
check "... every message translated, none fuzzy" \
	sh -c "grep -q '^[0-9]* translated messages\.\$' '$ERR'"
msgids() {	# PO-FILE: its msgids, sorted, one a line
	msgcat --no-location --no-wrap --sort-output "$1" |
	    grep '^msgid ' | grep -v '^msgid ""$'
}
ok "make pot from the sources" env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS \
	make -s -C "$SRC" pot POT="$SCRATCH/fresh.pot"
msgids "$SCRATCH/fresh.pot" > fresh.ids
msgids "$SRC/po/ecert.pot" > pot.ids
msgids "$SRC/po/zh_CN.po" > zh.ids
check "... it has the messages (over 400)" \
	test "$(wc -l < fresh.ids)" -gt 400
same "po/ecert.pot is up to date with the sources (make pot)" "" \
	"$(diff pot.ids fresh.ids | grep '^[<>]' | head -5)"
same "po/zh_CN.po has the same messages (make po)" "" \
	"$(diff pot.ids zh.ids | grep '^[<>]' | head -5)"
