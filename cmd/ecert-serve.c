/*
 * ecert-serve: libecert over HTTP/JSON for the systems of issuing
 * departments and using units (articles 9, 13, 4(三)), the public query
 * (article 12) and the scan-to-verify pages (article 16).  Meant to sit
 * behind a TLS reverse proxy.  `ecert-serve client ...` registers the
 * calling systems and their request keys.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd.h"
#include "serve.h"

static int
print_client(const json_t *c, void *arg)
{
	struct ecert_table *t = arg;
	const char *cells[4];

	if (t == NULL) {
		ecert_print_json(c);
		return 0;
	}
	cells[0] = ecert_json_str(c, "id");
	cells[1] = ecert_json_str(c, "unit");
	cells[2] = ecert_json_str(c, "added_at");
	cells[3] = ecert_json_str(c, "revoked_at") ? ecert_json_str(c,
	    "revoked_at") : "";
	ecert_table_add(t, cells);
	return 0;
}

enum { CLIENT_ADD, CLIENT_REVOKE, CLIENT_LIST };
static const char *const client_verbs[] = { "add", "revoke", "list", NULL };
static const char *client_id, *client_unit, *pubkey, *alg;

static const struct ecert_cmd_opt client_options[] = {
	ECERT_OPT_STR("id", 0, "id", &client_id, "the calling system's name"),
	ECERT_OPT_VAL("unit", 0, "uscc", &client_unit, ECERT_VAL_UNIT,
	    "add: the unit it acts for"),
	ECERT_OPT_STR("public-key", 0, "base64", &pubkey,
	    "add: its request key's public half"),
	ECERT_OPT_STR("alg", 0, "ed25519|sm2", &alg, "add: that key's algorithm"),
	ECERT_OPT_END
};

static const char *const client_synopsis[] = {
	"ecert-serve client add -k platformkey --id id --unit uscc "
	"[--alg ed25519|sm2]",
	"                   --public-key base64",
	"ecert-serve client revoke -k platformkey --id id",
	"ecert-serve client list [--json | --table]",
	NULL
};

static const struct ecert_cmd client_command = {
	.usage = client_synopsis,
	.verbs = client_verbs,
	.common = ECERT_COMMON_ALL,
	.opts = client_options
};

static int
client_list(const struct ecert_opts *o)
{
	static const char *headers[] = { "ID", "UNIT", "ADDED", "REVOKED" };
	struct ecert_table *t = NULL;
	struct ecert_store *s;
	struct ecert_error e;
	int rc;

	s = ecert_opts_store(o);
	if (ecert_want_table(o->json, o->table))
		t = ecert_table_new(4, headers);
	rc = ecert_client_list(s, print_client, t, &e);
	ecert_table_done(t);
	ecert_store_close(s);
	if (rc != 0)
		ecert_die_error(&e);
	return 0;
}

/* ecert-serve client ...: the calling systems and their request keys */
static int
client_main(int argc, char **argv)
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	int verb, rc;

	verb = ecert_cmd_parse(&client_command, &o, &argc, &argv);
	if (argc != 0 || (verb == CLIENT_LIST && (client_id || client_unit ||
	    pubkey || alg)) || (verb == CLIENT_ADD && (client_id == NULL ||
	    client_unit == NULL || pubkey == NULL)) ||
	    (verb == CLIENT_REVOKE && (client_id == NULL || client_unit ||
	    pubkey || alg)))
		ecert_usage();
	if (verb == CLIENT_LIST)
		return client_list(&o);
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	if (alg != NULL && strcmp(alg, "ed25519") != 0 &&
	    strcmp(alg, "sm2") != 0)
		ecert_die(ECERT_USAGE, "--alg %s: ed25519 or sm2", alg);
	rc = verb == CLIENT_ADD ? ecert_client_add(s, &a, client_id,
	    client_unit, alg, pubkey, &e) : ecert_client_revoke(s, &a,
	    client_id, &e);
	ecert_key_wipe(&a.key);
	ecert_store_close(s);
	if (rc != 0)
		ecert_die_error(&e);
	printf("%s %s\n", client_id, verb == CLIENT_ADD ? "added" :
	    "revoked");
	return 0;
}

/* --seal keyfile:passfile, split at the last colon. */
static void
load_seal(struct serve *sv, struct ecert_store *s, const char *arg)
{
	struct ecert_error e;
	struct ecert_actor *a;
	char *key = ecert_xstrdup(arg), *colon = strrchr(key, ':');
	int i;

	if (colon == NULL || colon == key || colon[1] == '\0')
		ecert_die(ECERT_USAGE, "--seal %s: expected keyfile:passfile",
		    arg);
	*colon = '\0';
	sv->seals = ecert_xrealloc(sv->seals, (size_t)(sv->nseals + 1) *
	    sizeof(*sv->seals));
	a = &sv->seals[sv->nseals];
	if (ecert_actor_load(s, key, colon + 1, a, &e) != 0) {
		ecert_store_close(s);
		ecert_die(e.status, "--seal %s: %s", key, e.msg);
	}
	for (i = 0; i < sv->nseals; i++)
		if (strcmp(sv->seals[i].unit, a->unit) == 0)
			ecert_die(ECERT_USAGE, "--seal %s: a second seal of "
			    "unit %s", key, a->unit);
	ecert_audit(s, a->unit, "serve.seal", a->key.key_id, "ok",
	    "unlocked by ecert-serve");
	sv->nseals++;
	free(key);
}

static struct serve sv = { .cf = {
	.listen = "127.0.0.1", .port = 8080, .max_body = 8 * 1024 * 1024,
	.connections = 256, .per_address = 32, .timeout = 15,
	.header_time = 10, .body_time = 60, .threads = 4, .list_seconds = 60,
	.status_hours = 48 } };
static const char **seals;
static int nseals;

static void
add_seal(const char *arg, void *var)
{
	(void)var;
	seals = ecert_xrealloc(seals, (size_t)(nseals + 1) * sizeof(*seals));
	seals[nseals++] = arg;
}

static const struct ecert_cmd_opt options[] = {
	ECERT_OPT_STR("listen", 0, "addr", &sv.cf.listen,
	    "the address (default 127.0.0.1)"),
	ECERT_OPT_NUM("port", 0, "n", &sv.cf.port, 0, 65535,
	    "the port (default 8080)"),
	ECERT_OPT_CALL("seal", 0, "keyfile:passfile", add_seal, NULL,
	    "a unit's key, to sign for it; again for more"),
	ECERT_OPT_VAL("www", 0, "dir", &sv.cf.www, ECERT_VAL_DIR,
	    "the public pages (default share/www)"),
	ECERT_OPT_NUM("max-body", 0, "bytes", &sv.cf.max_body, 1024,
	    1024 * 1024 * 1024, "the largest request body"),
	ECERT_OPT_NUM("connections", 0, "n", &sv.cf.connections, 1, 100000,
	    "connections at most"),
	ECERT_OPT_NUM("per-address", 0, "n", &sv.cf.per_address, 1, 100000,
	    "connections from one address at most"),
	ECERT_OPT_NUM("timeout", 0, "seconds", &sv.cf.timeout, 1, 3600,
	    "an idle connection is closed after"),
	ECERT_OPT_NUM("header-time", 0, "seconds", &sv.cf.header_time, 1,
	    3600, "the whole header must come within"),
	ECERT_OPT_NUM("body-time", 0, "seconds", &sv.cf.body_time, 1, 86400,
	    "the whole body must come within"),
	ECERT_OPT_NUM("threads", 0, "n", &sv.cf.threads, 1, 256,
	    "worker threads"),
	ECERT_OPT_NUM("list-seconds", 0, "n", &sv.cf.list_seconds, 1, 86400,
	    "how long a served list is kept"),
	ECERT_OPT_NUM("status-ttl", 0, "hours", &sv.cf.status_hours, 1, 744,
	    "the served status list's own ttl"),
	ECERT_OPT_END
};

static const char *const synopsis[] = {
	"ecert-serve [--listen addr] [--port n] [--seal keyfile:passfile ...]",
	"            [--www dir] [--max-body bytes] [--connections n]",
	"            [--per-address n] [--timeout seconds] "
	"[--header-time seconds]",
	"            [--body-time seconds] [--threads n] [--list-seconds n]",
	"            [--status-ttl hours]",
	"ecert-serve client (add | revoke | list) ...",
	NULL
};

static const struct ecert_cmd command = {
	.usage = synopsis,
	.common = ECERT_COMMON_STORE,
	.opts = options
};

/*
 * Serves until SIGTERM or SIGINT.
 */
static void
run(struct serve *srv)
{
	int i;

	/*
	 * A replay across a restart: the nonces die with the process, and
	 * a predecessor that stopped at most now accepted requests created up
	 * to now + SERVE_SKEW.  Refusing everything created before "started",
	 * and starting only once the clock has passed it, leaves none of
	 * those acceptable again.
	 */
	srv->started = time(NULL) + SERVE_SKEW + 1;
	while (time(NULL) < srv->started)
		usleep(100 * 1000);
	pthread_mutex_init(&srv->lock, NULL);
	pthread_mutex_init(&srv->writer, NULL);
	srv->nnonce_buckets = 4096;
	srv->nonces = calloc(srv->nnonce_buckets, sizeof(*srv->nonces));
	if (srv->nonces == NULL)
		ecert_die(ECERT_IOERR, "out of memory");
	serve_run(srv);

	for (i = 0; i < srv->nseals; i++)
		ecert_key_wipe(&srv->seals[i].key);
	free(srv->seals);
	serve_nonces_free(srv);
	free(srv->trust.body);
	free(srv->status.body);
}

int
main(int argc, char *argv[])
{
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	static char wwwdir[4096];
	struct stat st;
	int i;

	ecert_setprogname(argv[0]);
	if (argc > 1 && strcmp(argv[1], "client") == 0)
		return client_main(argc - 1, argv + 1);
	snprintf(wwwdir, sizeof(wwwdir), "%s/www", ecert_share_dir());
	sv.cf.www = stat(wwwdir, &st) == 0 ? wwwdir : NULL;
	ecert_cmd_parse(&command, &o, &argc, &argv);
	if (argc != 0)
		ecert_usage();
	sv.cf.db = o.db;
	sv.cf.store_key = o.store_key;
	snprintf(sv.list_cache, sizeof(sv.list_cache), "public, max-age=%ld",
	    sv.cf.list_seconds);
	/* seals unlocked once, before the first request */
	s = ecert_opts_store(&o);
	for (i = 0; i < nseals; i++)
		load_seal(&sv, s, seals[i]);
	for (i = 0; i < sv.nseals; i++)
		if (sv.seals[i].roles & ECERT_ROLE_ADMIN)
			sv.platform = &sv.seals[i];
	ecert_store_close(s);
	free(seals);
	run(&sv);
	return 0;
}
