/* opts.c: the options every program shares, and their effects. */
#include <string.h>

#include "ecert_priv.h"

#ifndef ECERT_VERSION
#define ECERT_VERSION "unknown"
#endif

/*
 * -h and --help: each program's usage() prints to ecert_usage_stream()
 * and ends with ecert_usage_exit(), so the one usage text serves both a
 * usage error (stderr, 64) and a request for help (stdout, 0).
 */
int ecert_help_wanted;

FILE *
ecert_usage_stream(void)
{
	return ecert_help_wanted ? stdout : stderr;
}

void
ecert_usage_exit(void)
{
	if (ecert_help_wanted) {
		printf(_("See %s(1): man %s\n"), ecert_progname, ecert_progname);
		exit(fflush(stdout) == 0 ? 0 : ECERT_IOERR);
	}
	exit(ECERT_USAGE);
}

void
ecert_print_version(void)
{
	printf("%s %s\n", ecert_progname, ECERT_VERSION);
	exit(fflush(stdout) == 0 ? 0 : ECERT_IOERR);
}

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

/* Returns 1 when c was one of the shared options; -h and --help return 0
 * (the caller's usage() is the answer) after asking for stdout. */
int
ecert_common_opt(struct ecert_opts *o, int c, const char *arg)
{
	switch (c) {
	case 'h':
		ecert_help_wanted = 1;
		return 0;
	case ECERT_OPT_VERSION:
		ecert_print_version();
	case 'd':
		o->db = arg;
		return 1;
	case 'k':
		o->key = arg;
		return 1;
	case ECERT_OPT_STORE_KEY:
		o->store_key = arg;
		return 1;
	case ECERT_OPT_PASSFILE:
		o->passfile = arg;
		return 1;
	case ECERT_OPT_JSON:
		o->json = 1;
		o->table = 0;
		return 1;
	case ECERT_OPT_TABLE:
		o->table = 1;
		o->json = 0;
		return 1;
	}
	return 0;
}

/*
 * For programs with verbs (ecert-unit add ...): finds the verb wherever
 * the options put it and returns it, leaving argv[0] the verb and the
 * options around it for getopt, so `ecert-unit -d x.db add` and
 * `ecert-unit add -d x.db` both work.
 */
const char *
ecert_take_verb(int *argc, char ***argv, const char *optstring,
    const struct option *longopts)
{
	char plus[64], *verb;
	int i, c;

	snprintf(plus, sizeof(plus), "+%s", optstring);
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(*argc, *argv, plus, longopts, NULL)) != -1)
		if (c == 'h')
			ecert_help_wanted = 1;
		else if (c == ECERT_OPT_VERSION)
			ecert_print_version();
	opterr = 1;
	if (optind >= *argc)
		return NULL;
	i = optind;
	verb = (*argv)[i];
	memmove(&(*argv)[2], &(*argv)[1], (size_t)(i - 1) * sizeof(char *));
	(*argv)[1] = verb;
	(*argc)--;
	(*argv)++;
	optind = 0;	/* glibc: start again from argv[1] */
	return verb;
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
