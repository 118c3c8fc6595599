/* test_i18n.c: messages keep their English in the buffers (the audit's,
 * JSON's) and show in Chinese on stderr under zh_CN.UTF-8 (i18n.c),
 * with the catalog built beside the tests (build/locale). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecert_priv.h"

static void
shows(const char *english, const char *expected)
{
	char *shown = ecert_shown(english);

	assert_string_equal(shown, expected);
	free(shown);
}

static void
test_gettext(void **state)
{
	(void)state;
	assert_string_equal(ecert_gettext("out of memory"), "内存不足");
	assert_string_equal(ecert_gettext("not a message of ours"),
	    "not a message of ours");
}

static void
test_fail_keeps_english(void **state)
{
	struct ecert_error e;

	(void)state;
	assert_int_equal(ecert_fail(&e, ECERT_NO, "%s: not in the catalog",
	    "11100000000013338W099"), ECERT_NO);
	assert_int_equal(e.status, ECERT_NO);
	assert_string_equal(e.msg, "11100000000013338W099: not in the catalog");
	shows(e.msg, "11100000000013338W099: 不在证照目录中");
	/* wherever the text went, inside a longer line too */
	shows("x.jsonl:3: 11100000000013338W099: not in the catalog",
	    "x.jsonl:3: 11100000000013338W099: 不在证照目录中");
}

static void
test_nested(void **state)
{
	struct ecert_error e;
	char why[128];

	(void)state;
	assert_int_equal(ecert_whyf(why, sizeof(why),
	    "18 characters expected, %zu given", (size_t)5), 31);
	assert_string_equal(why, "18 characters expected, 5 given");
	ecert_fail(&e, ECERT_DATAERR,
	    "field %s: not a valid citizen ID number: %s", "holder_id", why);
	assert_string_equal(e.msg, "field holder_id: not a valid citizen ID "
	    "number: 18 characters expected, 5 given");
	shows(e.msg, "字段 holder_id: 不是有效的公民身份号码: "
	    "应为 18 个字符，实际为 5 个");
}

static void
test_errno(void **state)
{
	struct ecert_error e;
	locale_t zh = newlocale(LC_ALL_MASK, "zh_CN.UTF-8", (locale_t)0);
	char expected[256];

	(void)state;
	assert_non_null(zh);
	ecert_fail(&e, ECERT_IOERR, "store %s: %s", "x.db", "No such file "
	    "or directory");
	assert_string_equal(e.msg, "store x.db: No such file or directory");
	snprintf(expected, sizeof(expected), "证照库 x.db: %s",
	    strerror_l(ENOENT, zh));
	shows(e.msg, expected);
	freelocale(zh);
}

static void
test_untranslated(void **state)
{
	struct ecert_error e;

	(void)state;
	ecert_fail(&e, ECERT_NO, "%s", "a reason from elsewhere");
	assert_string_equal(e.msg, "a reason from elsewhere");
	shows(e.msg, "a reason from elsewhere");
	assert_int_equal(ecert_fail(NULL, ECERT_NOPERM, "unit %s is not the "
	    "platform", "x"), ECERT_NOPERM);
}

/* the latest messages are remembered, a batch's first ones forgotten */
static void
test_many(void **state)
{
	struct ecert_error e;
	char first[sizeof(e.msg)], expected[64];
	int i;

	(void)state;
	ecert_fail(&e, ECERT_NO, "dispute %lld: not found", 100000LL);
	snprintf(first, sizeof(first), "%s", e.msg);
	for (i = 0; i < 200; i++)
		ecert_fail(&e, ECERT_NO, "dispute %lld: not found", (long long)i);
	shows(e.msg, "异议 199: 未找到");
	shows(first, "dispute 100000: not found");
	snprintf(expected, sizeof(expected), "异议 %d: 未找到", 150);
	shows("dispute 150: not found", expected);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gettext),
		cmocka_unit_test(test_fail_keeps_english),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_errno),
		cmocka_unit_test(test_untranslated),
		cmocka_unit_test(test_many),
	};
	locale_t zh = newlocale(LC_ALL_MASK, "zh_CN.UTF-8", (locale_t)0);

	if (zh == (locale_t)0) {
		printf("1..0 # skip no zh_CN.UTF-8 locale (make deps)\n");
		return 0;
	}
	freelocale(zh);
	unsetenv("LC_ALL");
	unsetenv("LC_MESSAGES");
	unsetenv("LANGUAGE");
	setenv("LANG", "zh_CN.UTF-8", 1);
	ecert_setprogname("test_i18n");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
