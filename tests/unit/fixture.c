/* fixture.c: the scratch folder and the stores the unit tests share. */
#include <ftw.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fixture.h"

char fixture_dir[64];
struct ecert_store *fixture_store;

/* The scratch folder /tmp/NAME.XXXXXX; stores in it wait for a lock. */
int
fixture_scratch(const char *name)
{
	snprintf(fixture_dir, sizeof(fixture_dir), "/tmp/%s.XXXXXX", name);
	if (mkdtemp(fixture_dir) == NULL) {
		fixture_dir[0] = '\0';
		return -1;
	}
	setenv("ECERT_BUSY_TIMEOUT", "5000", 1);
	return 0;
}

/* FILE in the scratch folder; the last 64 paths stay valid. */
const char *
fixture_at(const char *file)
{
	static char paths[64][128];
	static int next;
	char *p = paths[next++ % 64];

	snprintf(p, sizeof(paths[0]), "%s/%s", fixture_dir, file);
	return p;
}

/* A new, empty store FILE in the scratch folder. */
int
fixture_store_create(const char *file, struct ecert_store **s,
    struct ecert_error *e)
{
	return ecert_store_create(fixture_at(file), NULL, s, e);
}

static int
add_shipped_units(struct ecert_store *s, struct ecert_error *e)
{
	char line[512], *code, *name, *roles, *save;
	FILE *fp = fopen(FIXTURE_SHIPPED "units.tsv", "r");
	int bits, rc = 0;

	if (fp == NULL)
		return ecert_fail(e, ECERT_IOERR, FIXTURE_SHIPPED "units.tsv: "
		    "cannot open");
	while (rc == 0 && fgets(line, sizeof(line), fp) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		code = strtok_r(line, "\t", &save);
		name = strtok_r(NULL, "\t", &save);
		roles = strtok_r(NULL, "\t", &save);
		if (roles == NULL || ecert_roles_parse(roles, &bits) != 0)
			rc = ecert_fail(e, ECERT_DATAERR, "units.tsv: bad line");
		else
			rc = ecert_unit_add(s, code, name, bits, e);
	}
	fclose(fp);
	return rc;
}

/* The shipped catalog (share/catalog, every .yaml) loaded by the platform. */
int
fixture_catalog(struct ecert_store *s, int *ntypes,
    struct ecert_error *e)
{
	glob_t g;
	int rc;

	if (glob(FIXTURE_SHIPPED "*.yaml", 0, NULL, &g) != 0)
		return ecert_fail(e, ECERT_IOERR, "no catalog in "
		    FIXTURE_SHIPPED);
	rc = ecert_catalog_load(s, FIXTURE_PLATFORM, g.gl_pathv,
	    (int)g.gl_pathc, ntypes, e);
	globfree(&g);
	return rc;
}

/*
 * fixture_store: the store FILE in the scratch folder with the platform
 * (an admin unit), the shipped units (share/catalog/units.tsv) and the
 * shipped catalog, *ntypes its types.
 */
int
fixture_city(const char *file, int *ntypes, struct ecert_error *e)
{
	int rc;

	*ntypes = 0;
	if ((rc = fixture_store_create(file, &fixture_store, e)) != 0)
		return rc;
	if ((rc = ecert_unit_add(fixture_store, FIXTURE_PLATFORM,
	    "襄阳市政务服务和大数据管理局", ECERT_ROLE_ADMIN, e)) != 0 ||
	    (rc = add_shipped_units(fixture_store, e)) != 0)
		return rc;
	return fixture_catalog(fixture_store, ntypes, e);
}

static int
remove_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)flag;
	(void)f;
	return remove(path);
}

/* Closes the store and removes the scratch folder with all it holds. */
int
fixture_teardown(void)
{
	if (fixture_store != NULL)
		ecert_store_close(fixture_store);
	fixture_store = NULL;
	if (fixture_dir[0] == '\0')
		return 0;
	return nftw(fixture_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}
