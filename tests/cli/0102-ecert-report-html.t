#!/bin/sh
# ecert-report --html: the printable report, rendered by a real browser
# (headless Debian chromium, nothing fetched), is a page with its charts,
# not a blank one.  Skipped only when chromium is not installed (`make
# deps` installs it).
. "$(dirname "$0")/lib.sh"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "1..0 # SKIP chromium is not installed (make deps)"
	exit 0
fi
plan 12

PNG="python3 $DATA/report/png-variety.py"

# shot HTML PNG: a 1200x1600 screenshot of a local page
shot() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$(mktemp -d "$SCRATCH/chromium.XXXXXX")" \
	    --screenshot="$2" --window-size=1200,1600 "file://$1"
}

ECERT_NOW=2025-06-30T09:00:00Z
export ECERT_NOW
setup_store
# late licenses of the 市场监督管理局 and a pending draft
issue_biz "$SAMR_KEY" "$USCC_FOOD" 襄阳汉江食品有限公司 \
	-f issue_date=2025-06-01 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_LONGZHONG" 襄阳隆中餐饮管理有限公司 \
	-f issue_date=2025-06-02 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_FANCHENG" 襄阳市樊城区鹿门副食商店 \
	-f issue_date=2025-06-03 > /dev/null &&
issue_biz "$SAMR_KEY" "$USCC_GULONG" 襄阳古隆中文化旅游有限公司 --draft \
	> /dev/null || bail "cannot issue"

ok "the report as HTML" ecert-report -k "$ADMIN_KEY" --to "$(date -u +%F)" \
	--html "$SCRATCH/report.html"
ok "headless chromium renders it" shot "$SCRATCH/report.html" report.png
check "... to a PNG" test -s report.png
$PNG report.png b03a2e 2471a3 > report.txt 2> png.err ||
	echo "# png-variety: $(cat png.err)"
read -r width height colours ink red blue < report.txt
same "... 1200 by 1600" "1200 1600" "${width:-} ${height:-}"
check "... not blank: more than 100 colours (text, bars, tables): ${colours:-none}" \
	test "${colours:-0}" -gt 100
check "... ink on 3% to 60% of the page: ${ink:-none} per mille" \
	test "${ink:-0}" -gt 30 -a "${ink:-0}" -lt 600
check "... the bars of (一) and (二) in their red: ${red:-none} pixels" \
	test "${red:-0}" -gt 5000
check "... and the pending draft's blue bar, beyond the legends' squares: ${blue:-none} pixels" \
	test "${blue:-0}" -gt 1500

# the checker itself tells a blank page from a page
printf '<!DOCTYPE html><html><body></body></html>\n' > blank.html
ok "a blank page, rendered the same way" shot "$SCRATCH/blank.html" blank.png
$PNG blank.png b03a2e > blank.txt 2> png.err ||
	echo "# png-variety: $(cat png.err)"
read -r width height colours ink red < blank.txt
same "... one colour, no ink, no red" "1 0 0" \
	"${colours:-} ${ink:-} ${red:-}"

# nothing fetched: the page has no address to fetch from
ok "the report page names no resource to fetch" sh -c \
	'! grep -i -q -e "src=" -e "href=" -e "url(" -e "<script" "$1"' sh \
	"$SCRATCH/report.html"
check "... and carries its charts inline" grep -q '^<svg ' "$SCRATCH/report.html"
