/*
 * fixture.h: what the unit tests share.  A scratch folder under /tmp,
 * removed with all it holds after the tests; in it, when a test asks, a
 * store: empty (no platform, no anchor, as the store layer makes it) or
 * the city's, with the platform (an admin unit), the shipped units and
 * the shipped catalog loaded.
 */
#ifndef FIXTURE_H
#define FIXTURE_H

#include "ecert.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif
#define FIXTURE_SHIPPED SRCDIR "/share/catalog/"
#define FIXTURE_PLATFORM "11420600MB00000016"	/* 襄阳市政务服务和大数据管理局 */

extern char fixture_dir[64];		/* the scratch folder */
extern struct ecert_store *fixture_store;	/* the store, or NULL */

int fixture_scratch(const char *name);
const char *fixture_at(const char *file);
int fixture_store_create(const char *file, struct ecert_store **s,
    struct ecert_error *e);
int fixture_catalog(struct ecert_store *s, int *ntypes,
    struct ecert_error *e);
int fixture_city(const char *file, int *ntypes, struct ecert_error *e);
int fixture_teardown(void);

#endif
