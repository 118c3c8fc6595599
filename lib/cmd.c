/*
 * cmd.c: the command runner.  A program's options are a table (cmd.h);
 * getopt_long's arrays, the usage, --help, --version and --options are
 * made from it, and the options every program shares are declared here
 * once.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "cmd.h"
#include "ecert_priv.h"

#ifndef ECERT_VERSION
#define ECERT_VERSION "unknown"
#endif

enum { COMMON_HELP = 1 << 14, COMMON_VERSION = 1 << 15 };

static void set_common(const char *arg, void *var);

/* The shared options; var holds the ECERT_COMMON_ bit. */
#define COMMON(n, l, a, bit, h) \
	{ (n), (l), (a), (h), ECERT_CMD_CALL, (void *)(bit), 0, set_common, \
	    0, 0, 0, 0 }
static const struct ecert_cmd_opt common_opts[] = {
	COMMON("db", 'd', "file", ECERT_COMMON_DB,
	    "the store (else $ECERT_DB, ./ecert.db)"),
	COMMON("store-key", 0, "file", ECERT_COMMON_STORE_KEY,
	    "the store's key file (else $ECERT_STORE_KEY)"),
	COMMON("key", 'k', "keyfile", ECERT_COMMON_KEY,
	    "the acting unit's key file (else $ECERT_KEY)"),
	COMMON("passphrase-file", 0, "file", ECERT_COMMON_PASSFILE,
	    "the key's passphrase (else $ECERT_PASSPHRASE_FILE)"),
	COMMON("json", 0, NULL, ECERT_COMMON_JSON,
	    "JSON Lines (the default when not a terminal)"),
	COMMON("table", 0, NULL, ECERT_COMMON_TABLE,
	    "an aligned table (the default on a terminal)"),
	COMMON("help", 'h', NULL, COMMON_HELP, "this help, on standard output"),
	COMMON("version", 0, NULL, COMMON_VERSION, "the version"),
	ECERT_OPT_END
};

static const struct ecert_cmd *current;
static int help_wanted;
static struct ecert_opts *current_opts;

static void
set_common(const char *arg, void *var)
{
	struct ecert_opts *o = current_opts;

	switch ((unsigned)(uintptr_t)var) {
	case ECERT_COMMON_DB:
		o->db = arg;
		break;
	case ECERT_COMMON_STORE_KEY:
		o->store_key = arg;
		break;
	case ECERT_COMMON_KEY:
		o->key = arg;
		break;
	case ECERT_COMMON_PASSFILE:
		o->passfile = arg;
		break;
	case ECERT_COMMON_JSON:
		o->json = 1;
		o->table = 0;
		break;
	case ECERT_COMMON_TABLE:
		o->table = 1;
		o->json = 0;
		break;
	case COMMON_HELP:
		help_wanted = 1;
		break;
	case COMMON_VERSION:
		printf("%s %s\n", ecert_progname, ECERT_VERSION);
		exit(fflush(stdout) == 0 ? 0 : ECERT_IOERR);
	}
}

static unsigned
common_bit(const struct ecert_cmd_opt *opt)
{
	return (unsigned)(uintptr_t)opt->var;
}

/* The options a command takes: its own, then the shared ones it names. */
static size_t
collect(const struct ecert_cmd *cmd, const struct ecert_cmd_opt **all,
    size_t max)
{
	const struct ecert_cmd_opt *opt;
	size_t n = 0;

	for (opt = cmd->opts; opt != NULL && opt->name != NULL; opt++)
		if (n < max)
			all[n++] = opt;
	for (opt = common_opts; opt->name != NULL; opt++)
		if ((common_bit(opt) & (cmd->common | COMMON_HELP |
		    COMMON_VERSION)) != 0 && n < max)
			all[n++] = opt;
	return n;
}

static int
is_common(const struct ecert_cmd_opt *opt)
{
	return opt->call == set_common;
}

/* "-c uscc" or "--alg ed25519|sm2" */
static void
spell(const struct ecert_cmd_opt *opt, char *buf, size_t n)
{
	if (opt->letter)
		snprintf(buf, n, "-%c%s%s", opt->letter, opt->arg ? " " : "",
		    opt->arg ? opt->arg : "");
	else
		snprintf(buf, n, "--%s%s%s", opt->name, opt->arg ? " " : "",
		    opt->arg ? opt->arg : "");
}

/* Words after an indent, wrapped before column 80. */
struct wrap {
	FILE *fp;
	size_t col, indent;
};

static void
wrap_word(struct wrap *w, const char *word)
{
	size_t len = strlen(word);

	if (w->col > w->indent && w->col + 1 + len > 79) {
		fprintf(w->fp, "\n%*s", (int)w->indent, "");
		w->col = w->indent;
	} else {
		fputc(' ', w->fp);
		w->col++;
	}
	fputs(word, w->fp);
	w->col += len;
}

static void
made_line(FILE *fp, const struct ecert_cmd *cmd)
{
	const struct ecert_cmd_opt *opt;
	struct wrap w = { fp, 0, 0 };
	char buf[160];

	fprintf(fp, "%s %s", _("usage:"), ecert_progname);
	w.col = ecert_utf8_width(_("usage:")) + 1 + strlen(ecert_progname);
	w.indent = w.col + 1;
	for (opt = cmd->opts; opt != NULL && opt->name != NULL; opt++) {
		snprintf(buf + 1, sizeof(buf) - 2, "--%s%s%s", opt->name,
		    opt->arg ? " " : "", opt->arg ? opt->arg : "");
		if (opt->required)
			wrap_word(&w, buf + 1);
		else {
			buf[0] = '[';
			strcat(buf, "]");
			wrap_word(&w, buf);
		}
	}
	if (cmd->operands != NULL)
		wrap_word(&w, cmd->operands);
	fputc('\n', fp);
}

static void
common_line(FILE *fp, const struct ecert_cmd *cmd)
{
	const struct ecert_cmd_opt *opt;
	struct wrap w = { fp, 0, 0 };
	char buf[160];

	if (cmd->common == 0)
		return;
	/* TRANSLATORS: the options every program shares follow */
	fputs(_("common:"), fp);
	w.col = ecert_utf8_width(_("common:"));
	w.indent = w.col + 1;
	for (opt = common_opts; opt->name != NULL; opt++) {
		unsigned bit = common_bit(opt);

		if ((bit & cmd->common) == 0 || (bit == ECERT_COMMON_TABLE &&
		    (cmd->common & ECERT_COMMON_JSON)))
			continue;
		if (bit == ECERT_COMMON_JSON &&
		    (cmd->common & ECERT_COMMON_TABLE))
			snprintf(buf, sizeof(buf), "[--json | --table]");
		else {
			buf[0] = '[';
			spell(opt, buf + 1, sizeof(buf) - 2);
			strcat(buf, "]");
		}
		wrap_word(&w, buf);
	}
	fputc('\n', fp);
}

/* The option list of --help: "  -c, --code uscc   what it is". */
static void
option_list(FILE *fp, const struct ecert_cmd *cmd)
{
	const struct ecert_cmd_opt *all[128];
	char left[160];
	size_t i, n = collect(cmd, all, 128);

	fprintf(fp, "\n%s\n", _("options:"));
	for (i = 0; i < n; i++) {
		snprintf(left, sizeof(left), "  %c%c%s--%s%s%s",
		    all[i]->letter ? '-' : ' ',
		    all[i]->letter ? all[i]->letter : ' ',
		    all[i]->letter ? ", " : "  ", all[i]->name,
		    all[i]->arg ? " " : "", all[i]->arg ? all[i]->arg : "");
		if (all[i]->help == NULL)
			fprintf(fp, "%s\n", left);
		else if (strlen(left) < 30)
			fprintf(fp, "%-30s%s\n", left,
			    ecert_gettext(all[i]->help));
		else
			fprintf(fp, "%s\n%30s%s\n", left, "",
			    ecert_gettext(all[i]->help));
	}
}

void
ecert_usage(void)
{
	const struct ecert_cmd *cmd = current;
	FILE *fp = help_wanted ? stdout : stderr;
	const char *const *line;

	if (cmd == NULL)
		exit(ECERT_USAGE);
	if (cmd->usage == NULL)
		made_line(fp, cmd);
	/* a line that starts with a blank goes on with the one before */
	for (line = cmd->usage; line != NULL && *line != NULL; line++)
		if (**line == ' ')
			fprintf(fp, "%*s%s\n", (int)(ecert_utf8_width(
			    _("usage:")) + 1 + strlen(ecert_progname) + 1), "",
			    *line + strspn(*line, " "));
		else if (line == cmd->usage)
			fprintf(fp, "%s %s\n", _("usage:"), *line);
		else
			fprintf(fp, "%*s %s\n", (int)ecert_utf8_width(
			    _("usage:")), "", *line);
	if (cmd->more != NULL)
		cmd->more(fp);
	common_line(fp, cmd);
	if (!help_wanted)
		exit(ECERT_USAGE);
	option_list(fp, cmd);
	printf(_("See %s(1): man %s\n"), ecert_progname, ecert_progname);
	exit(fflush(stdout) == 0 ? 0 : ECERT_IOERR);
}

/* What completes an option's argument, for --options. */
static const char *
values(const struct ecert_cmd_opt *opt, char *buf, size_t n)
{
	static const char *const names[] = { "text", "text", "file", "dir",
	    "type", "unit", "matter" };

	if (opt->arg == NULL)
		return "none";
	if (opt->values != ECERT_VAL_NAME)
		return names[opt->values];
	if (strchr(opt->arg, '|') != NULL) {
		snprintf(buf, n, "words:%s", opt->arg);
		return buf;
	}
	if (strstr(opt->arg, "file") != NULL)
		return "file";
	if (strstr(opt->arg, "dir") != NULL)
		return "dir";
	return "text";
}

/*
 * --options: the table, for the completion generator
 * (lib/ecert-completions.sh), tab-separated, one a line:
 *   verb NAME
 *   option --LONG -L|- ARG|- none|text|file|dir|type|unit|matter|words:a|b HELP
 */
static void __attribute__((noreturn))
dump(const struct ecert_cmd *cmd)
{
	const struct ecert_cmd_opt *all[128];
	const char *const *verb;
	char letter[3], buf[128];
	size_t i, n = collect(cmd, all, 128);

	for (verb = cmd->verbs; verb != NULL && *verb != NULL; verb++)
		printf("verb\t%s\n", *verb);
	for (i = 0; i < n; i++) {
		snprintf(letter, sizeof(letter), "-%c", all[i]->letter);
		printf("option\t--%s\t%s\t%s\t%s\t%s\n", all[i]->name,
		    all[i]->letter ? letter : "-",
		    all[i]->arg ? all[i]->arg : "-",
		    values(all[i], buf, sizeof(buf)),
		    all[i]->help ? all[i]->help : "");
	}
	exit(fflush(stdout) == 0 ? 0 : ECERT_IOERR);
}

/* getopt_long's arrays: a long option answers its index in all[]. */
static struct option *
longopts_of(const struct ecert_cmd_opt **all, size_t n, char *optstring,
    size_t max, int stop)
{
	struct option *lo = ecert_xmalloc((n + 1) * sizeof(*lo));
	size_t i, k = 0;

	if (stop)
		optstring[k++] = '+';
	for (i = 0; i < n; i++) {
		lo[i].name = all[i]->name;
		lo[i].has_arg = all[i]->arg ? required_argument : no_argument;
		lo[i].flag = NULL;
		lo[i].val = 0x10000 + (int)i;
		if (all[i]->letter && k + 3 < max) {
			optstring[k++] = (char)all[i]->letter;
			if (all[i]->arg)
				optstring[k++] = ':';
		}
	}
	memset(&lo[n], 0, sizeof(lo[n]));
	optstring[k] = '\0';
	return lo;
}

static long
number(const struct ecert_cmd_opt *opt, const char *arg)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (*arg == '\0' || *end != '\0' || errno != 0 || v < opt->lo ||
	    v > opt->hi)
		ecert_die(ECERT_USAGE, "--%s %s: a whole number from %d to %d",
		    opt->name, arg, opt->lo, opt->hi);
	return v;
}

static void
apply(const struct ecert_cmd_opt *opt, const char *arg)
{
	long v;
	int i;

	switch (opt->kind) {
	case ECERT_CMD_STRING:
		*(const char **)opt->var = arg;
		break;
	case ECERT_CMD_SET:
		*(int *)opt->var = opt->value;
		break;
	case ECERT_CMD_CALL:
		opt->call(arg, opt->var);
		break;
	case ECERT_CMD_NUMBER:
		v = number(opt, arg);
		if (opt->value == (int)sizeof(int)) {
			i = (int)v;	/* lo >= 0: unsigned alike */
			memcpy(opt->var, &i, sizeof(i));
		} else
			memcpy(opt->var, &v, sizeof(v));
		break;
	case ECERT_CMD_ONE:
		if (*(int *)opt->var != 0)
			ecert_usage();
		*(int *)opt->var = opt->value;
		break;
	}
}

/*
 * For commands with verbs: finds the verb wherever the options put it and
 * moves it to argv[1], so `ecert-unit -d x.db add` and `ecert-unit add -d
 * x.db` both work.  -h and --version count wherever they are.
 */
static const char *
take_verb(int *argc, char ***argv, const char *optstring,
    const struct option *lo, const struct ecert_cmd_opt **all)
{
	char plus[300], *verb;
	int i, c;

	snprintf(plus, sizeof(plus), "+%s", optstring + (*optstring == '+'));
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(*argc, *argv, plus, lo, NULL)) != -1) {
		if (c >= 0x10000 && is_common(all[c - 0x10000]) &&
		    (common_bit(all[c - 0x10000]) & (COMMON_HELP |
		    COMMON_VERSION)))
			apply(all[c - 0x10000], optarg);
		else if (c == 'h')
			help_wanted = 1;
	}
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

static int
verb_index(const struct ecert_cmd *cmd, const char *verb)
{
	int i;

	if (verb == NULL)
		ecert_usage();
	for (i = 0; cmd->verbs[i] != NULL; i++)
		if (strcmp(cmd->verbs[i], verb) == 0)
			return i;
	ecert_usage();
}

int
ecert_cmd_parse(const struct ecert_cmd *cmd, struct ecert_opts *o,
    int *argc, char ***argv)
{
	const struct ecert_cmd_opt *all[128];
	char optstring[300];
	struct option *lo;
	size_t i, n = collect(cmd, all, 128);
	int c, verb = 0;

	current = cmd;
	current_opts = o;
	if (*argc == 2 && strcmp((*argv)[1], "--options") == 0)
		dump(cmd);
	lo = longopts_of(all, n, optstring, sizeof(optstring),
	    cmd->flags & ECERT_CMD_STOP);
	if (cmd->verbs != NULL)
		verb = verb_index(cmd, take_verb(argc, argv, optstring, lo,
		    all));
	optind = 0;
	while ((c = getopt_long(*argc, *argv, optstring, lo, NULL)) != -1) {
		if (c >= 0x10000) {
			apply(all[c - 0x10000], optarg);
			continue;
		}
		for (i = 0; i < n; i++)
			if (all[i]->letter == c)
				break;
		if (i == n)	/* '?' or ':' */
			ecert_usage();
		apply(all[i], optarg);
	}
	free(lo);
	if (help_wanted)
		ecert_usage();
	*argc -= optind;
	*argv += optind;
	return verb;
}

int
ecert_worse(int a, int b)
{
	static const int rank[] = { ECERT_OK, ECERT_NO, ECERT_DATAERR,
	    ECERT_USAGE, ECERT_NOPERM, ECERT_BUSY, ECERT_IOERR };
	int i, ra = 0, rb = 0;

	for (i = 0; i < (int)(sizeof(rank) / sizeof(rank[0])); i++) {
		if (rank[i] == a)
			ra = i;
		if (rank[i] == b)
			rb = i;
	}
	return rb > ra ? b : a;
}

void
ecert_cmd_field(const char *arg, void *var)
{
	json_t **record = var;
	struct ecert_error e;

	if (*record == NULL)
		*record = json_object();
	if (ecert_record_from_args(*record, arg, &e) != 0)
		ecert_die_error(&e);
}

void
ecert_cmd_input(struct ecert_import_opts *io, const char *file, int csv)
{
	const char *dot;

	io->name = "<stdin>";
	io->in = stdin;
	if (file != NULL && strcmp(file, "-") != 0) {
		io->name = file;
		if ((io->in = fopen(file, "r")) == NULL)
			ecert_die(ECERT_IOERR, "%s: %s", file, strerror(errno));
		dot = strrchr(file, '.');
		if (csv == -1 && dot != NULL && strcasecmp(dot, ".csv") == 0)
			csv = 1;
	}
	io->csv = csv == 1;
}
