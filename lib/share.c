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

const char *
ecert_share_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("ECERT_SHARE");
	char exe[PATH_MAX], *slash, *beside;
	struct stat sb;
	ssize_t n;

	if (env != NULL && env[0] != '\0')
		return env;
	if (dir[0] != '\0')
		return dir;
	snprintf(dir, sizeof(dir), "%s", ECERT_SHAREDIR);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n <= 0 || (size_t)n >= sizeof(exe) - 1)
		return dir;
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return dir;
	*slash = '\0';
	beside = ecert_xasprintf("%s/../share/ecert", exe);
	if (stat(beside, &sb) == 0 && S_ISDIR(sb.st_mode) &&
	    realpath(beside, exe) != NULL)
		snprintf(dir, sizeof(dir), "%s", exe);
	free(beside);
	return dir;
}
