/*
 * share.c: where the shipped data (templates, catalog, matters, holiday
 * calendars) is found at run time, so that an installed tree can be moved
 * or installed under another prefix than it was built for: $ECERT_SHARE,
 * else share/ecert beside the program's bin/ (../share/ecert from the
 * program's own folder, as `make install` lays them out), else the folder
 * compiled in.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ecert_priv.h"

#ifndef ECERT_SHAREDIR
#define ECERT_SHAREDIR "/usr/local/share/ecert"
#endif

/* The folder of the running program, in out: 0, or -1 when unknown. */
int
ecert_exe_dir(char *out, size_t n)
{
	ssize_t len;
	char *slash;

	len = readlink("/proc/self/exe", out, n - 1);
	if (len <= 0 || (size_t)len >= n - 1)
		return -1;
	out[len] = '\0';
	if ((slash = strrchr(out, '/')) == NULL)
		return -1;
	*slash = '\0';
	return 0;
}

const char *
ecert_share_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("ECERT_SHARE");
	char exe[PATH_MAX], *beside;
	struct stat sb;

	if (env != NULL && env[0] != '\0')
		return env;
	if (dir[0] != '\0')
		return dir;
	snprintf(dir, sizeof(dir), "%s", ECERT_SHAREDIR);
	if (ecert_exe_dir(exe, sizeof(exe)) != 0)
		return dir;
	beside = ecert_xasprintf("%s/../share/ecert", exe);
	if (stat(beside, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    realpath(beside, exe) != NULL)
		snprintf(dir, sizeof(dir), "%s", exe);
	free(beside);
	return dir;
}
