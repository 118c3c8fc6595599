#!/bin/sh
# ecert-dispute: objections (异议核查), article 17: filed by the holder
# through the platform or by a using unit, due in the type's working days,
# answered only by the issuing unit, by an amendment or a reasoned
# rejection, each answer a notice for the filer; never deleted, audited.
. "$(dirname "$0")/lib.sh"

plan 173

# Friday 27 June 2025: the deadlines cross a weekend
ECERT_TODAY=2025-06-27
ECERT_NOW=2025-06-27T02:00:00Z
export ECERT_TODAY ECERT_NOW
T_ONEDAY=11420600MB1234567T901	# tests/data/dispute/one-day.yaml: 1 working day
NOTIFY=$ECERT_SHARE/examples/dispute-notify.sh

setup_store
ecert-dispute holidays load -k "$ADMIN_KEY" "$ECERT_SHARE"/holidays/2025.txt \
	"$ECERT_SHARE"/holidays/2026.txt > /dev/null 2>&1 &&
ecert-catalog load -k "$ADMIN_KEY" "$DATA/dispute/one-day.yaml" > /dev/null \
	2>&1 &&
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 > /dev/null &&
issue_food "$SAMR_KEY" JY14206060012345 "$USCC_FOOD" 襄阳汉江食品有限公司 \
	--draft > /dev/null &&
issue_estate "$NRB_KEY" '鄂(2025)襄阳市不动产权第0012345号' 张汉江 \
	"$CID_ZHANG" > estate.out &&
ecert-issue -k "$SAMR_KEY" -t "$T_ONEDAY" -f number=CS20250001 \
	-f holder=襄阳古隆中文化旅游有限公司 -f holder_id="$USCC_GULONG" \
	-f 地址='湖北省襄阳市襄城区隆中路1号' > oneday.out ||
	bail "cannot set up the licenses to dispute"
ID_ESTATE=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' estate.out)
ID_ONEDAY=$(sed -n 's/.*"id":"\([^"]*\)".*/\1/p' oneday.out)

sql() {
	sqlite3 "$ECERT_DB" "$1"
}

# dispute N's columns: filed_by|filer_unit|item|status|due|amended
row() {
	sql "SELECT filed_by || '|' || coalesce(filer_unit, '') || '|' ||
	    item || '|' || status || '|' || due || '|' ||
	    coalesce(amended, '') FROM disputes WHERE id = $1"
}

# the dispute numbers in the JSON Lines of $OUT, on one line
ids() {
	json_field id < "$OUT" | tr '\n' ' ' | sed 's/ $//'
}

#
# file
#
ok "the holder files through the platform (--by holder, the admin's key)" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 \
	--reason '住所门牌号应为长虹北路18号' "$ID_BIZ_FOOD"
same "... numbered, due 15 working days after Friday 27 June: 18 July" \
	'{"dispute":1,"due":"2025-07-18"}' "$(cat "$OUT")"
same "... stored open, the item by its key, no filing unit" \
	"holder||domicile|open|2025-07-18|" "$(row 1)"
same "... with its reason and time" \
	"住所门牌号应为长虹北路18号|2025-06-27T02:00:00Z|$SAMR" \
	"$(sql "SELECT reason || '|' || filed_at || '|' || issuer FROM disputes WHERE id = 1")"
same "... audited" "dispute.file|dispute 1|ok" "$(audit_last)"
ok "a using unit files with its own key (--by unit)" \
	ecert-dispute file -k "$HRSS_KEY" --by unit --item legal_representative \
	--reason '法定代表人与工商登记不一致' "$ID_BIZ_LONGZHONG"
same "... due 18 July too" '{"dispute":2,"due":"2025-07-18"}' "$(cat "$OUT")"
same "... the unit recorded as the filer" \
	"unit|$HRSS|legal_representative|open|2025-07-18|" "$(row 2)"
same "... audited as the unit" "dispute.file|dispute 2|ok|$HRSS" \
	"$(sql "SELECT action || '|' || object || '|' || outcome || '|' || unit FROM audit ORDER BY seq DESC LIMIT 1")"
ok "a license field (valid_until) may be disputed" \
	ecert-dispute file -k "$HRSS_KEY" --by unit --item valid_until \
	--reason '有效期截止日期缺失' "$ID_BIZ_LONGZHONG"
same "... stored as that field" "unit|$HRSS|valid_until|open|2025-07-18|" \
	"$(row 3)"
ok "... and the holder by the type's label for it (权利人)" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 权利人 \
	--reason '权利人姓名有误' "$ID_ESTATE"
same "... stored as holder" "holder||holder|open|2025-07-18|" "$(row 4)"
ok "a 不动产权证书 item by its label" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 坐落 \
	--reason '坐落单元号有误' "$ID_ESTATE"
same "... dispute 5" '{"dispute":5,"due":"2025-07-18"}' "$(cat "$OUT")"
ok "--table prints the number and the due date" \
	ecert-dispute file -k "$HRSS_KEY" --by unit --item 面积 --table \
	--reason '面积与测绘报告不一致' "$ID_ESTATE"
same "... on one line" "6 2025-07-18" "$(cat "$OUT")"

# deadlines: working days, Monday to Friday
ok "a type with 1 working day (tests/data/dispute): filed on Friday" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 地址 \
	--reason '地址有误' "$ID_ONEDAY"
same "... is due on Monday" '{"dispute":7,"due":"2025-06-30"}' "$(cat "$OUT")"
ok "... filed on Saturday, due on Monday" env ECERT_TODAY=2025-06-28 \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item address \
	--reason '地址有误' "$ID_ONEDAY"
same "... 2025-06-30" '{"dispute":8,"due":"2025-06-30"}' "$(cat "$OUT")"
ok "... filed on Sunday, due on Monday" env ECERT_TODAY=2025-06-29 \
	ecert-dispute file -k "$HRSS_KEY" --by unit --item address \
	--reason '地址有误' "$ID_ONEDAY"
same "... 2025-06-30" '{"dispute":9,"due":"2025-06-30"}' "$(cat "$OUT")"
ok "... filed on Monday, due on Tuesday" env ECERT_TODAY=2025-06-30 \
	ecert-dispute file -k "$HRSS_KEY" --by unit --item address \
	--reason '地址有误' "$ID_ONEDAY"
same "... 2025-07-01" '{"dispute":10,"due":"2025-07-01"}' "$(cat "$OUT")"
ok "15 working days from Wednesday 24 December 2025 cross weekends, the year and its holidays" \
	env ECERT_TODAY=2025-12-24 ecert-dispute file -k "$ADMIN_KEY" \
	--by holder --item 经营范围 --reason '经营范围缺项' "$ID_BIZ_FOOD"
same "... 元旦 1-3 January off, Sunday 4 January worked: due Thursday 15 January 2026" \
	'{"dispute":11,"due":"2026-01-15"}' "$(cat "$OUT")"

# refusals
before=$(store_digest)
must_fail 1 "a license not in the store: not found" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 \
	--reason 有误 "$ID_UNKNOWN"
check "... saying so" err_has "$ID_UNKNOWN: not found"
same "... audited as refused" "dispute.file|$ID_UNKNOWN|refused" "$(audit_last)"
must_fail 65 "an unknown item is bad input" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 注册地址 \
	--reason 有误 "$ID_BIZ_FOOD"
check "... naming the item and the type" \
	err_has "--item 注册地址: not an item of type $T_BIZ (营业执照)"
same "... audited as rejected" "dispute.file|$ID_BIZ_FOOD|rejected" \
	"$(audit_last)"
must_fail 65 "an item of another type is bad input" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 坐落 \
	--reason 有误 "$ID_BIZ_FOOD"
must_fail 1 "a draft is not a license to dispute" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item premises \
	--reason 有误 "$ID_FOOD_1"
check "... saying so" err_has "a draft awaiting review"
must_fail 65 "a malformed identifier is bad input" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 \
	--reason 有误 "$ID_BADCHECK"
must_fail 77 "--by holder needs the platform's key" \
	ecert-dispute file -k "$HRSS_KEY" --by holder --item 住所 \
	--reason 有误 "$ID_BIZ_FOOD"
check "... saying why" err_has "holders file through the platform"
same "... audited as denied" "dispute.file|$ID_BIZ_FOOD|denied" "$(audit_last)"
must_fail 77 "--by unit needs a using unit (the platform is not one)" \
	ecert-dispute file -k "$ADMIN_KEY" --by unit --item 住所 \
	--reason 有误 "$ID_BIZ_FOOD"
must_fail 64 "--by someone else is a usage error" \
	ecert-dispute file -k "$ADMIN_KEY" --by agent --item 住所 \
	--reason 有误 "$ID_BIZ_FOOD"
must_fail 64 "no --reason is a usage error" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 "$ID_BIZ_FOOD"
must_fail 64 "... and an empty one" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 --reason '' \
	"$ID_BIZ_FOOD"
must_fail 64 "no --item is a usage error" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --reason 有误 "$ID_BIZ_FOOD"
must_fail 65 "a reason with a control character is bad input" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 \
	--reason "$(printf '有误\033[2J')" "$ID_BIZ_FOOD"
same "... none of these changed the store" "$before" "$(store_digest)"

#
# list
#
ok "list: the open disputes as JSON Lines through a pipe" ecert-dispute list
same "... by due date" "7 8 9 10 1 2 3 4 5 6 11" "$(ids)"
same "... each with what a clerk needs" \
	"1	$ID_BIZ_FOOD	营业执照	$USCC_FOOD	holder	襄阳汉江食品有限公司	domicile	住所	open	false" \
	"$(sed -n 5p "$OUT" | json_field id license type_name number filed_by filer item item_label status overdue)"
same "... a unit's dispute names the unit" \
	"unit	襄阳市人力资源和社会保障局	$HRSS" \
	"$(sed -n 6p "$OUT" | json_field filed_by filer filer_unit)"
check "... and no ID number" test "$(grep -c "$CID_ZHANG" "$OUT")" -eq 0
ok "list --issuer: one issuing unit's" ecert-dispute list --issuer "$NRB"
same "... the 不动产权证书 ones" "4 5 6" "$(ids)"
ok "list --table" ecert-dispute list --table --issuer "$NRB"
same "... has a header and one row each" 4 "$(wc -l < "$OUT" | tr -d ' ')"
check "... the header" out_has "DISPUTE  FILED       DUE         STATE"
ok "list --overdue on the due day of the one-day ones (Monday)" \
	env ECERT_TODAY=2025-06-30 ecert-dispute list --overdue
same "... none yet" "" "$(cat "$OUT")"
ok "list --overdue on Tuesday 1 July" \
	env ECERT_TODAY=2025-07-01 ecert-dispute list --overdue
same "... the three due on Monday" "7 8 9" "$(ids)"
same "... marked overdue" "true true true" \
	"$(json_field overdue < "$OUT" | tr '\n' ' ' | sed 's/ $//')"
ok "list --overdue on 21 July" env ECERT_TODAY=2025-07-21 \
	ecert-dispute list --overdue
same "... all but the one due in January" "7 8 9 10 1 2 3 4 5 6" "$(ids)"
ok "... --table shows them as OVERDUE" env ECERT_TODAY=2025-07-21 \
	ecert-dispute list --overdue --table --issuer "$NRB"
same "... each" 3 "$(grep -c OVERDUE "$OUT")"
same "the list is audited" "dispute.list|$NRB|ok" "$(audit_last)"
must_fail 64 "--open with --all is a usage error" ecert-dispute list --open --all
must_fail 65 "--issuer with a wrong check character is bad input" \
	ecert-dispute list --issuer "$USCC_BAD"

#
# resolve
#
ECERT_NOW=2025-07-01T03:00:00Z
ECERT_TODAY=2025-07-01
ok "resolve --rejected with a reason" ecert-dispute resolve -k "$SAMR_KEY" \
	--rejected --reason '经核对登记档案，法定代表人信息无误' 2
cp "$OUT" rejected.jsonl
same "... writes one notice" 1 "$(wc -l < rejected.jsonl | tr -d ' ')"
same "... for the mailer: outcome, reason, filer, no amendment" \
	"dispute-resolved	2	$ID_BIZ_LONGZHONG	unit	襄阳市人力资源和社会保障局	$HRSS	rejected	经核对登记档案，法定代表人信息无误	null	2025-07-01T03:00:00Z" \
	"$(json_field notice dispute license filed_by filer filer_unit outcome reason amended resolved_at < rejected.jsonl)"
same "... naming the item and the issuing unit" \
	"法定代表人	营业执照	$USCC_LONGZHONG	襄阳市市场监督管理局" \
	"$(json_field item_label type_name number issuer_name < rejected.jsonl)"
same "... in canonical form" "$(canonical < rejected.jsonl)" \
	"$(cat rejected.jsonl)"
same "... stored as rejected, by the unit, with the reason" \
	"rejected|$SAMR|经核对登记档案，法定代表人信息无误|2025-07-01T03:00:00Z" \
	"$(sql "SELECT status || '|' || resolved_by || '|' || resolution || '|' || resolved_at FROM disputes WHERE id = 2")"
same "... audited" "dispute.resolve|dispute 2|ok" "$(audit_last)"
ok "dispute-notify.sh formats the notice" sh -c 'sh "$1" < "$2"' sh \
	"$NOTIFY" rejected.jsonl
same "... as one line: to whom, a tab, the text" \
	"用证单位 襄阳市人力资源和社会保障局（$HRSS）	襄阳市人力资源和社会保障局：您于2025-06-27对电子证照《营业执照》（证照编号：$USCC_LONGZHONG）中“法定代表人”一项提出的异议（第2号）已处理：经核查，襄阳市市场监督管理局维持原证照信息，不予更正。理由：经核对登记档案，法定代表人信息无误。处理时间：2025-07-01。如有疑问，请联系襄阳市市场监督管理局。" \
	"$(cat "$OUT")"

before=$(store_digest)
must_fail 1 "resolving it again: no" ecert-dispute resolve -k "$SAMR_KEY" \
	--rejected --reason 重复处理 2
check "... saying it is resolved" err_has "dispute 2: already rejected on 2025-07-01T03:00:00Z"
check "... and no notice" test ! -s "$OUT"
same "... audited as refused" "dispute.resolve|dispute 2|refused" "$(audit_last)"
must_fail 1 "a dispute that does not exist: not found" \
	ecert-dispute resolve -k "$SAMR_KEY" --rejected --reason 无 99
check "... saying so" err_has "dispute 99: not found"
must_fail 77 "another issuing unit may not resolve it" \
	ecert-dispute resolve -k "$NRB_KEY" --rejected --reason 越权处理 1
check "... naming the issuing unit" err_has "issued by $SAMR; only that unit may resolve it"
check "... and no notice" test ! -s "$OUT"
same "... audited as denied" "dispute.resolve|dispute 1|denied" "$(audit_last)"
must_fail 77 "nor the platform" \
	ecert-dispute resolve -k "$ADMIN_KEY" --rejected --reason 越权处理 1
must_fail 77 "nor the unit that filed it" \
	ecert-dispute resolve -k "$HRSS_KEY" --rejected --reason 越权处理 3
must_fail 77 "... even for a resolved one (no permission comes first)" \
	ecert-dispute resolve -k "$NRB_KEY" --rejected --reason 越权处理 2
same "... the store is unchanged but for the audit" "$before" "$(store_digest)"

# --corrected goes with an amendment
must_fail 65 "--corrected without an amendment is bad input" \
	ecert-dispute resolve -k "$SAMR_KEY" --corrected 1
check "... telling the clerk what to do" err_has "amend it first with ecert-amend"
must_fail 65 "... and with the disputed version itself" \
	ecert-dispute resolve -k "$SAMR_KEY" --corrected --amended "$ID_BIZ_FOOD" 1
check "... not a later version" err_has "not a later version of $ID_BIZ_FOOD: amend it first with ecert-amend"
must_fail 65 "... and with another license" \
	ecert-dispute resolve -k "$SAMR_KEY" --corrected \
	--amended "$ID_BIZ_LONGZHONG" 1
must_fail 65 "... and with a version not in the store" \
	ecert-dispute resolve -k "$SAMR_KEY" --corrected --amended \
	1.2.156.3005.2.11100000000013338W011.11420600MB1234567T.91420600MA49ABCD1A.002.M 1
check "... saying so" err_has "not in the store: amend it first with ecert-amend"
must_fail 64 "--corrected with --rejected is a usage error" \
	ecert-dispute resolve -k "$SAMR_KEY" --corrected --rejected --reason x 1
must_fail 64 "--rejected without a reason is a usage error" \
	ecert-dispute resolve -k "$SAMR_KEY" --rejected 1
must_fail 64 "--rejected with --amended is a usage error" \
	ecert-dispute resolve -k "$SAMR_KEY" --rejected --reason x \
	--amended "$ID_BIZ_FOOD" 1
must_fail 64 "neither is a usage error" ecert-dispute resolve -k "$SAMR_KEY" 1
must_fail 64 "a dispute number that is not one" \
	ecert-dispute resolve -k "$SAMR_KEY" --rejected --reason x 1a
same "... none of these changed the store" "$before" "$(store_digest)"
same "... dispute 1 is still open" "holder||domicile|open|2025-07-18|" "$(row 1)"

ok "the issuing unit amends the license with ecert-amend" \
	ecert-amend -k "$SAMR_KEY" --reason '异议核查：更正住所' "$ID_BIZ_FOOD" \
	-f 住所='湖北省襄阳市樊城区长虹北路18号'
ID_BIZ_FOOD_2=$(json_field id < "$OUT")
ok "... and resolves --corrected --amended with its line" sh -c '
	ecert-dispute resolve -k "$1" --corrected --amended "$2" 1 > notice.jsonl &&
	cat notice.jsonl' sh "$SAMR_KEY" "$(cat "$OUT")"
same "... the notice names the new version" \
	"dispute-resolved	1	$ID_BIZ_FOOD	holder	襄阳汉江食品有限公司	null	corrected	null	$ID_BIZ_FOOD_2" \
	"$(json_field notice dispute license filed_by filer filer_unit outcome reason amended < notice.jsonl)"
same "... stored as corrected by it" \
	"holder||domicile|corrected|2025-07-18|$ID_BIZ_FOOD_2" "$(row 1)"
same "... audited" "dispute.resolve|dispute 1|ok" "$(audit_last)"
ok "ecert-dispute resolve | dispute-notify.sh" sh -c '
	ecert-dispute resolve -k "$1" --rejected \
	    --reason "坐落以不动产登记簿为准" 5 | sh "$2"' sh "$NRB_KEY" "$NOTIFY"
same "... tells the holder" \
	"持证主体 张汉江	张汉江：您于2025-06-27对电子证照《不动产权证书》（证照编号：鄂(2025)襄阳市不动产权第0012345号）中“坐落”一项提出的异议（第5号）已处理：经核查，襄阳市自然资源和规划局维持原证照信息，不予更正。理由：坐落以不动产登记簿为准。处理时间：2025-07-01。如有疑问，请联系襄阳市自然资源和规划局。" \
	"$(cat "$OUT")"
ok "... and of a correction" sh -c 'sh "$1" < notice.jsonl' sh "$NOTIFY"
same "... with the new identifier" \
	"持证主体 襄阳汉江食品有限公司	襄阳汉江食品有限公司：您于2025-06-27对电子证照《营业执照》（证照编号：$USCC_FOOD）中“住所”一项提出的异议（第1号）已处理：经核查，襄阳市市场监督管理局已更正该证照，更正后的电子证照标识为$ID_BIZ_FOOD_2，原版本已停止使用。处理时间：2025-07-01。如有疑问，请联系襄阳市市场监督管理局。" \
	"$(cat "$OUT")"
ok "a notice of a holder who is a citizen carries no ID number" sh -c '
	ecert-dispute resolve -k "$1" --rejected --reason 姓名无误 4' sh "$NRB_KEY"
check "... none" test "$(grep -c "$CID_ZHANG" "$OUT")" -eq 0
printf '%s\n' '{"notice":"something-else"}' 'not json' > bad.jsonl
cat rejected.jsonl >> bad.jsonl
must_fail 65 "dispute-notify.sh: lines that are not notices are bad input" \
	sh "$NOTIFY" < bad.jsonl
check "... reported with their line numbers" err_has "<stdin>:2: not a dispute notice"
same "... and the notice among them is still written" 1 \
	"$(wc -l < "$OUT" | tr -d ' ')"
must_fail 64 "dispute-notify.sh takes no arguments" sh "$NOTIFY" x

must_fail 1 "the superseded version can no longer be disputed" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 \
	--reason 有误 "$ID_BIZ_FOOD"
check "... naming the current one" err_has "object to the current one ($ID_BIZ_FOOD_2)"
ok "... the current one can" \
	ecert-dispute file -k "$ADMIN_KEY" --by holder --item 住所 \
	--reason '邮编缺失' "$ID_BIZ_FOOD_2"
same "... due 15 working days after Tuesday 1 July" \
	'{"dispute":12,"due":"2025-07-22"}' "$(cat "$OUT")"

ok "list --all: resolved disputes stay" ecert-dispute list --all
same "... open ones first, by due date" "7 8 9 10 3 6 12 11 1 2 4 5" "$(ids)"
same "... with their outcomes" "corrected rejected rejected rejected" \
	"$(json_field status < "$OUT" | tail -n 4 | tr '\n' ' ' | sed 's/ $//')"
ok "the default list has the open ones only" ecert-dispute list
same "... eight" "7 8 9 10 3 6 12 11" "$(ids)"
sqlite3 "$ECERT_DB" "DELETE FROM disputes WHERE id = 2" > /dev/null \
	2> delete.err
check "disputes are never deleted, not even with sqlite3" \
	grep -q "disputes are never deleted" delete.err
same "... dispute 2 is still there" 12 "$(sql "SELECT count(*) FROM disputes")"
ok "ecert dispute runs ecert-dispute" ecert dispute list --issuer "$NRB"
same "... the open one left of the 不动产权证书" 6 "$(ids)"

#
# The holiday calendar (article 17: working days)
#
ok "15 working days from Tuesday 10 February 2026 span the Spring Festival" \
	env ECERT_TODAY=2026-02-10 ecert-dispute file -k "$ADMIN_KEY" \
	--by holder --item 住所 --reason '门牌号有误' "$ID_BIZ_LONGZHONG"
same "... 15-23 February off, Saturdays 14 and 28 February worked: due Monday 9 March" \
	'{"dispute":13,"due":"2026-03-09"}' "$(cat "$OUT")"
same "... stored so" "holder||domicile|open|2026-03-09|" "$(row 13)"
ok "holidays list --year 2026: the State Council's calendar as loaded" \
	ecert-dispute holidays list --year 2026
same "... its Spring Festival" "2026-02-14 workday 春节调休上班
2026-02-15 holiday 春节
2026-02-23 holiday 春节
2026-02-28 workday 春节调休上班" \
	"$(grep -e 2026-02-14 -e 2026-02-15 -e 2026-02-23 -e 2026-02-28 "$OUT")"
same "... each dated line of share/holidays/2026.txt" \
	"$(grep -v '^#' "$ECERT_SHARE/holidays/2026.txt")" "$(cat "$OUT")"
same "the loads were audited, a year each (by ecert-init, then again)" "holidays.load|2025|ok
holidays.load|2026|ok
holidays.load|2025|ok
holidays.load|2026|ok" "$(sql "SELECT action || '|' || object || '|' || outcome
	FROM audit WHERE action = 'holidays.load' ORDER BY seq")"

before=$(store_digest)
must_fail 65 "a deadline in a year the store has no calendar for is not counted" \
	env ECERT_TODAY=2026-12-15 ecert-dispute file -k "$ADMIN_KEY" \
	--by holder --item 住所 --reason 有误 "$ID_BIZ_LONGZHONG"
check "... saying which year and how to load it" err_has "cannot count working days in 2027: the store has no holiday calendar for it (load the State Council's with ecert-dispute holidays load)"
same "... nothing filed" "$before" "$(store_digest)"
same "... the refusal audited" "dispute.file|$ID_BIZ_LONGZHONG|rejected" \
	"$(audit_last)"

# a calendar for 2027, as the platform would write it from the notice
cat > 2027.txt <<'EOF2'
# a test calendar: 元旦 on Friday, the Sunday before worked
2027-01-01 holiday 元旦
2027-01-02	holiday
2026-12-27 workday 元旦调休上班
EOF2
must_fail 77 "only the platform unit loads a calendar" \
	ecert-dispute holidays load -k "$SAMR_KEY" 2027.txt
check "... saying so" err_has "unit $SAMR may not load the calendar: only the platform (admin) unit may"
same "... nothing loaded" "$before" "$(store_digest)"
same "... the refusal audited" "holidays.load|2027.txt|denied" "$(audit_last)"
for bad in '2027-02-30 holiday x|2027.txt:5: date: "2027-02-30" is not a date (YYYY-MM-DD)' \
    '2027-02-01 off|2027.txt:5: kind: "off": holiday or workday' \
    '2027-02-01 workday|2027.txt:5: kind: 2027-02-01 is a weekday, a working day already; a workday line names a Saturday or Sunday worked (调休)' \
    '2027-01-01 holiday 元旦|2027.txt:5: date: 2027-01-01 already given at 2027.txt:2'; do
	cp 2027.txt bad.txt
	printf '%s\n' "${bad%%|*}" >> bad.txt
	must_fail 65 "a calendar line \"${bad%%|*}\" is refused" \
	    ecert-dispute holidays load -k "$ADMIN_KEY" bad.txt
	check "... naming file, line and field" err_has "$(echo "${bad#*|}" |
	    sed 's/2027\.txt/bad.txt/g')"
	same "... nothing loaded" "$before" "$(store_digest)"
done
must_fail 74 "a calendar file that cannot be read" \
	ecert-dispute holidays load -k "$ADMIN_KEY" 2027.txt no-such.txt
same "... nothing loaded, not even the good file" "$before" "$(store_digest)"
must_fail 64 "holidays load without a file" \
	ecert-dispute holidays load -k "$ADMIN_KEY"
ok "the platform loads 2027" \
	ecert-dispute holidays load -k "$ADMIN_KEY" 2027.txt
check "... saying how many years (2026 and 2027)" \
	err_has "the calendar of 2 years loaded"
ok "... the filing now counts" \
	env ECERT_TODAY=2026-12-15 ecert-dispute file -k "$ADMIN_KEY" \
	--by holder --item 住所 --reason 有误 "$ID_BIZ_LONGZHONG"
same "... Sunday 27 December worked, 1 January off: due Tuesday 5 January 2027" \
	'{"dispute":14,"due":"2027-01-05"}' "$(cat "$OUT")"
ok "... and 2026's calendar was replaced by the file's one line for 2026" \
	ecert-dispute holidays list --year 2026
same "... that line" "2026-12-27 workday 元旦调休上班" "$(cat "$OUT")"
ok "reloading the shipped 2026 calendar restores it" ecert-dispute \
	holidays load -k "$ADMIN_KEY" "$ECERT_SHARE/holidays/2026.txt"
same "... the dates of 2026.txt again" \
	"$(grep -v '^#' "$ECERT_SHARE/holidays/2026.txt" | cut -d ' ' -f 1)" \
	"$(ecert-dispute holidays list --year 2026 | cut -d ' ' -f 1)"

ok "the audit chain is intact" ecert-audit verify
