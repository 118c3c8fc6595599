/*
 * cmd.h: the command runner the programs share.  Each program declares
 * its options once, in a table; getopt_long's arrays, the usage, --help,
 * --version and the hidden --options (the table for the shell
 * completions) are made from it.  Not part of libecert.so's interface:
 * the programs link the archive.
 */
#ifndef ECERT_CMD_H
#define ECERT_CMD_H

#include <stdio.h>

#include "ecert.h"

/* What an option does with its argument. */
enum ecert_cmd_kind {
	ECERT_CMD_STRING = 1,	/* *(const char **)var = arg, the last wins */
	ECERT_CMD_SET,		/* *(int *)var = value */
	ECERT_CMD_CALL,		/* call(arg, var) */
	ECERT_CMD_ONE,		/* *(int *)var = value, a usage error when
				 * one of its group was given before */
	ECERT_CMD_NUMBER	/* *var = a whole number, lo to hi; var an
				 * int, unsigned, long or size_t */
};

/* What completes an option's argument (0: made from the argument's name:
 * "a|b" the words, a name with "file" or "dir" in it a path). */
enum ecert_cmd_values {
	ECERT_VAL_NAME = 0, ECERT_VAL_TEXT, ECERT_VAL_FILE, ECERT_VAL_DIR,
	ECERT_VAL_TYPE,		/* a license type code of the store */
	ECERT_VAL_UNIT,		/* a unit code of the store */
	ECERT_VAL_MATTER	/* a matter code of the store */
};

struct ecert_cmd_opt {
	const char *name;	/* the long name; NULL ends the table */
	int letter;		/* the short option, or 0 */
	const char *arg;	/* the argument's name; NULL: takes none */
	const char *help;	/* one line for --help */
	int kind;
	void *var;
	int value;		/* ECERT_CMD_SET; NUMBER: the size of *var */
	void (*call)(const char *arg, void *var);
	int values;		/* enum ecert_cmd_values */
	int required;		/* in the usage line made from the table */
	int lo, hi;		/* ECERT_CMD_NUMBER */
};

#define ECERT_OPT_STR(n, l, a, v, h) \
	{ (n), (l), (a), (h), ECERT_CMD_STRING, (v), 0, NULL, 0, 0, 0, 0 }
#define ECERT_OPT_NEED(n, l, a, v, h) \
	{ (n), (l), (a), (h), ECERT_CMD_STRING, (v), 0, NULL, 0, 1, 0, 0 }
#define ECERT_OPT_VAL(n, l, a, v, vals, h) \
	{ (n), (l), (a), (h), ECERT_CMD_STRING, (v), 0, NULL, (vals), 0, 0, 0 }
#define ECERT_OPT_SET(n, l, v, val, h) \
	{ (n), (l), NULL, (h), ECERT_CMD_SET, (v), (val), NULL, 0, 0, 0, 0 }
#define ECERT_OPT_ONE(n, l, v, val, h) \
	{ (n), (l), NULL, (h), ECERT_CMD_ONE, (v), (val), NULL, 0, 0, 0, 0 }
#define ECERT_OPT_CALL(n, l, a, fn, v, h) \
	{ (n), (l), (a), (h), ECERT_CMD_CALL, (v), 0, (fn), 0, 0, 0, 0 }
#define ECERT_OPT_NUM(n, l, a, v, low, high, h) \
	{ (n), (l), (a), (h), ECERT_CMD_NUMBER, (v), (int)sizeof(*(v)), NULL, \
	    0, 0, (low), (high) }
#define ECERT_OPT_END { NULL, 0, NULL, NULL, 0, NULL, 0, NULL, 0, 0, 0, 0 }

/* The options every program shares; a program names those it takes. */
enum {
	ECERT_COMMON_DB = 1 << 0,	/* -d, --db file */
	ECERT_COMMON_STORE_KEY = 1 << 1,	/* --store-key file */
	ECERT_COMMON_KEY = 1 << 2,	/* -k, --key file */
	ECERT_COMMON_PASSFILE = 1 << 3,	/* --passphrase-file file */
	ECERT_COMMON_JSON = 1 << 4,	/* --json */
	ECERT_COMMON_TABLE = 1 << 5	/* --table */
};
#define ECERT_COMMON_STORE (ECERT_COMMON_DB | ECERT_COMMON_STORE_KEY)
#define ECERT_COMMON_ACTOR (ECERT_COMMON_STORE | ECERT_COMMON_KEY | \
	ECERT_COMMON_PASSFILE)
#define ECERT_COMMON_ALL (ECERT_COMMON_ACTOR | ECERT_COMMON_JSON | \
	ECERT_COMMON_TABLE)

enum {
	ECERT_CMD_STOP = 1 << 0		/* options end at the first operand */
};

struct ecert_cmd {
	/* the usage lines after "usage: ", one a string; NULL: one line
	 * made from the table (required options bare, then operands) */
	const char *const *usage;
	const char *operands;		/* for the made line, e.g. "[id ...]" */
	const char *const *verbs;	/* NULL-terminated; NULL: no verbs */
	unsigned common;		/* ECERT_COMMON_* */
	const struct ecert_cmd_opt *opts;
	void (*more)(FILE *fp);		/* more usage text, after the lines */
	int flags;			/* ECERT_CMD_* */
};

/*
 * Parses the command line by the table: fills o with the common options
 * and the table's variables, answers -h/--help, --version and --options
 * itself, and leaves *argc and *argv the operands (after the verb).
 * Returns the verb's index in cmd->verbs (0 without verbs).  A usage
 * error prints the usage to stderr and exits 64.
 */
int ecert_cmd_parse(const struct ecert_cmd *cmd, struct ecert_opts *o,
    int *argc, char ***argv);
/* The usage of the command last parsed: stdout and 0 after -h/--help,
 * else stderr and 64. */
void ecert_usage(void) __attribute__((noreturn));
/* ECERT_OPT_CALL for -f item=value: var is a json_t ** (made on first use). */
void ecert_cmd_field(const char *arg, void *var);
/* The input of an importer: file ("-" or NULL: standard input), CSV when
 * csv is 1 or, at -1, when the file is named *.csv. */
void ecert_cmd_input(struct ecert_import_opts *io, const char *file,
    int csv);
/* The worse of two exit statuses, one ranking for every program:
 * ok < no < bad input < usage < no permission < busy < I/O failure. */
int ecert_worse(int a, int b);

#endif
