/*
 * ecert: `ecert issue ...` runs `ecert-issue ...`, as git runs its tools;
 * `ecert help [command]` lists the commands or shows one's manual page.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"

static const struct {
	const char *name, *what;
} commands[] = {
	{ "init", "create a store and the platform unit" },
	{ "unit", "register units and their keys" },
	{ "catalog", "load and show license types" },
	{ "issue", "issue licenses" },
	{ "import", "collect historical licenses in bulk" },
	{ "amend", "correct a license, as a new version" },
	{ "show", "print licenses, present them as QR codes, print faces" },
	{ "verify", "verify licenses, documents and scanned QR codes" },
	{ "revoke", "revoke, suspend or reinstate licenses" },
	{ "expire", "mark the licenses whose time has run out" },
	{ "query", "search licenses" },
	{ "grant", "grants of holders to using units" },
	{ "use", "fetch or check a holder's licenses for a matter" },
	{ "matter", "load and show matters and their materials" },
	{ "dispute", "objections to a license's data" },
	{ "reconcile", "compare an issuer's register with the library" },
	{ "audit", "read and verify the audit log" },
	{ "export", "publish the trust list and the status list" },
	{ "report", "the supervision report, per department (article 22)" },
	{ "backup", "back up, check and restore the store" },
	{ "serve", "the HTTP/JSON interface and the public pages" },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

/* after the usage lines: the commands, nine a line */
static void
more(FILE *fp)
{
	size_t i;

	fprintf(fp, "%s", ecert_gettext("commands:"));
	for (i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "%s%s", i % 9 == 0 && i > 0 ? "\n         " : " ",
		    commands[i].name);
	fprintf(fp, "\n");
}

static const char *const synopsis[] = {
	"ecert command [argument ...]",
	"ecert help [command]",
	"ecert --version",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.more = more,
	.flags = ECERT_CMD_STOP
};

static int
known(const char *name)
{
	size_t i;

	for (i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return 1;
	return 0;
}

/* Levenshtein distance, for names of a few letters. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j, d[32], prev, tmp;

	if (la > 30 || lb > 30)
		return la > lb ? la : lb;
	for (j = 0; j <= lb; j++)
		d[j] = j;
	for (i = 1; i <= la; i++) {
		prev = d[0];
		d[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = d[j];
			d[j] = a[i - 1] == b[j - 1] ? prev :
			    1 + (prev < d[j - 1] ? (prev < d[j] ? prev : d[j]) :
			    (d[j - 1] < d[j] ? d[j - 1] : d[j]));
			prev = tmp;
		}
	}
	return d[lb];
}

static void __attribute__((noreturn))
unknown(const char *name)
{
	size_t i, best = 0, bd = (size_t)-1, dd;

	for (i = 0; i < NCOMMANDS; i++)
		if ((dd = distance(name, commands[i].name)) < bd) {
			bd = dd;
			best = i;
		}
	if (bd <= 2 || bd * 2 <= strlen(commands[best].name))
		ecert_die(ECERT_USAGE, "%s: not an ecert command; did you mean "
		    "'%s'? (ecert help lists them)", name,
		    commands[best].name);
	ecert_die(ECERT_USAGE, "%s: not an ecert command (ecert help lists "
	    "them)", name);
}

static void
list(void)
{
	size_t i;

	printf("usage: ecert command [argument ...]\n\nThe commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		printf("  %-10s %s\n", commands[i].name, commands[i].what);
	printf("\necert help COMMAND shows a command's manual page;"
	    " ecert COMMAND --help its usage.\n");
	exit(fflush(stdout) == 0 ? 0 : ECERT_IOERR);
}

/* The directory of this binary, or "" when it cannot be told. */
static void
selfdir(char *dir, size_t n)
{
	char *slash;
	ssize_t len;

	len = readlink("/proc/self/exe", dir, n - 1);
	if (len <= 0) {
		*dir = '\0';
		return;
	}
	dir[len] = '\0';
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
}

/* quiet: its stderr thrown away (man's "No manual entry", when the
 * page is found another way) */
static int
run(char *const argv[], int quiet)
{
	pid_t pid;
	int st, null;

	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if (quiet && (null = open("/dev/null", O_WRONLY)) != -1)
			dup2(null, STDERR_FILENO);
		execvp(argv[0], argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * man(1) finds the page when it is installed where man looks; else the
 * page beside the programs: installed (bin/../share/man), in the source
 * tree (build/bin/../../man), or under the compiled share directory.
 */
static void __attribute__((noreturn))
help(const char *name)
{
	char page[64], dir[PATH_MAX], path[PATH_MAX + 128];
	char *man[] = { "man", page, NULL };
	char *manl[] = { "man", "-l", path, NULL };
	const char *where[] = { "%s/../share/man/man1/%s.1",
	    "%s/../../man/man1/%s.1", "%s/../man/man1/%s.1" };
	size_t i;

	if (strchr(name, '/') != NULL || name[0] == '-')
		ecert_usage();
	snprintf(page, sizeof(page), "ecert-%s", name);
	fflush(stdout);
	if (run(man, 1) == 0)
		exit(0);
	/* a site's own ecert-NAME may have its page where man looks */
	if (!known(name))
		unknown(name);
	selfdir(dir, sizeof(dir));
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), where[i], *dir ? dir : ".", page);
		if (access(path, R_OK) == 0)
			exit(run(manl, 0) == 0 ? 0 : ECERT_IOERR);
	}
	ecert_die(ECERT_IOERR, "help %s: no manual page %s.1 found by man(1) "
	    "nor beside the programs in %s", name, page, *dir ? dir : "?");
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	char self[PATH_MAX], path[PATH_MAX + 64];
	char *prog;

	ecert_setprogname(argv[0]);
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (argc < 1)
		ecert_usage();
	if (strcmp(argv[0], "help") == 0) {
		if (argc == 1)
			list();
		if (argc != 2)
			ecert_usage();
		help(argv[1]);
	}
	if (strchr(argv[0], '/') != NULL)
		ecert_usage();
	prog = ecert_xasprintf("ecert-%s", argv[0]);
	argv[0] = prog;
	/* the tools beside this binary come first, then $PATH */
	selfdir(self, sizeof(self));
	if (*self != '\0') {
		snprintf(path, sizeof(path), "%s/%s", self, prog);
		execv(path, argv);
	}
	execvp(prog, argv);
	if (errno == ENOENT)
		unknown(prog + strlen("ecert-"));
	ecert_die(ECERT_IOERR, "%s: %s", prog, strerror(errno));
}
