#!/bin/sh
# What an offline verifier loads: a trust list with many duplicate keys
# is refused at once (it took quadratic time: 3.2 MB, 34 s); a missing
# --anchor file is 74 and a garbage one 65, not "not signed by the
# anchor"; a JSON Lines trust file with a line that is no key is refused
# without a leak (run under LeakSanitizer by `make check`).
. "$(dirname "$0")/lib.sh"
plan 22

setup_store
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 > /dev/null &&
ecert-unit export --trust -k "$ADMIN_KEY" > trust.json &&
ecert-unit export > trust.jsonl &&
ecert-export -k "$ADMIN_KEY" --status -o status.json &&
ecert-show -k "$ADMIN_KEY" --token "$ID_BIZ_FOOD" > token.txt ||
	bail "cannot make the lists and the token"

# 14000 copies of the platform's key: about 4 MB
perl -MJSON::PP -e 'my $j = JSON::PP->new->canonical;
	local $/; my $t = $j->decode(<STDIN>);
	$t->{keys} = [ ($t->{keys}[0]) x 14000 ];
	print $j->encode($t), "\n"' < trust.json > dup.json
check "a trust list of 14000 duplicate keys, over 3.2 MB" \
	test "$(wc -c < dup.json)" -gt 3200000
must_fail 65 "... is refused as bad input (65), within 10 s" \
	timeout 10 ecert-verify --offline --trust dup.json --status status.json token.txt
check "... naming the duplicate" err_has "trust dup.json: key 2: $(perl -MJSON::PP -e '
	local $/; print JSON::PP->new->decode(<STDIN>)->{keys}[0]{key_id}' < trust.json) listed twice"
check "... and answering nothing" test ! -s "$OUT"
head -n 1 trust.jsonl > dup.jsonl
head -n 1 trust.jsonl >> dup.jsonl
must_fail 65 "a JSON Lines trust file with a key twice: 65" \
	ecert-verify --trust dup.jsonl token.txt
check "... listed twice" err_has "listed twice"

# --anchor: the platform's public key file
ok "the right anchor" ecert-verify --offline --trust trust.json \
	--status status.json --anchor "$ADMIN_KEY.pub" token.txt
must_fail 74 "a missing anchor file: 74" ecert-verify --offline \
	--trust trust.json --status status.json --anchor nowhere.pub token.txt
check "... naming it" err_has "anchor nowhere.pub: No such file or directory"
check "... answering nothing" test ! -s "$OUT"
echo 'not a key at all' > garbage.pub
must_fail 65 "a garbage anchor file: 65" ecert-verify --offline \
	--trust trust.json --status status.json --anchor garbage.pub token.txt
check "... naming it" err_has "anchor garbage.pub:1: not a public key file"
echo '{"public_key":"AAAA"}' > short.pub
must_fail 65 "an anchor whose key is not a key: 65" ecert-verify --offline \
	--trust trust.json --status status.json --anchor short.pub token.txt
check "... said so" err_has "anchor short.pub: not a public key file"
chmod 000 garbage.pub
if [ "$(id -u)" -ne 0 ]; then
	must_fail 74 "an unreadable anchor file: 74" ecert-verify --offline \
		--trust trust.json --status status.json --anchor garbage.pub token.txt
else
	echo "ok $((_tap_n + 1)) # skip root reads any file"; _tap_n=$((_tap_n + 1))
fi
chmod 600 garbage.pub
must_fail 1 "another unit's key as the anchor: a definite no (1)" \
	ecert-verify --offline --trust trust.json --status status.json \
	--anchor "$SAMR_KEY.pub" token.txt
check "... not signed by the anchor" err_has "not signed by the anchor $SAMR_KEY.pub"

# a JSON Lines trust file with a line that is no key: refused, no leak
printf '%s\n' '{}' > nokey.jsonl
must_fail 65 "a trust line without key_id: 65" ecert-verify --trust nokey.jsonl token.txt
check "... naming the line" err_has "trust nokey.jsonl:1: not a public key"
printf '%s\n' '{"key_id":"x"' > broken.jsonl
must_fail 65 "a trust line that is not JSON: 65" ecert-verify --trust broken.jsonl token.txt
must_fail 65 "a key with an unreadable not_after in JSON Lines: 65" sh -c '
	sed "s/\"not_after\":null/\"not_after\":\"never\"/" trust.jsonl > never.jsonl &&
	ecert-verify --trust never.jsonl token.txt'
check "... said so" err_has "not_after is not a time"
