#!/bin/sh
# dispute-notify.sh: the message for each answer to an objection (异议核查,
# article 17: 处理结果应当及时告知异议申请人), for a mailer or an SMS gateway.
#
# usage: ecert-dispute resolve ... | dispute-notify.sh
#
# Reads the notices that `ecert-dispute resolve` writes, one JSON object a
# line, and writes one line for each: whom to tell, a tab, and the text:
#
#   持证主体 襄阳汉江食品有限公司<TAB>襄阳汉江食品有限公司：您于2025-06-27对电子证照…
#   用证单位 襄阳市人力资源和社会保障局（11420600MB4567890G）<TAB>…
#
# so that a gateway can read them with `while IFS=<TAB> read -r to text`.
# The notices carry no ID numbers of holders, nor does the text.  A line that
# is not a notice is reported on standard error with its line number and
# skipped; the others are still written.
#
# Exit status: 0 when every line was a notice; 65 when a line was not;
# 64 for a usage error.
set -u

prog=${0##*/}
if [ $# -ne 0 ]; then
	echo "usage: $prog < notices.jsonl" >&2
	exit 64
fi

exec perl -MJSON::PP -e '
use strict;
use utf8;
use warnings;
binmode STDOUT, ":encoding(UTF-8)";
binmode STDERR, ":encoding(UTF-8)";
my $prog = shift;
my $json = JSON::PP->new->utf8;
my $bad = 0;

sub field {
	my ($n, $k) = @_;
	my $v = $n->{$k};
	$v = "" unless defined $v && !ref $v;
	$v =~ s/[\t\r\n]+/ /g;
	return $v;
}

# a sentence ends once, whatever the clerk typed
sub sentence {
	my $s = shift;
	return $s =~ /[。！？.!?]$/ ? $s : "$s。";
}

while (my $line = <STDIN>) {
	chomp $line;
	next if $line =~ /^\s*$/;
	my $n = eval { $json->decode($line) };
	if (!defined $n || ref $n ne "HASH" ||
	    ($n->{notice} // "") ne "dispute-resolved" ||
	    ($n->{outcome} // "") !~ /^(corrected|rejected)$/) {
		print STDERR "$prog: <stdin>:$.: not a dispute notice\n";
		$bad = 1;
		next;
	}
	my %f = map { $_ => field($n, $_) } qw(dispute filer filer_unit
	    filed_by filed_at type_name number item_label issuer_name
	    outcome reason amended resolved_at);
	my $to = $f{filed_by} eq "unit" ?
	    "用证单位 $f{filer}（$f{filer_unit}）" : "持证主体 $f{filer}";
	my $text = "$f{filer}：您于" . substr($f{filed_at}, 0, 10) .
	    "对电子证照《$f{type_name}》（证照编号：$f{number}）中" .
	    "“$f{item_label}”一项提出的异议（第$f{dispute}号）已处理：";
	if ($f{outcome} eq "corrected") {
		$text .= "经核查，$f{issuer_name}已更正该证照，更正后的" .
		    "电子证照标识为$f{amended}，原版本已停止使用。";
		$text .= "说明：" . sentence($f{reason}) if $f{reason} ne "";
	} else {
		$text .= "经核查，$f{issuer_name}维持原证照信息，不予更正。" .
		    "理由：" . sentence($f{reason});
	}
	$text .= "处理时间：" . substr($f{resolved_at}, 0, 10) .
	    "。如有疑问，请联系$f{issuer_name}。";
	print "$to\t$text\n";
	STDOUT->flush;
}
exit($bad ? 65 : 0);
' "$prog"
