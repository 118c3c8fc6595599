/* ecert: `ecert issue ...` runs `ecert-issue ...`, as git runs its tools. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "ecert.h"

static void
usage(void)
{
	fprintf(stderr, "usage: ecert command [argument ...]\n"
	    "commands: init unit catalog issue import amend show verify revoke\n"
	    "          expire query grant use matter dispute reconcile audit "
	    "export\n"
	    "          serve\n");
	exit(ECERT_USAGE);
}

int
main(int argc, char *argv[])
{
	char self[PATH_MAX], path[PATH_MAX + 64], *slash;
	char *prog;
	ssize_t n;

	ecert_setprogname(argv[0]);
	if (argc < 2 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)
		usage();
	if (strchr(argv[1], '/') != NULL || argv[1][0] == '-')
		usage();
	prog = ecert_xasprintf("ecert-%s", argv[1]);
	argv[1] = prog;
	/* the tools beside this binary come first, then $PATH */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/%s", self, prog);
			execv(path, argv + 1);
		}
	}
	execvp(prog, argv + 1);
	ecert_die(errno == ENOENT ? ECERT_USAGE : ECERT_IOERR, "%s: %s", prog,
	    strerror(errno));
}
