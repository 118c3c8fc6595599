/* test_table.c: display widths in any locale, and tables lined up by them. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "ecert.h"
#include "ecert_priv.h"

static void
test_width(void **state)
{
	(void)state;
	/* the same in the C locale as in a UTF-8 one */
	setlocale(LC_ALL, "C");
	assert_int_equal(ecert_utf8_width("襄阳 ecert"), 10);
	assert_int_equal(ecert_utf8_width("（樊城）"), 8);	/* fullwidth */
	assert_int_equal(ecert_utf8_width("\xe3\x80\x80"), 2);	/* U+3000 */
	assert_int_equal(ecert_utf8_width("\xe3\x80\xbf"), 1);	/* U+303F */
	assert_int_equal(ecert_utf8_width("\xe3\x8e\xa1"), 2);	/* ㎡ */
	assert_int_equal(ecert_utf8_width("\xf0\x9f\x88\xb6"), 2);	/* 🈶 */
	assert_int_equal(ecert_utf8_width("\xf0\x9f\x98\x80"), 2);	/* 😀 */
	assert_int_equal(ecert_utf8_width("\xf0\xaa\x9a\xa5"), 2);	/* 𪚥 */
	assert_int_equal(ecert_utf8_width("\xf0\xb0\x80\x80"), 2);	/* plane 3 */
	assert_int_equal(ecert_utf8_width("\xef\xbd\xb1"), 1);	/* halfwidth ｱ */
	/* invisible: zero-width space, joiner, byte order mark, variation
	 * selector, ideographic tone mark */
	assert_int_equal(ecert_utf8_width("襄\xe2\x80\x8b阳"), 4);
	assert_int_equal(ecert_utf8_width("\xe2\x80\x8d"), 0);
	assert_int_equal(ecert_utf8_width("\xef\xbb\xbf" "ab"), 2);
	assert_int_equal(ecert_utf8_width("a\xef\xb8\x8f"), 1);
	assert_int_equal(ecert_utf8_width("\xe3\x80\xaa"), 0);
	/* ambiguous ones narrow, as wcwidth(3) has them */
	assert_int_equal(ecert_utf8_width("买买提\xc2\xb7艾力"), 11);
	assert_int_equal(ecert_utf8_width("\xe2\x80\x9c\xe2\x80\x9d"), 2);
	/* not UTF-8: a column a byte */
	assert_int_equal(ecert_utf8_width("\xe0\x80\x80"), 3);	/* overlong */
	assert_int_equal(ecert_utf8_width("\xed\xa0\x80"), 3);	/* surrogate */
	assert_int_equal(ecert_utf8_width("\xe8\x90"), 2);	/* truncated */
	assert_int_equal(ecert_utf8_width(NULL), 0);
}

static char *
printed(struct ecert_table *t)
{
	FILE *fp = tmpfile();
	char *buf;
	long n;

	assert_non_null(fp);
	ecert_table_print(t, fp);
	n = ftell(fp);
	rewind(fp);
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, fp), (size_t)n);
	fclose(fp);
	return buf;
}

static void
test_table_aligned(void **state)
{
	static const char *headers[] = { "NAME", "CODE", "STATUS" };
	const char *row1[] = { "襄阳\xe2\x80\x8b汉江食品有限公司",
	    "91420600MA49ABCD1A", "有效" };
	const char *row2[] = { "Fancheng（樊城）Shop", "", "已注销" };
	const char *row3[] = { "a\rb\x1b[31mc\td\ne", "x", "y" };
	struct ecert_table *t = ecert_table_new(3, headers);
	char *out;

	(void)state;
	ecert_table_add(t, row1);
	ecert_table_add(t, row2);
	ecert_table_add(t, row3);
	out = printed(t);
	/* the names 20 columns wide, the zero-width space none; two
	 * spaces between columns; no control character reaches the terminal */
	assert_string_equal(out,
	    "NAME                  CODE                STATUS\n"
	    "襄阳\xe2\x80\x8b汉江食品有限公司  91420600MA49ABCD1A  有效\n"
	    "Fancheng（樊城）Shop                      已注销\n"
	    "a b [31mc d e         x                   y\n");
	free(out);
	ecert_table_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_width),
		cmocka_unit_test(test_table_aligned),
	};

	return cmocka_run_group_tests_name("table", tests, NULL, NULL);
}
