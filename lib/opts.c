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
