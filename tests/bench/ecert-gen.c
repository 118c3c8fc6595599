/*
 * ecert-gen: writes N realistic license records for tests and benchmarks:
 * Chinese names and addresses, valid codes, a share of deliberately bad
 * lines.  Deterministic for a given seed.
 *
 * usage: ecert-gen [-n count] [-f first-index] [-t business|estate] [-c] [-b bad-per-mille]
 *                  [-d due-per-mille] [-s seed]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecert.h"
#include "ecert_priv.h"

static unsigned long long rng = 88172645463325252ULL;

static unsigned long
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned long)(rng >> 11);
}

#define PICK(a) (a[next() % (sizeof(a) / sizeof(a[0]))])

static const char *surnames[] = { "张", "王", "李", "刘", "陈", "杨", "黄",
    "赵", "周", "吴", "徐", "孙", "马", "胡", "朱", "郭", "何", "罗", "高",
    "林" };
static const char *given[] = { "汉江", "建国", "丽华", "志强", "秀英", "明",
    "静", "伟", "磊", "芳", "海燕", "子涵", "浩然", "雨桐", "国庆", "春梅" };
static const char *places[] = { "襄阳", "襄州", "樊城", "襄城", "枣阳",
    "宜城", "老河口", "南漳", "谷城", "保康", "隆中", "汉江" };
static const char *trades[] = { "食品", "建材", "物流", "商贸", "科技",
    "农业", "餐饮", "汽车配件", "医药", "纺织", "文化传媒", "电子" };
static const char *forms[] = { "有限责任公司（自然人投资或控股）",
    "有限责任公司（自然人独资）", "股份有限公司（非上市、自然人投资或控股）",
    "个人独资企业" };
static const char *districts[] = { "樊城区", "襄城区", "襄州区",
    "高新技术产业开发区", "东津新区" };
static const char *roads[] = { "长虹北路", "人民路", "春园路", "檀溪路",
    "航空路", "追日路", "大庆东路", "汉江北路" };
static const char *scopes[] = { "食品销售；农副产品加工", "建筑材料销售, "
    "五金产品零售", "普通货物道路运输；仓储服务", "软件开发；信息技术咨询服务",
    "餐饮服务；预包装食品销售", "汽车零部件制造\n（依法须经批准的项目除外）" };
static const char *rights[] = { "国有建设用地使用权/房屋所有权",
    "国有建设用地使用权" };
static const char *uscc_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";

static void
uscc(long i, char out[19])
{
	int k;

	memcpy(out, "91420600", 8);
	for (k = 16; k >= 8; k--) {
		out[k] = uscc_chars[i % 31];
		i /= 31;
	}
	out[17] = (char)ecert_uscc_check(out);
	out[18] = '\0';
}

static void
citizen(long i, char out[19])
{
	snprintf(out, 19, "420602%04d%02d%02d%03ld", 1950 + (int)(i % 50),
	    1 + (int)(i / 50 % 12), 1 + (int)(i / 600 % 28), i / 16800 % 1000);
	out[17] = (char)ecert_citizen_id_check(out);
	out[18] = '\0';
}

static void
date(int from, int to, char out[11])
{
	snprintf(out, 11, "%04d-%02d-%02d", from + (int)(next() %
	    (unsigned long)(to - from + 1)), 1 + (int)(next() % 12),
	    1 + (int)(next() % 28));
}

static void
csv_field(FILE *fp, const char *v, int last)
{
	if (strpbrk(v, ",\"\n") != NULL) {
		fputc('"', fp);
		for (; *v; v++) {
			if (*v == '"')
				fputc('"', fp);
			fputc(*v, fp);
		}
		fputc('"', fp);
	} else
		fputs(v, fp);
	fputc(last ? '\n' : ',', fp);
}

int
main(int argc, char *argv[])
{
	long n = 1000, i, bad = 10, due = 10, first = 0;
	int c, csv = 0, estate = 0, k;
	char id[19], name[200], addr[200], issued[11], until[11], est[11];
	char cap[64], who[32];

	while ((c = getopt(argc, argv, "n:t:cb:d:s:f:")) != -1) {
		switch (c) {
		case 'n': n = atol(optarg); break;
		case 'f': first = atol(optarg); break;
		case 't': estate = strcmp(optarg, "estate") == 0; break;
		case 'c': csv = 1; break;
		case 'b': bad = atol(optarg); break;
		case 'd': due = atol(optarg); break;
		case 's': rng ^= (unsigned long long)atoll(optarg) * 2654435761ULL; break;
		default:
			fprintf(stderr, "usage: ecert-gen [-n count] [-t business|"
			    "estate] [-c] [-b bad-per-mille] [-d due-per-mille] "
			    "[-s seed]\n");
			return 64;
		}
	}
	if (csv) {
		if (estate)
			puts("证照编号,权利人,公民身份号码,颁发日期,共有情况,坐落,"
			    "不动产单元号,权利类型,权利性质,用途,面积");
		else
			puts("证照编号,名称,统一社会信用代码,颁发日期,有效期至,类型,"
			    "法定代表人,注册资本,成立日期,住所,经营范围");
	}
	for (i = first; i < first + n; i++) {
		long kind = (long)(next() % 1000);

		snprintf(who, sizeof(who), "%s%s", PICK(surnames), PICK(given));
		snprintf(addr, sizeof(addr), "湖北省襄阳市%s%s%lu号",
		    PICK(districts), PICK(roads), 1 + next() % 300);
		date(2000, 2025, issued);
		if (estate) {
			citizen(i, id);
			snprintf(name, sizeof(name), "%s", who);
		} else {
			uscc(i + 1000, id);
			snprintf(name, sizeof(name), "%s%s%s有限公司",
			    PICK(places), PICK(trades), i % 7 ? "" : "发展");
		}
		/* due: ends in the first half of 2027; else far away */
		if (kind < due)
			date(2027, 2027, until), until[5] = '0', until[6] =
			    (char)('1' + next() % 6);
		else
			date(2035, 2060, until);
		date(1995, 2020, est);
		snprintf(cap, sizeof(cap), "%lu万元人民币", 10 + next() % 5000);
		if (kind >= 1000 - bad) {
			switch (next() % 5) {
			case 0: id[17] = id[17] == '0' ? '1' : '0'; break;
			case 1: memcpy(issued + 5, "02-30", 5); break;
			case 2: snprintf(who, sizeof(who), "\xff\xfe"); break;
			case 3: if (!csv) { puts("{\"number\": broken"); continue; }
				who[0] = '\0'; break;
			default: snprintf(addr, sizeof(addr), "%s", ""); break;
			}
		}
		if (csv && estate) {
			const char *f[] = { id, name, id, issued, "单独所有",
			    addr, "420602001001GB00001F00010001",
			    PICK(rights), "出让/市场化商品房", "城镇住宅用地/住宅",
			    "共有宗地面积89.3㎡/房屋建筑面积126.5㎡" };
			for (k = 0; k < 11; k++)
				csv_field(stdout, f[k], k == 10);
		} else if (csv) {
			const char *f[] = { id, name, id, issued, until,
			    PICK(forms), who, cap, est, addr, PICK(scopes) };
			for (k = 0; k < 11; k++)
				csv_field(stdout, f[k], k == 10);
		} else {
			json_t *o;
			char *line;

			if (estate)
				o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
				    " s:s, s:s, s:s, s:s}", "number", id,
				    "holder", name, "holder_id", id,
				    "issue_date", issued, "co_ownership",
				    "单独所有", "location", addr, "unit_number",
				    "420602001001GB00001F00010001", "right_type",
				    PICK(rights), "right_nature", "出让/市场化商品房",
				    "usage", "城镇住宅用地/住宅", "area",
				    "房屋建筑面积126.5㎡");
			else
				o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s,"
				    " s:s, s:s, s:s, s:s}", "number", id,
				    "holder", name, "holder_id", id,
				    "issue_date", issued, "valid_until", until,
				    "entity_type", PICK(forms),
				    "legal_representative", who,
				    "registered_capital", cap, "established",
				    est, "domicile", addr, "business_scope",
				    PICK(scopes));
			if (o == NULL) {	/* invalid UTF-8 refused by jansson */
				printf("{\"number\":\"%s\",\"holder\":\"%s\"}\n",
				    id, who);
				continue;
			}
			line = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII * 0);
			puts(line);
			free(line);
			json_decref(o);
		}
	}
	return 0;
}
