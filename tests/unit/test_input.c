/* test_input.c: lines and identifiers (input.c), CSV records (csv.c) and
 * terminal tables (table.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecert.h"
#include "ecert_priv.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A real-shaped license identifier (GB/T 36904). */
#define ID \
	"1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U"

static FILE *
input(const char *text, size_t n)
{
	FILE *fp = fmemopen((void *)text, n, "r");

	assert_non_null(fp);
	return fp;
}

static void
expect_line(struct ecert_reader *r, const char *want, long lineno)
{
	struct ecert_error e = { 0, "" };
	char *line = NULL;
	size_t len = 0;
	int rc;

	rc = ecert_read_line(r, &line, &len, &e);
	if (rc != 0)
		fail_msg("line %ld: want \"%s\", got status %d: %s", lineno,
		    want, rc, e.msg);
	assert_string_equal(line, want);
	assert_int_equal(len, strlen(want));
	assert_int_equal(r->line, lineno);
}

static void
expect_bad_line(struct ecert_reader *r, const char *why, long lineno)
{
	struct ecert_error e = { 0, "" };
	char *line = NULL;
	size_t len = 0;
	int rc;

	rc = ecert_read_line(r, &line, &len, &e);
	if (rc != ECERT_DATAERR)
		fail_msg("line %ld: want a refusal (%s), got %d", lineno, why,
		    rc);
	assert_int_equal(e.status, ECERT_DATAERR);
	assert_non_null(strstr(e.msg, why));
	assert_int_equal(r->line, lineno);
}

static void
expect_end(struct ecert_reader *r)
{
	struct ecert_error e = { 0, "" };
	char *line = NULL;
	size_t len = 0;

	assert_int_equal(ecert_read_line(r, &line, &len, &e), -1);
}

static void
test_read_lines(void **state)
{
	static const char text[] = "襄阳汉江食品有限公司\r\n" ID "\n\n"
	    "  张汉江\t\r\nlast line, no newline";
	struct ecert_reader r = { 0 };

	(void)state;
	r.fp = input(text, sizeof(text) - 1);
	r.name = "stdin";
	expect_line(&r, "襄阳汉江食品有限公司", 1);
	expect_line(&r, ID, 2);
	expect_line(&r, "", 3);
	expect_line(&r, "  张汉江\t", 4);
	expect_line(&r, "last line, no newline", 5);
	expect_end(&r);
	expect_end(&r);
	assert_int_equal(r.line, 5);
	ecert_reader_free(&r);
	assert_null(r.buf);
	fclose(r.fp);
}

/* Only the CR of a CRLF goes; a CR elsewhere is data. */
static void
test_read_cr(void **state)
{
	static const char text[] = "a\rb\r\r\n\r\n";
	struct ecert_reader r = { 0 };

	(void)state;
	r.fp = input(text, sizeof(text) - 1);
	expect_line(&r, "a\rb\r", 1);
	expect_line(&r, "", 2);
	expect_end(&r);
	ecert_reader_free(&r);
	fclose(r.fp);
}

static void
test_read_nul(void **state)
{
	static const char text[] = "湖北省\0襄阳市\nnext\n";
	struct ecert_reader r = { 0 };

	(void)state;
	r.fp = input(text, sizeof(text) - 1);
	expect_bad_line(&r, "NUL byte", 1);
	expect_line(&r, "next", 2);
	expect_end(&r);
	ecert_reader_free(&r);
	fclose(r.fp);
}

static char *
long_text(size_t linelen, const char *after, size_t *n)
{
	size_t alen = strlen(after);
	char *text = malloc(linelen + 1 + alen);

	assert_non_null(text);
	memset(text, 'x', linelen);
	text[linelen] = '\n';
	memcpy(text + linelen + 1, after, alen);
	*n = linelen + 1 + alen;
	return text;
}

/* A 2 MiB line is skipped whole; the reader goes on at the next line. */
static void
test_read_huge_line(void **state)
{
	struct ecert_reader r = { 0 };
	size_t n;
	char *text = long_text(2U << 20, "after\n", &n);

	(void)state;
	r.fp = input(text, n);
	expect_bad_line(&r, "longer than", 1);
	expect_line(&r, "after", 2);
	expect_end(&r);
	ecert_reader_free(&r);
	fclose(r.fp);
	free(text);
}

/* A too long last line without a newline, then the end. */
static void
test_read_huge_last_line(void **state)
{
	struct ecert_reader r = { 0 };
	size_t n = (3U << 20);
	char *text = malloc(n);

	(void)state;
	assert_non_null(text);
	memset(text, 'y', n);
	r.fp = input(text, n);
	expect_bad_line(&r, "longer than", 1);
	expect_end(&r);
	ecert_reader_free(&r);
	fclose(r.fp);
	free(text);
}

/* The limit is ECERT_MAX_LINE, as the message says: a line of exactly
 * that many bytes passes and one byte more is refused. */
static void
test_read_line_limit(void **state)
{
	struct ecert_reader r = { 0 };
	size_t n;
	char *text = long_text(ECERT_MAX_LINE, "", &n);
	char *line;
	size_t len;
	struct ecert_error e = { 0, "" };

	(void)state;
	r.fp = input(text, n);
	assert_int_equal(ecert_read_line(&r, &line, &len, &e), 0);
	assert_int_equal(len, ECERT_MAX_LINE);
	expect_end(&r);
	ecert_reader_free(&r);
	fclose(r.fp);
	free(text);

	text = long_text(ECERT_MAX_LINE + 1, "after\n", &n);
	r.fp = input(text, n);
	r.line = 0;
	expect_bad_line(&r, "longer than 1048576 bytes", 1);
	expect_line(&r, "after", 2);
	ecert_reader_free(&r);
	fclose(r.fp);
	free(text);
}

static int
id_from(const char *line, char *id, size_t n, struct ecert_error *e)
{
	return ecert_id_from_line(line, strlen(line), id, n, e);
}

static void
test_id_from_line(void **state)
{
	struct ecert_error e = { 0, "" };
	char id[160];

	(void)state;
	assert_int_equal(id_from(ID, id, sizeof(id), &e), 0);
	assert_string_equal(id, ID);
	assert_int_equal(id_from(" \t" ID "\t ", id, sizeof(id), &e), 0);
	assert_string_equal(id, ID);
	assert_int_equal(id_from("{\"holder\":\"襄阳汉江食品有限公司\","
	    "\"id\":\"" ID "\",\"status\":\"valid\"}", id, sizeof(id), &e), 0);
	assert_string_equal(id, ID);
	assert_int_equal(id_from("  {\"id\": \"" ID "\"}  ", id, sizeof(id),
	    &e), 0);
	assert_string_equal(id, ID);
	/* the length given, not the NUL, ends the line */
	assert_int_equal(ecert_id_from_line(ID "garbage", strlen(ID), id,
	    sizeof(id), &e), 0);
	assert_string_equal(id, ID);
}

struct bad_id {
	const char *line;
	const char *why;
};

static const struct bad_id bad_ids[] = {
	{ "{\"holder\":\"襄阳汉江食品有限公司\"}", "field id: required" },
	{ "{\"id\":42}", "field id: required" },
	{ "{\"id\":\"1.2.156.3005.2.x\"}", "not a license identifier" },
	{ "{\"id\":\"" ID "\"", "" },
	{ "{oops}", "" },
	{ "襄阳汉江食品有限公司", "not a license identifier" },
	{ "", "not a license identifier" },
	{ "   ", "not a license identifier" },
	{ ID "X", "not a license identifier" },
	{ ID " " ID, "not a license identifier" },
};

static void
test_id_from_bad_lines(void **state)
{
	struct ecert_error e;
	char id[160];
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < NELEM(bad_ids); i++) {
		memset(&e, 0, sizeof(e));
		rc = id_from(bad_ids[i].line, id, sizeof(id), &e);
		if (rc != ECERT_DATAERR || e.status != ECERT_DATAERR ||
		    strstr(e.msg, bad_ids[i].why) == NULL)
			fail_msg("bad_ids[%zu] \"%s\": want 65 (%s), got %d: %s",
			    i, bad_ids[i].line, bad_ids[i].why, rc, e.msg);
	}
	/* an identifier that does not fit the buffer is refused, not cut */
	memset(&e, 0, sizeof(e));
	assert_int_equal(id_from(ID, id, 20, &e), ECERT_DATAERR);
	assert_int_equal(id_from("{\"id\":\"" ID "\"}", id, 20, &e),
	    ECERT_DATAERR);
}

/* CSV */

static FILE *csv_fp;

static void
csv_open(struct ecert_csv *c, const char *text, size_t n)
{
	memset(c, 0, sizeof(*c));
	c->fp = csv_fp = input(text, n);
	c->next_line = 1;
}

static void
csv_close(struct ecert_csv *c)
{
	ecert_csv_free(c);
	fclose(csv_fp);
}

/* The next record has these fields (NULL-terminated) and starts on line. */
static void
expect_record(struct ecert_csv *c, long line, ...)
{
	struct ecert_error e = { 0, "" };
	va_list ap;
	const char *want;
	size_t i = 0;
	int rc;

	rc = ecert_csv_read(c, &e);
	if (rc != 0)
		fail_msg("record at line %ld: status %d: %s", line, rc, e.msg);
	assert_int_equal(c->line, line);
	va_start(ap, line);
	while ((want = va_arg(ap, const char *)) != NULL) {
		if (ecert_csv_field(c, i) == NULL)
			fail_msg("line %ld: field %zu missing, want \"%s\"",
			    line, i, want);
		assert_string_equal(ecert_csv_field(c, i), want);
		i++;
	}
	va_end(ap);
	assert_int_equal(c->nfields, i);
	assert_null(ecert_csv_field(c, i));
}

static void
expect_bad_record(struct ecert_csv *c, long line, const char *why)
{
	struct ecert_error e = { 0, "" };
	int rc;

	rc = ecert_csv_read(c, &e);
	if (rc != ECERT_DATAERR)
		fail_msg("line %ld: want a refusal (%s), got %d", line, why,
		    rc);
	assert_non_null(strstr(e.msg, why));
	assert_int_equal(c->line, line);
}

static void
expect_csv_end(struct ecert_csv *c)
{
	struct ecert_error e = { 0, "" };

	assert_int_equal(ecert_csv_read(c, &e), -1);
}

static void
test_csv_plain(void **state)
{
	static const char text[] = "holder,holder_id,住所\n"
	    "襄阳汉江食品有限公司,91420600MA49ABCD1A,"
	    "湖北省襄阳市樊城区长虹北路16号\n"
	    ",,\n"
	    "last,no newline";
	struct ecert_csv c;

	(void)state;
	csv_open(&c, text, sizeof(text) - 1);
	expect_record(&c, 1, "holder", "holder_id", "住所", NULL);
	expect_record(&c, 2, "襄阳汉江食品有限公司", "91420600MA49ABCD1A",
	    "湖北省襄阳市樊城区长虹北路16号", NULL);
	expect_record(&c, 3, "", "", "", NULL);
	expect_record(&c, 4, "last", "no newline", NULL);
	expect_csv_end(&c);
	expect_csv_end(&c);
	csv_close(&c);

	csv_open(&c, "", 0);
	expect_csv_end(&c);
	csv_close(&c);
}

static void
test_csv_quoted(void **state)
{
	static const char text[] =
	    "\"襄阳汉江食品有限公司,樊城分公司\",张汉江\n"
	    "\"他说\"\"你好\"\"\",\"\"\"\",\"\"\n"
	    "a\"b,c\n";
	struct ecert_csv c;

	(void)state;
	csv_open(&c, text, sizeof(text) - 1);
	expect_record(&c, 1, "襄阳汉江食品有限公司,樊城分公司", "张汉江",
	    NULL);
	expect_record(&c, 2, "他说\"你好\"", "\"", "", NULL);
	assert_string_equal(c.raw, "\"他说\"\"你好\"\"\",\"\"\"\",\"\"");
	/* a quote inside an unquoted field is data */
	expect_record(&c, 3, "a\"b", "c", NULL);
	expect_csv_end(&c);
	csv_close(&c);
}

/* Record 1 spans lines 1 and 2, so record 2 starts on line 3. */
static void
test_csv_embedded_newline(void **state)
{
	static const char text[] =
	    "\"湖北省襄阳市\n樊城区长虹北路16号\",张汉江\n"
	    "91420600MA49ABCD1A,\"a\n\nb\"\n"
	    "end,1\n";
	struct ecert_csv c;

	(void)state;
	csv_open(&c, text, sizeof(text) - 1);
	expect_record(&c, 1, "湖北省襄阳市\n樊城区长虹北路16号", "张汉江",
	    NULL);
	assert_string_equal(c.raw,
	    "\"湖北省襄阳市\n樊城区长虹北路16号\",张汉江");
	expect_record(&c, 3, "91420600MA49ABCD1A", "a\n\nb", NULL);
	expect_record(&c, 6, "end", "1", NULL);
	expect_csv_end(&c);
	csv_close(&c);
}

static void
test_csv_crlf(void **state)
{
	static const char text[] = "holder,住所\r\n"
	    "\"襄阳汉江食品有限公司\",\"湖北省襄阳市\r\n樊城区\"\r\n"
	    "张汉江,\r\n";
	struct ecert_csv c;

	(void)state;
	csv_open(&c, text, sizeof(text) - 1);
	expect_record(&c, 1, "holder", "住所", NULL);
	expect_record(&c, 2, "襄阳汉江食品有限公司", "湖北省襄阳市\r\n樊城区",
	    NULL);
	expect_record(&c, 4, "张汉江", "", NULL);
	expect_csv_end(&c);
	csv_close(&c);
}

static void
test_csv_unterminated(void **state)
{
	static const char text[] = "ok,1\n\"襄阳汉江食品有限公司,2\nmore,3\n";
	struct ecert_csv c;

	(void)state;
	csv_open(&c, text, sizeof(text) - 1);
	expect_record(&c, 1, "ok", "1", NULL);
	expect_bad_record(&c, 2, "unterminated quoted field");
	expect_csv_end(&c);
	csv_close(&c);
}

static void
test_csv_after_quote(void **state)
{
	static const char text[] = "\"张汉江\"x,1\n"
	    "\"张汉江\" ,2\n"
	    "ok,\"3\"\n";
	struct ecert_csv c;

	(void)state;
	csv_open(&c, text, sizeof(text) - 1);
	expect_bad_record(&c, 1, "text after a closing quote");
	assert_string_equal(c.raw, "\"张汉江\"x,1");
	expect_bad_record(&c, 2, "text after a closing quote");
	expect_record(&c, 3, "ok", "3", NULL);
	expect_csv_end(&c);
	csv_close(&c);
}

/* A record over ECERT_MAX_LINE is refused and skipped to the line end. */
static void
test_csv_huge_record(void **state)
{
	struct ecert_csv c;
	size_t n;
	char *text = long_text(ECERT_MAX_LINE + 100, "next,1\n", &n);

	(void)state;
	csv_open(&c, text, n);
	expect_bad_record(&c, 1, "record longer than");
	expect_record(&c, 2, "next", "1", NULL);
	expect_csv_end(&c);
	csv_close(&c);
	free(text);
}

/* The same limit for CSV: ECERT_MAX_LINE bytes pass, one more does not. */
static void
test_csv_record_limit(void **state)
{
	struct ecert_error e = { 0, "" };
	struct ecert_csv c;
	size_t n;
	char *text = long_text(ECERT_MAX_LINE, "", &n);

	(void)state;
	csv_open(&c, text, n);
	assert_int_equal(ecert_csv_read(&c, &e), 0);
	assert_int_equal(c.nfields, 1);
	assert_int_equal(strlen(ecert_csv_field(&c, 0)), ECERT_MAX_LINE);
	expect_csv_end(&c);
	csv_close(&c);
	free(text);

	text = long_text(ECERT_MAX_LINE + 1, "next,1\n", &n);
	csv_open(&c, text, n);
	expect_bad_record(&c, 1, "record longer than 1048576 bytes");
	expect_record(&c, 2, "next", "1", NULL);
	csv_close(&c);
	free(text);
}

/* Tables */

static char *
print_table(struct ecert_table *t)
{
	char *out = NULL;
	size_t n = 0;
	FILE *fp = open_memstream(&out, &n);

	assert_non_null(fp);
	ecert_table_print(t, fp);
	assert_int_equal(fclose(fp), 0);
	return out;
}

/* A Chinese character takes two columns; the last column is not padded. */
static void
test_table_chinese(void **state)
{
	static const char *head[] = { "名称", "状态", "法定代表人" };
	static const char *row1[] = { "襄阳汉江食品有限公司", "有效", "张汉江" };
	static const char *row2[] = { "abc", "注销", NULL };
	static const char *row3[] = { "x\ty", "停用", "Zhang\n汉江" };
	struct ecert_table *t;
	char *out;

	(void)state;
	t = ecert_table_new(3, head);
	ecert_table_add(t, row1);
	ecert_table_add(t, row2);
	ecert_table_add(t, row3);
	out = print_table(t);
	assert_string_equal(out,
	    "名称                  状态  法定代表人\n"
	    "襄阳汉江食品有限公司  有效  张汉江\n"
	    "abc                   注销  \n"
	    "x y                   停用  Zhang 汉江\n");
	free(out);
	ecert_table_free(t);

	t = ecert_table_new(2, NULL);
	out = print_table(t);
	assert_string_equal(out, "");
	free(out);
	ecert_table_free(t);
	ecert_table_free(NULL);
}

/* Tables grow past their first allocation. */
static void
test_table_many_rows(void **state)
{
	static const char *head[] = { "编号", "持证主体" };
	const char *cells[2];
	char num[16], *out, *p;
	struct ecert_table *t;
	int i, lines = 0;

	(void)state;
	t = ecert_table_new(2, head);
	for (i = 0; i < 100; i++) {
		snprintf(num, sizeof(num), "%d", i);
		cells[0] = num;
		cells[1] = "襄阳汉江食品有限公司";
		ecert_table_add(t, cells);
	}
	out = print_table(t);
	for (p = out; (p = strchr(p, '\n')) != NULL; p++)
		lines++;
	assert_int_equal(lines, 101);
	assert_non_null(strstr(out, "99    襄阳汉江食品有限公司\n"));
	p = "编号  持证主体\n0     襄阳汉江食品有限公司\n1     ";
	assert_int_equal(strncmp(out, p, strlen(p)), 0);
	free(out);
	ecert_table_free(t);
}

static void
test_status_label(void **state)
{
	(void)state;
	assert_string_equal(ecert_status_label("valid"), "有效");
	assert_string_equal(ecert_status_label("suspended"), "停用");
	assert_string_equal(ecert_status_label("revoked"), "注销");
	assert_string_equal(ecert_status_label("expired"), "失效");
	assert_string_equal(ecert_status_label("not-found"), "not-found");
	assert_int_equal(ecert_want_table(1, 1), 0);
	assert_int_equal(ecert_want_table(0, 1), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_lines),
		cmocka_unit_test(test_read_cr),
		cmocka_unit_test(test_read_nul),
		cmocka_unit_test(test_read_huge_line),
		cmocka_unit_test(test_read_huge_last_line),
		cmocka_unit_test(test_read_line_limit),
		cmocka_unit_test(test_id_from_line),
		cmocka_unit_test(test_id_from_bad_lines),
		cmocka_unit_test(test_csv_plain),
		cmocka_unit_test(test_csv_quoted),
		cmocka_unit_test(test_csv_embedded_newline),
		cmocka_unit_test(test_csv_crlf),
		cmocka_unit_test(test_csv_unterminated),
		cmocka_unit_test(test_csv_after_quote),
		cmocka_unit_test(test_csv_huge_record),
		cmocka_unit_test(test_csv_record_limit),
		cmocka_unit_test(test_table_chinese),
		cmocka_unit_test(test_table_many_rows),
		cmocka_unit_test(test_status_label),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
