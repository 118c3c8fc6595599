/* opts.c: what the shared options do: the store, the acting unit, output. */
#include <string.h>

#include "ecert_priv.h"

/*
 * What a batch reader took from standard input, on stderr: an empty or
 * unread input must not look like a quiet success.
 */
void
ecert_batch_summary(long taken, long done, const char *what, long refused)
{
	if (taken == 0)
		ecert_warn("no records read from standard input: nothing %s",
		    what);
	else
		ecert_warn("%ld record%s read from standard input: %ld %s, "
		    "%ld rejected", taken, taken == 1 ? "" : "s", done, what,
		    refused);
}

struct ecert_store *
ecert_opts_store(const struct ecert_opts *o)
{
	return ecert_store_open_or_die(o->db, o->store_key);
}

void
ecert_opts_actor(struct ecert_store *s, const struct ecert_opts *o,
    struct ecert_actor *a)
{
	struct ecert_error e;

	if (ecert_actor_load(s, o->key, o->passfile, a, &e) != 0) {
		ecert_store_close(s);
		ecert_die_error(&e);
	}
}

/*
 * A refusal unless the acting unit is an admin unit: audited as action on
 * object, the message naming verb ("load: unit ... is not an admin unit").
 */
void
ecert_opts_require_admin(struct ecert_store *s, struct ecert_actor *a,
    const char *verb, const char *action, const char *object)
{
	struct ecert_error e;

	if (a->roles & ECERT_ROLE_ADMIN)
		return;
	ecert_key_wipe(&a->key);
	ecert_fail(&e, ECERT_NOPERM, "%s: unit %s is not an admin unit",
	    verb, a->unit);
	ecert_audit_refusal(s, a->unit, action, object, &e);
	ecert_store_close(s);
	ecert_die_error(&e);
}

/*
 * The load verb of ecert-catalog and ecert-matter: an admin's, all files
 * (n > 0) or none, a refusal audited as action; how many of what (a noun) were
 * loaded said on stderr.
 */
void
ecert_opts_load(struct ecert_store *s, const struct ecert_opts *o,
    char **files, int n, const char *action, const char *what,
    int (*load)(struct ecert_store *, const char *, char **, int, int *,
    struct ecert_error *))
{
	struct ecert_actor a;
	struct ecert_error e;
	int loaded, rc;

	ecert_opts_actor(s, o, &a);
	ecert_opts_require_admin(s, &a, "load", action, files[0]);
	/* the platform's key signs each catalog entry it loads (article 23) */
	rc = load(s, a.unit, files, n, &loaded, &e);
	ecert_key_wipe(&a.key);
	if (rc != 0) {
		ecert_audit_refusal(s, a.unit, action, files[0], &e);
		ecert_die_error(&e);
	}
	fprintf(stderr, "%s: %d %s%s loaded or changed\n", ecert_progname,
	    loaded, what, loaded == 1 ? "" : "s");
}

/* One JSON line, flushed, so that pipelines never stall. */
void
ecert_print_json(const json_t *v)
{
	char *line = ecert_json_canonical(v);

	if (line == NULL)
		ecert_die(ECERT_IOERR, "json: cannot encode");
	puts(line);
	fflush(stdout);
	free(line);
}
