/*
 * codes.c: check characters of the unified social credit code (GB 32100),
 * the citizen ID number (GB 11643) and the license identifier (GB/T 36904,
 * ISO/IEC 7064 MOD 37,36); calendar dates; UTF-8.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ecert_priv.h"

#define USCC_CHARSET "0123456789ABCDEFGHJKLMNPQRTUWXY"
#define ID_ROOT "1.2.156.3005.2."

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_upper_alnum(int c)
{
	return is_digit(c) || (c >= 'A' && c <= 'Z');
}

/* Digits 0-9, at most n of them; -1 if any is not a digit. */
static int
digits(const char *s, int n)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static void
put_digits(char *out, int v, int n)
{
	while (n-- > 0) {
		out[n] = '0' + v % 10;
		v /= 10;
	}
}

int
ecert_uscc_check(const char *first17)
{
	const char *p;
	int i, w = 1, sum = 0;

	if (first17 == NULL)
		return 0;
	for (i = 0; i < 17; i++) {
		if (first17[i] == '\0' ||
		    (p = strchr(USCC_CHARSET, first17[i])) == NULL)
			return 0;
		sum += (int)(p - USCC_CHARSET) * w;
		w = w * 3 % 31;
	}
	return USCC_CHARSET[(31 - sum % 31) % 31];
}

int
ecert_uscc_valid(const char *code)
{
	int c;

	if (code == NULL || strlen(code) != 18)
		return 0;
	c = ecert_uscc_check(code);
	return c != 0 && c == code[17];
}

static int
is_uscc_char(int c)
{
	return c != '\0' && strchr(USCC_CHARSET, c) != NULL;
}

/*
 * What both 18-character codes share: the length, the first 17 each
 * allowed by ok (else why_char, with its place), the 18th the check
 * character check makes of them.  NULL when they hold.
 */
static const char *
why_18(const char *code, int (*ok)(int), const char *why_char,
    int (*check)(const char *), char *buf, size_t n)
{
	size_t i, len = code ? strlen(code) : 0;
	int c;

	if (len != 18) {
		ecert_whyf(buf, n, "18 characters expected, %zu given", len);
		return buf;
	}
	for (i = 0; i < 17; i++)
		if (!ok((unsigned char)code[i])) {
			ecert_whyf(buf, n, why_char, i + 1);
			return buf;
		}
	c = check(code);
	if (c == code[17])
		return NULL;
	ecert_whyf(buf, n, "check character (the 18th) is '%c', but the first "
	    "17 give '%c'", code[17], c);
	return buf;
}

/*
 * Why code is not a valid unified social credit code, in words that name
 * the check character expected: a typing slip is then found at once.
 * The code itself is not repeated (it may be an ID number typed in the
 * wrong place, and refusals are audited).  NULL when it is valid.
 */
const char *
ecert_uscc_why(const char *code, char *buf, size_t n)
{
	/* xgettext:c-format */
	return why_18(code, is_uscc_char, N_("character %zu is not one of "
	    "0-9 and A-Z without I, O, S, V, Z"), ecert_uscc_check, buf, n);
}

int
ecert_citizen_id_check(const char *first17)
{
	int i, w = 1, sum = 0;

	if (first17 == NULL)
		return 0;
	/* Weights 2^(18-i) mod 11, so run from the last digit with w = 2. */
	for (i = 0; i < 17; i++)
		if (!is_digit((unsigned char)first17[i]))
			return 0;
	for (i = 16; i >= 0; i--) {
		w = w * 2 % 11;
		sum += (first17[i] - '0') * w;
	}
	return "10X98765432"[sum % 11];
}

int
ecert_citizen_id_valid(const char *id)
{
	char birth[11], today[11];

	if (id == NULL || strlen(id) != 18)
		return 0;
	if (ecert_citizen_id_check(id) != id[17])
		return 0;
	memcpy(birth, id + 6, 4);
	birth[4] = '-';
	memcpy(birth + 5, id + 10, 2);
	birth[7] = '-';
	memcpy(birth + 8, id + 12, 2);
	birth[10] = '\0';
	if (!ecert_date_valid(birth))
		return 0;
	ecert_today(today);
	/* Same fixed format, so the strings compare as the dates do. */
	return strcmp(birth, "1900-01-01") >= 0 && strcmp(birth, today) <= 0;
}

static int
leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
month_days(int y, int m)
{
	static const int days[12] = {
		31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31
	};

	return m == 2 && leap(y) ? 29 : days[m - 1];
}

int
ecert_date_parse(const char *s, int *y, int *m, int *d)
{
	int yy, mm, dd;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	yy = digits(s, 4);
	mm = digits(s + 5, 2);
	dd = digits(s + 8, 2);
	if (yy < 1000 || mm < 1 || mm > 12 || dd < 1 ||
	    dd > month_days(yy, mm))
		return 0;
	if (y)
		*y = yy;
	if (m)
		*m = mm;
	if (d)
		*d = dd;
	return 1;
}

int
ecert_date_valid(const char *s)
{
	return ecert_date_parse(s, NULL, NULL, NULL);
}

/*
 * days_from_civil and civil_from_days after Howard Hinnant's
 * "chrono-Compatible Low-Level Date Algorithms": no time zone, no mktime.
 * Note that -1 is also 1969-12-31; callers pass dates they have parsed.
 */
long
ecert_date_days(const char *s)
{
	int y, m, d;
	long era, yoe, doy, doe;

	if (!ecert_date_parse(s, &y, &m, &d))
		return -1;
	if (m <= 2)
		y--;
	era = y / 400;		/* y >= 999, never negative */
	yoe = y - era * 400;
	doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Writes "" for days outside 1000-01-01 .. 9999-12-31. */
void
ecert_date_from_days(long days, char out[11])
{
	long z, era, doe, yoe, y, doy, mp, d, m;

	out[0] = '\0';
	if (days < -354285 || days > 2932896)
		return;
	z = days + 719468;
	era = z / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	if (m <= 2)
		y++;
	put_digits(out, (int)y, 4);
	out[4] = '-';
	put_digits(out + 5, (int)m, 2);
	out[7] = '-';
	put_digits(out + 8, (int)d, 2);
	out[10] = '\0';
}

static void
format_date(const struct tm *tm, char out[11])
{
	put_digits(out, tm->tm_year + 1900, 4);
	out[4] = '-';
	put_digits(out + 5, tm->tm_mon + 1, 2);
	out[7] = '-';
	put_digits(out + 8, tm->tm_mday, 2);
	out[10] = '\0';
}

void
ecert_today(char out[11])
{
	const char *env = getenv("ECERT_TODAY");
	struct tm tm;
	time_t now;

	if (env != NULL && ecert_date_valid(env)) {
		memcpy(out, env, 11);
		return;
	}
	now = time(NULL);
	if (localtime_r(&now, &tm) == NULL) {
		memcpy(out, "1970-01-01", 11);
		return;
	}
	format_date(&tm, out);
}

static int
now_iso_valid(const char *s)
{
	char date[11];

	if (strlen(s) != 20 || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[19] != 'Z')
		return 0;
	memcpy(date, s, 10);
	date[10] = '\0';
	return ecert_date_valid(date) &&
	    digits(s + 11, 2) >= 0 && digits(s + 11, 2) <= 23 &&
	    digits(s + 14, 2) >= 0 && digits(s + 14, 2) <= 59 &&
	    digits(s + 17, 2) >= 0 && digits(s + 17, 2) <= 59;
}

void
ecert_now_iso(char out[21])
{
	const char *env = getenv("ECERT_NOW");

	if (env != NULL && now_iso_valid(env)) {
		memcpy(out, env, 21);
		return;
	}
	ecert_clock_iso(out);
}

/* The machine's clock, whatever $ECERT_NOW says: the audit log keeps the
 * real time of every entry, so moving "now" for a test or a back-dated
 * check cannot move the record of when it was done. */
double
ecert_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
ecert_clock_iso(char out[21])
{
	struct tm tm;
	time_t now;

	now = time(NULL);
	if (gmtime_r(&now, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	format_date(&tm, out);
	out[10] = 'T';
	put_digits(out + 11, tm.tm_hour, 2);
	out[13] = ':';
	put_digits(out + 14, tm.tm_min, 2);
	out[16] = ':';
	put_digits(out + 17, tm.tm_sec, 2);
	out[19] = 'Z';
	out[20] = '\0';
}

/* ISO/IEC 7064 MOD 37,36, the hybrid system: M = 36, M + 1 = 37. */
int
ecert_mod3736_check(const char *s)
{
	int p = 36, t, v;

	if (s == NULL || *s == '\0')
		return 0;
	for (; *s != '\0'; s++) {
		if (is_digit((unsigned char)*s))
			v = *s - '0';
		else if (*s >= 'A' && *s <= 'Z')
			v = *s - 'A' + 10;
		else
			return 0;
		t = (p + v) % 36;
		if (t == 0)
			t = 36;
		p = 2 * t % 37;
	}
	v = (37 - p) % 36;
	return v < 10 ? '0' + v : 'A' + v - 10;
}

int
ecert_type_code_valid(const char *code)
{
	char uscc[19];

	if (code == NULL || strlen(code) != 21 || digits(code + 18, 3) < 0)
		return 0;
	memcpy(uscc, code, 18);
	uscc[18] = '\0';
	return ecert_uscc_valid(uscc);
}

int
ecert_serial_valid(const char *serial)
{
	size_t i, n;

	if (serial == NULL)
		return 0;
	n = strlen(serial);
	if (n < 7 || n > 32)
		return 0;
	for (i = 0; i < n; i++)
		if (!is_upper_alnum((unsigned char)serial[i]))
			return 0;
	return 1;
}

/* The check character over the four parts, or 0 if a part is invalid. */
static int
identifier_check(const char *type_code, const char *issuer,
    const char *serial, const char *version)
{
	char body[21 + 18 + 32 + 3 + 1];
	int v;

	if (!ecert_type_code_valid(type_code) || !ecert_uscc_valid(issuer) ||
	    !ecert_serial_valid(serial) || strlen(version) != 3)
		return 0;
	v = digits(version, 3);
	if (v < 1)
		return 0;
	snprintf(body, sizeof(body), "%s%s%s%s", type_code, issuer, serial,
	    version);
	return ecert_mod3736_check(body);
}

int
ecert_identifier_make(char *out, size_t n, const char *type_code,
    const char *issuer, const char *serial, int version)
{
	char ver[4];
	int check, len;

	if (out == NULL || type_code == NULL || issuer == NULL ||
	    serial == NULL || version < 1 || version > 999)
		return -1;
	put_digits(ver, version, 3);
	ver[3] = '\0';
	if ((check = identifier_check(type_code, issuer, serial, ver)) == 0)
		return -1;
	len = snprintf(out, n, ID_ROOT "%s.%s.%s.%s.%c", type_code, issuer,
	    serial, ver, check);
	if (len < 0 || (size_t)len >= n) {
		if (n > 0)
			out[0] = '\0';
		return -1;
	}
	return 0;
}

int
ecert_identifier_valid(const char *id)
{
	char buf[128], *part[5], *p;
	size_t rootlen = strlen(ID_ROOT);
	int i;

	if (id == NULL || strncmp(id, ID_ROOT, rootlen) != 0 ||
	    strlen(id + rootlen) >= sizeof(buf))
		return 0;
	strcpy(buf, id + rootlen);
	p = buf;
	for (i = 0; i < 5; i++) {
		part[i] = p;
		p = strchr(p, '.');
		if (i < 4) {
			if (p == NULL)
				return 0;
			*p++ = '\0';
		} else if (p != NULL)
			return 0;
	}
	if (strlen(part[4]) != 1)
		return 0;
	return identifier_check(part[0], part[1], part[2], part[3]) ==
	    part[4][0];
}

/* The same for a citizen ID number (GB 11643). */
const char *
ecert_citizen_id_why(const char *id, char *buf, size_t n)
{
	/* xgettext:c-format */
	if (why_18(id, is_digit, N_("character %zu is not a digit"),
	    ecert_citizen_id_check, buf, n) != NULL)
		return buf;
	if (ecert_citizen_id_valid(id))
		return NULL;
	ecert_whyf(buf, n, "characters 7-14 are not a birth date between "
	    "1900-01-01 and today");
	return buf;
}

/* The same for a license identifier (GB/T 36904). */
const char *
ecert_identifier_why(const char *id, char *buf, size_t n)
{
	char body[128], *part[5], *p;
	int i, c = 0;

	if (ecert_identifier_valid(id))
		return NULL;
	if (id == NULL || strncmp(id, ID_ROOT, strlen(ID_ROOT)) != 0) {
		snprintf(buf, n, "does not start with " ID_ROOT);
		return buf;
	}
	snprintf(body, sizeof(body), "%s", id + strlen(ID_ROOT));
	for (i = 0, p = body; i < 5 && p != NULL; i++) {
		part[i] = p;
		if ((p = strchr(p, '.')) != NULL)
			*p++ = '\0';
	}
	if (i == 5 && p == NULL && strlen(part[4]) == 1)
		c = identifier_check(part[0], part[1], part[2], part[3]);
	if (c != 0)
		ecert_whyf(buf, n, "check character (the last) is '%c', but the "
		    "rest gives '%c'", part[4][0], c);
	else
		ecert_whyf(buf, n, "not type.issuer.serial.version.check, each "
		    "part well formed");
	return buf;
}

/*
 * Decodes one strict UTF-8 sequence from s[0..n); the code point goes to
 * *cp.  Returns its length, or 0 if the bytes there are not valid UTF-8
 * (overlong, a surrogate, beyond U+10FFFF, cut short).
 */
size_t
ecert_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	size_t len, i;
	uint32_t c;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
ecert_utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t len;
	uint32_t c;

	if (s == NULL)
		return n == 0;
	while (n > 0) {
		/* ASCII but NUL: the common case */
		if (u[0] - 1U < 0x7fU) {
			u++;
			n--;
			continue;
		}
		if ((len = ecert_utf8_decode(u, n, &c)) == 0 || c == 0)
			return 0;
		u += len;
		n -= len;
	}
	return 1;
}

size_t
ecert_utf8_chars(const char *s)
{
	size_t count = 0;

	if (s == NULL)
		return 0;
	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			count++;
	return count;
}
