#!/bin/sh
# Tables (--table) and ecert-show --text line up Chinese text by display
# width, whatever the locale (the tests run under LC_ALL=C): a Chinese
# character or fullwidth form takes two columns, the invisible characters
# pasted text carries (zero-width space, a spreadsheet's byte order mark)
# none, emoji two.  The widths here are Perl's, from its own Unicode
# tables (East_Asian_Width W and F two columns, marks and format
# characters none).
. "$(dirname "$0")/lib.sh"

plan 13

setup_store
ZWSP=$(printf '\342\200\213')	# U+200B, from a web page
BOM=$(printf '\357\273\277')	# U+FEFF, a spreadsheet's first cell
ok "a license for a holder whose name carries a zero-width space" \
	issue_biz "$SAMR_KEY" "$USCC_FOOD" "襄阳${ZWSP}汉江食品有限公司"
ID_ZWSP=$(issued_id)
ok "... one whose name starts with a byte order mark" \
	issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" "${BOM}襄阳隆中餐饮管理有限公司"
ok "... one with an emoji (two columns)" \
	issue_biz "$SAMR_KEY" "$USCC_GULONG" "古隆中🈶文化旅游有限公司"
ok "... one in Chinese and ASCII, fullwidth parentheses" \
	issue_biz "$SAMR_KEY" "$USCC_FANCHENG" "Fancheng（樊城）鹿门副食 Shop"

# colstart WORD PATTERN < table: the display column where WORD starts in
# the header, then where PATTERN first matches in each row; one number a
# line.
cat > colstart.pl <<'PEOF'
use strict;
my ($word, $pat) = @ARGV;
sub width {
	my $n = 0;
	for my $c (split //, shift) {
		next if $c =~ /[\p{Mn}\p{Me}\p{Cf}]/;
		$n += $c =~ /[\p{East_Asian_Width=Wide}\p{East_Asian_Width=Fullwidth}]/ ? 2 : 1;
	}
	return $n;
}
my $header = <STDIN>;
print index($header, $word), "\n";
while (<STDIN>) {
	print(/^(.*?)$pat/ ? width($1) : -1, "\n");
}
PEOF
colstart() {
	perl -CSA colstart.pl "$@" < "$OUT" | sort -u | wc -l | tr -d ' '
}

ok "ecert-query --table" ecert-query --table
same "... the header and four licenses" 5 "$(wc -l < "$OUT" | tr -d ' ')"
same "... the ISSUED column starts at one display column on every line" 1 \
	"$(colstart ISSUED '2025-06-30')"
same "... and so does STATUS, after the empty UNTIL" 1 \
	"$(colstart STATUS '有效$')"
check "... the zero-width space and the byte order mark kept in the cells" \
	sh -c "grep -q '襄阳${ZWSP}汉江' '$OUT' && grep -q '${BOM}襄阳隆中' '$OUT'"

ok "ecert-show --text" ecert-show --text "$ID_ZWSP"
# the labels are Chinese, the values mixed: every value starts two
# columns after the widest label, 统一社会信用代码 (16 columns)
cat > valuestart.pl <<'PEOF'
use strict;
sub width {
	my $n = 0;
	for my $c (split //, shift) {
		next if $c =~ /[\p{Mn}\p{Me}\p{Cf}]/;
		$n += $c =~ /[\p{East_Asian_Width=Wide}\p{East_Asian_Width=Fullwidth}]/ ? 2 : 1;
	}
	return $n;
}
while (<STDIN>) {
	print(/^(\S+ +)\S/ ? width($1) : -1, "\n");
}
PEOF
same "... every value starts at display column 18" 18 \
	"$(perl -CS valuestart.pl < "$OUT" | sort -u | tr '\n' ' ' | sed 's/ $//')"
check "... the holder's name with its zero-width space" \
	grep -q "^名称  *襄阳${ZWSP}汉江食品有限公司\$" "$OUT"
same "... sixteen lines" 16 "$(wc -l < "$OUT" | tr -d ' ')"
