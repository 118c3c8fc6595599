#!/bin/sh
# ecert-amend: a change of a license (同步更新, article 8) is a new signed
# version under the same identifier but its version and check character;
# the old version is kept, superseded, and verifies as such.  Only the
# issuing unit amends (article 9), always with a reason, never the number
# or the holder's code; a bad value changes nothing.
. "$(dirname "$0")/lib.sh"

plan 99

ECERT_NOW=2025-06-30T09:00:00Z
export ECERT_NOW

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_GULONG" 襄阳古隆中文化旅游有限公司 > /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > estate.out &&
ecert-unit export --trust -k "$ADMIN_KEY" > trust.json &&
ecert-show -k "$ADMIN_KEY" --token "$ID_BIZ_FOOD" > old-token.txt ||
	bail "cannot issue the licenses to amend"
ID_ESTATE=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' estate.out)

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

# check_char ID: the ISO/IEC 7064 MOD 37,36 check character of ID's type
# code, issuer code, serial and version (GB/T 36904).
check_char() {
	perl -e 'my @p = split /\./, $ARGV[0]; my $p = 36;
	    for (split //, join "", @p[5 .. 8]) {
		my $v = /\d/ ? $_ : ord($_) - 55;
		my $s = ($p + $v) % 36; $s = 36 if $s == 0; $p = 2 * $s % 37;
	    }
	    my $c = (37 - $p) % 36; print $c < 10 ? $c : chr($c + 55), "\n"' "$1"
}

# The new identifier that ecert-amend printed (JSON or alone).
new_id() {
	sed -n 's/.*"id":"\([^"]*\)".*/\1/p; /^1\.2\.156\./p' "$OUT" | head -n 1
}

# doc_but KEY ... < signed documents: each document, canonical, without
# the members named (a.b for nested ones).
doc_but() {
	perl -MJSON::PP -e 'my $j = JSON::PP->new->utf8->canonical;
	    while (<STDIN>) {
		my $d = $j->decode($_)->{document};
		for (@ARGV) {
			my @k = split /\./; my $o = $d;
			$o = $o->{shift @k} while @k > 1;
			delete $o->{$k[0]};
		}
		print $j->encode($d), "\n";
	    }' "$@"
}

audit_detail() {	# the last entry as action|object|outcome|detail
	sql "SELECT action || '|' || object || '|' || outcome || '|' || detail
	    FROM audit ORDER BY seq DESC LIMIT 1"
}

#
# One amendment: a new version, the old one superseded.
#
V1=$ID_BIZ_FOOD
ok "amend the 法定代表人, with a reason" ecert-amend -k "$SAMR_KEY" "$V1" \
	-f 法定代表人=李樊城 --reason 法定代表人变更登记
V2=$(new_id)
same "... prints the new version and the one it supersedes" \
	"{\"id\":\"$V2\",\"supersedes\":\"$V1\"}" "$(cat "$OUT")"
same "... the same identifier but for the version and check character" \
	"${V1%.*.*}" "${V2%.*.*}"
same "... version 002" 002 "$(echo "$V2" | cut -d . -f 9)"
same "... with its own check character (MOD 37,36)" "$(check_char "$V2")" \
	"$(echo "$V2" | cut -d . -f 10)"
must_fail 1 "the old version no longer verifies" ecert-verify "$V1"
same "... it is superseded, not valid" \
	"{\"id\":\"$V1\",\"reason\":\"superseded\",\"status\":\"superseded\",\"valid\":false}" \
	"$(cat "$OUT")"
ok "the new version verifies" ecert-verify "$V2"
same "... as valid" "{\"id\":\"$V2\",\"status\":\"valid\",\"valid\":true}" \
	"$(cat "$OUT")"
same "... its document has the new 法定代表人 and version 2" "李樊城	2" \
	"$(ecert-show --json "$V2" | json_field document.items.legal_representative document.version)"
same "... the old document is kept as it was signed" "张汉江	1" \
	"$(ecert-show --json "$V1" | json_field document.items.legal_representative document.version)"
same "... every other item, the holder, the number and the dates carried over" \
	"$(ecert-show --json "$V1" | doc_but id version signed_at salts items.legal_representative)" \
	"$(ecert-show --json "$V2" | doc_but id version signed_at salts items.legal_representative)"
same "... signed by the market regulator" "$SAMR" \
	"$(ecert-show --json "$V2" | json_field signature.signer)"
same "ecert-query shows the old version superseded, the new one valid" \
	"$V1	superseded
$V2	valid" "$(ecert-query --holder-id "$USCC_FOOD" -o id,status | sort)"
same "... audited as license.amend of the new version, with the reason" \
	"license.amend|$V2|ok|version 2 of $V1: 法定代表人变更登记" \
	"$(sql "SELECT action || '|' || object || '|' || outcome || '|' || detail
	    FROM audit WHERE action = 'license.amend'")"
same "... the old version's signed event says who and why" \
	"superseded|$SAMR|$(id -un)|superseded by version 2: 法定代表人变更登记" \
	"$(sql "SELECT status || '|' || unit || '|' || os_user || '|' || reason
	    FROM license_events WHERE license = '$V1' AND signature IS NOT NULL")"
must_fail 1 "the old version cannot be presented" \
	ecert-show -k "$ADMIN_KEY" --token "$V1"
check "... saying why" err_has "is superseded; only a valid license can be shown"
ok "the new one can" ecert-show -k "$ADMIN_KEY" --token "$V2"
cp "$OUT" new-token.txt
ok "the status list is published again" \
	ecert-export -k "$ADMIN_KEY" --status -o status.json
must_fail 1 "a token of the old version, shown before the change, is refused offline" \
	ecert-verify --offline --trust trust.json --status status.json old-token.txt
ok "... one of the new version verifies offline" \
	ecert-verify --offline --trust trust.json --status status.json new-token.txt

# the history
ok "ecert-show --history lists the versions and the events" \
	ecert-show --history --json "$V1"
same "... with who and why" "\
version	$V1	superseded	null	null	null
event	$V1	superseded	$SAMR	$(id -un)	superseded by version 2: 法定代表人变更登记
version	$V2	valid	null	null	null" \
	"$(json_field kind id status unit os_user reason < "$OUT")"
cp "$OUT" history-v1.jsonl
ok "... the same from the new version" ecert-show --history --json "$V2"
same "... line by line" "$(cat history-v1.jsonl)" "$(cat "$OUT")"
ok "... and as a table" ecert-show --history --table "$V2"
check "... naming both versions, the unit and the reason" sh -c '
	grep -q -F "$1" "$4" && grep -q -F "$2" "$4" && grep -q -F "$3" "$4" &&
	grep -q -F "superseded by version 2: 法定代表人变更登记" "$4"' sh \
	"$V1" "$V2" "$SAMR" "$OUT"
must_fail 1 "--history of a license not in the store" \
	ecert-show --history "$ID_UNKNOWN"
ok "a second amendment, of the new version: 住所" ecert-amend -k "$SAMR_KEY" \
	--table --reason 住所变更登记 "$V2" -f 住所='湖北省襄阳市樊城区长虹北路28号'
V3=$(new_id)
same "... prints the identifier alone with --table" "$V3" "$(cat "$OUT")"
same "... version 003, its check character right" \
	"003 $(check_char "$V3")" "$(echo "$V3" | cut -d . -f 9,10 | tr . ' ')"
ok "... verifies" ecert-verify "$V3"
same "... and the history has three versions and two events" \
	"version event version event version" \
	"$(ecert-show --history --json "$V1" | json_field kind | tr '\n' ' ' |
	    sed 's/ $//')"

#
# Refusals: nothing changes but the audit log.
#
before=$(store_digest)
must_fail 1 "amending a superseded version: no" ecert-amend -k "$SAMR_KEY" \
	--reason 重复变更 "$V1" -f 法定代表人=王襄州
check "... saying why" err_has "is superseded; only a valid license can be amended"
same "... the store is unchanged" "$before" "$(store_digest)"
same "... the refusal is audited" "license.amend|$V1|refused" "$(audit_last)"
ecert-revoke -k "$SAMR_KEY" --reason 企业申请注销登记 "$ID_BIZ_LONGZHONG" \
	> /dev/null 2>&1 || bail "cannot revoke"
before=$(store_digest)
must_fail 1 "amending a revoked license: no" ecert-amend -k "$SAMR_KEY" \
	--reason 变更 "$ID_BIZ_LONGZHONG" -f 法定代表人=王襄州
check "... saying why" err_has "is revoked; only a valid license can be amended"
same "... the store is unchanged" "$before" "$(store_digest)"
ecert-revoke -k "$SAMR_KEY" --suspend --reason 经营异常 "$ID_BIZ_FANCHENG" \
	> /dev/null 2>&1 || bail "cannot suspend"
before=$(store_digest)
must_fail 1 "amending a suspended license: no" ecert-amend -k "$SAMR_KEY" \
	--reason 变更 "$ID_BIZ_FANCHENG" -f 法定代表人=王襄州
check "... reinstate it first" err_has "(reinstate it first)"
same "... the store is unchanged" "$before" "$(store_digest)"
ecert-revoke -k "$SAMR_KEY" --reinstate --reason 已移出 "$ID_BIZ_FANCHENG" \
	> /dev/null 2>&1 || bail "cannot reinstate"

before=$(store_digest)
must_fail 65 "changing the number: no" ecert-amend -k "$SAMR_KEY" \
	--reason 更正 "$V3" -f number=91420600MA49ABCD2X
check "... revoke and issue anew" err_has "field number: cannot be amended"
must_fail 65 "changing the holder's code: no" ecert-amend -k "$SAMR_KEY" \
	--reason 更正 "$V3" -f holder_id="$USCC_OTHER"
check "... saying which field" err_has "field holder_id: cannot be amended"
must_fail 65 "changing the type: no" ecert-amend -k "$SAMR_KEY" \
	--reason 更正 "$V3" -f type="$T_FOOD"
same "... none of these changed the store" "$before" "$(store_digest)"
same "... the last refusal is audited as rejected" "license.amend|$V3|rejected" \
	"$(audit_last)"
must_fail 77 "another unit amending: no permission" ecert-amend -k "$NRB_KEY" \
	--reason 越权变更 "$V3" -f 法定代表人=王襄州
check "... naming the issuer" err_has "issued by $SAMR; only the issuing unit may amend it"
same "... the store is unchanged" "$before" "$(store_digest)"
same "... audited as denied" "license.amend|$V3|denied" "$(audit_last)"
must_fail 77 "the market regulator amending a 不动产权证书: no permission" \
	ecert-amend -k "$SAMR_KEY" --reason 越权变更 "$ID_ESTATE" -f 共有情况=共同共有
must_fail 77 "a using unit amending: no permission" ecert-amend -k "$HRSS_KEY" \
	--reason 越权变更 "$V3" -f 法定代表人=王襄州
same "... the store is unchanged" "$before" "$(store_digest)"
must_fail 65 "a date that does not exist: 成立日期=2023-02-30" \
	ecert-amend -k "$SAMR_KEY" --reason 更正成立日期 "$V3" -f 成立日期=2023-02-30
check "... saying why" err_has "field established (成立日期): 2023-02-30: not a real date"
same "... the store is unchanged" "$before" "$(store_digest)"
same "... audited as rejected, with the reason" \
	"license.amend|$V3|rejected|field established (成立日期): 2023-02-30: not a real date (YYYY-MM-DD)" \
	"$(audit_detail)"
ok "... and the license still verifies" ecert-verify "$V3"
must_fail 65 "a value outside an enum: 类型=合作社" ecert-amend -k "$SAMR_KEY" \
	--reason 更正 "$V3" -f 类型=合作社
must_fail 65 "an item the type does not have" ecert-amend -k "$SAMR_KEY" \
	--reason 更正 "$V3" -f 投诉举报电话=12315
check "... saying so" err_has "not a data item of type $T_BIZ"
must_fail 65 "a required item emptied" ecert-amend -k "$SAMR_KEY" \
	--reason 更正 "$V3" -f 法定代表人=
must_fail 65 "a reason with a control character" ecert-amend -k "$SAMR_KEY" \
	--reason "$(printf '变更\033[2J')" "$V3" -f 法定代表人=王襄州
must_fail 1 "a license not in the store: not found" ecert-amend -k "$SAMR_KEY" \
	--reason 变更 "$ID_UNKNOWN" -f 法定代表人=王襄州
must_fail 65 "a malformed identifier: bad input" ecert-amend -k "$SAMR_KEY" \
	--reason 变更 "$ID_BADCHECK" -f 法定代表人=王襄州
must_fail 64 "no --reason: usage" ecert-amend -k "$SAMR_KEY" "$V3" \
	-f 法定代表人=王襄州
must_fail 64 "an empty --reason: usage" ecert-amend -k "$SAMR_KEY" \
	--reason '' "$V3" -f 法定代表人=王襄州
must_fail 64 "an identifier without -f: usage" ecert-amend -k "$SAMR_KEY" \
	--reason 变更 "$V3"
must_fail 64 "-f without an identifier: usage" ecert-amend -k "$SAMR_KEY" \
	--reason 变更 -f 法定代表人=王襄州 < /dev/null
must_fail 64 "two identifiers: usage" ecert-amend -k "$SAMR_KEY" \
	--reason 变更 "$V3" "$ID_BIZ_GULONG" -f 法定代表人=王襄州
same "... none of these changed the store" "$before" "$(store_digest)"
check "... the store holds three versions of the 营业执照 of 襄阳汉江食品有限公司" \
	test "$(sql "SELECT count(*) FROM licenses WHERE number = '$USCC_FOOD'")" -eq 3

#
# Amendments from JSON Lines on standard input.
#
printf '{"id":"%s","法定代表人":"王襄州"}\n\n{"id":"%s","住所":"%s"}\n' \
	"$ID_BIZ_FANCHENG" "$ID_BIZ_GULONG" '湖北省襄阳市襄城区隆中路9号' \
	> changes.jsonl
ok "amendments from JSON Lines on stdin" ecert-amend -k "$SAMR_KEY" \
	--reason 变更登记 < changes.jsonl
F2=$(sed -n '1s/.*"id":"\([^"]*\)".*/\1/p' "$OUT")
G2=$(sed -n '2s/.*"id":"\([^"]*\)".*/\1/p' "$OUT")
same "... one line each, the empty one skipped" \
	"{\"id\":\"${ID_BIZ_FANCHENG%.*.*}.002.$(check_char "${ID_BIZ_FANCHENG%.*.*}.002.X")\",\"supersedes\":\"$ID_BIZ_FANCHENG\"}
{\"id\":\"${ID_BIZ_GULONG%.*.*}.002.$(check_char "${ID_BIZ_GULONG%.*.*}.002.X")\",\"supersedes\":\"$ID_BIZ_GULONG\"}" \
	"$(cat "$OUT")"
ok "... both new versions verify" ecert-verify "$F2" "$G2"
must_fail 1 "... the old ones do not" ecert-verify "$ID_BIZ_FANCHENG" \
	"$ID_BIZ_GULONG"
same "... both superseded" 2 \
	"$(grep -c '"status":"superseded","valid":false' "$OUT")"
same "... with the changed items" "王襄州
湖北省襄阳市襄城区隆中路9号" \
	"$(ecert-show --json "$F2" | json_field document.items.legal_representative
	ecert-show --json "$G2" | json_field document.items.domicile)"

printf '%s\n' "{\"id\":\"$F2\",\"成立日期\":\"2023-02-30\"}" 'not json' \
	"{\"id\":\"$G2\",\"法定代表人\":\"李樊城\"}" \
	"{\"id\":\"$F2\",\"number\":\"1234567\"}" > batch.jsonl
must_fail 65 "a batch with bad lines: 65" ecert-amend -k "$SAMR_KEY" \
	--reason 变更登记 < batch.jsonl
G3=$(new_id)
same "... the good line is amended" "${G2%.*.*}.003" "${G3%.*}"
check "... the line that is no JSON reported by its number" \
	err_has "<stdin>:2:"
check "... each refused line reported by its number" \
	sh -c 'grep -q "^ecert-amend: <stdin>:1: " "$1" &&
	    grep -q "^ecert-amend: <stdin>:4: " "$1"' sh "$ERR"
ok "... the bad ones changed nothing" ecert-verify "$F2"
printf '{"id":"%s","共有情况":"共同共有"}\n{"id":"%s","注册资本":"壹仟万元整"}\n' \
	"$ID_ESTATE" "$F2" > mixed.jsonl
must_fail 77 "a batch with another unit's license: 77 wins" \
	ecert-amend -k "$SAMR_KEY" --reason 增资 < mixed.jsonl
check "... its own license is amended" out_has "\"supersedes\":\"$F2\""
ok "... the 不动产权证书 is untouched" ecert-verify "$ID_ESTATE"

ok "ecert-query -o id | sed ... | ecert-amend" sh -c '
	ecert-query --holder-id "$1" --status valid -o id |
	sed "s/.*/{\"id\":\"&\",\"住所\":\"湖北省襄阳市樊城区长虹北路16号\"}/" |
	ecert-amend -k "$2" --reason 住所变更登记' sh "$USCC_FOOD" "$SAMR_KEY"
V4=$(new_id)
same "... amends the current version" "{\"id\":\"$V4\",\"supersedes\":\"$V3\"}" \
	"$(cat "$OUT")"
same "... which is the only valid one" "$V4" \
	"$(ecert-query --holder-id "$USCC_FOOD" --status valid -o id)"

#
# An amendment must change something.
#
before=$(store_digest)
printf '{"id":"%s"}\n' "$V4" > nothing.jsonl
must_fail 65 "a line with an identifier and no change is refused" \
	ecert-amend -k "$SAMR_KEY" --reason 无变更 < nothing.jsonl
same "... and makes no new version" "$before" "$(store_digest)"
before=$(store_digest)
must_fail 65 "a change to the value the license already has is refused" \
	ecert-amend -k "$SAMR_KEY" --reason 同值变更 "$G3" -f 住所='湖北省襄阳市襄城区隆中路9号'
same "... and makes no new version" "$before" "$(store_digest)"

ok "the audit chain is intact" ecert-audit verify
