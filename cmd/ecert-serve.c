/*
 * ecert-serve: libecert over HTTP/JSON for the systems of issuing
 * departments and using units (articles 9, 13, 4(三)), the public query
 * (article 12) and the scan-to-verify pages (article 16).  Meant to sit
 * behind a TLS reverse proxy.  `ecert-serve client ...` registers the
 * calling systems and their request keys.
 */
#include <getopt.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "serve.h"

static void
usage(void)
{
	fprintf(ecert_usage_stream(),
	    "usage: ecert-serve [-d file] [--store-key file] [--listen addr] "
	    "[--port n]\n"
	    "                   [--seal keyfile:passfile ...] [--www dir] "
	    "[--max-body bytes]\n"
	    "                   [--connections n] [--per-address n] "
	    "[--timeout seconds]\n"
	    "                   [--header-time seconds] [--body-time seconds]\n"
	    "                   [--threads n] [--list-seconds n] "
	    "[--status-ttl hours]\n"
	    "       ecert-serve client add -k platformkey --id id --unit uscc "
	    "[--alg ed25519|sm2]\n"
	    "                   --public-key base64\n"
	    "       ecert-serve client revoke -k platformkey --id id\n"
	    "       ecert-serve client list [--json | --table]\n"
	    "common: [-d file] [--store-key file] [--passphrase-file file]\n");
	ecert_usage_exit();
}

static unsigned long
number(const char *opt, const char *arg, unsigned long lo, unsigned long hi)
{
	char *end;
	unsigned long v = strtoul(arg, &end, 10);

	if (*arg == '\0' || *end != '\0' || v < lo || v > hi)
		ecert_die(ECERT_USAGE, "--%s %s: a number from %lu to %lu", opt,
		    arg, lo, hi);
	return v;
}

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

static int
client_main(int argc, char **argv)
{
	enum { OPT_ID = ECERT_OPT_FIRST_OWN, OPT_UNIT, OPT_PUBKEY, OPT_ALG };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "id", required_argument, NULL, OPT_ID },
		{ "unit", required_argument, NULL, OPT_UNIT },
		{ "public-key", required_argument, NULL, OPT_PUBKEY },
		{ "alg", required_argument, NULL, OPT_ALG },
		{ NULL, 0, NULL, 0 }
	};
	static const char *headers[] = { "ID", "UNIT", "ADDED", "REVOKED" };
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	struct ecert_actor a;
	struct ecert_error e;
	struct ecert_table *t = NULL;
	const char *verb, *id = NULL, *unit = NULL, *pubkey = NULL;
	const char *alg = NULL;
	int c, rc;

	verb = ecert_take_verb(&argc, &argv, "d:k:h", longopts);
	if (verb == NULL)
		usage();
	while ((c = getopt_long(argc, argv, "d:k:h", longopts, NULL)) != -1) {
		if (ecert_common_opt(&o, c, optarg))
			continue;
		switch (c) {
		case OPT_ID: id = optarg; break;
		case OPT_UNIT: unit = optarg; break;
		case OPT_PUBKEY: pubkey = optarg; break;
		case OPT_ALG: alg = optarg; break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	if (strcmp(verb, "list") == 0) {
		if (id || unit || pubkey || alg)
			usage();
		s = ecert_opts_store(&o);
		if (ecert_want_table(o.json, o.table))
			t = ecert_table_new(4, headers);
		rc = serve_client_list(s, print_client, t, &e);
		if (t != NULL) {
			ecert_table_print(t, stdout);
			ecert_table_free(t);
		}
		ecert_store_close(s);
		if (rc != 0)
			ecert_die_error(&e);
		return 0;
	}
	if (strcmp(verb, "add") == 0) {
		if (id == NULL || unit == NULL || pubkey == NULL)
			usage();
	} else if (strcmp(verb, "revoke") == 0) {
		if (id == NULL || unit || pubkey || alg)
			usage();
	} else
		usage();
	s = ecert_opts_store(&o);
	ecert_opts_actor(s, &o, &a);
	if (alg != NULL && strcmp(alg, "ed25519") != 0 &&
	    strcmp(alg, "sm2") != 0)
		ecert_die(ECERT_USAGE, "--alg %s: ed25519 or sm2", alg);
	rc = strcmp(verb, "add") == 0 ? serve_client_add(s, &a, id, unit,
	    alg, pubkey, &e) : serve_client_revoke(s, &a, id, &e);
	ecert_key_wipe(&a.key);
	ecert_store_close(s);
	if (rc != 0)
		ecert_die_error(&e);
	printf("%s %s\n", id, strcmp(verb, "add") == 0 ? "added" : "revoked");
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

int
main(int argc, char *argv[])
{
	enum { OPT_LISTEN = ECERT_OPT_FIRST_OWN, OPT_PORT, OPT_SEAL, OPT_WWW,
	    OPT_MAX_BODY, OPT_CONNECTIONS, OPT_PER_ADDRESS, OPT_TIMEOUT,
	    OPT_THREADS, OPT_LIST_SECONDS, OPT_STATUS_TTL, OPT_HEADER_TIME,
	    OPT_BODY_TIME };
	static const struct option longopts[] = {
		ECERT_COMMON_LONGOPTS,
		{ "listen", required_argument, NULL, OPT_LISTEN },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "seal", required_argument, NULL, OPT_SEAL },
		{ "www", required_argument, NULL, OPT_WWW },
		{ "max-body", required_argument, NULL, OPT_MAX_BODY },
		{ "connections", required_argument, NULL, OPT_CONNECTIONS },
		{ "per-address", required_argument, NULL, OPT_PER_ADDRESS },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "header-time", required_argument, NULL, OPT_HEADER_TIME },
		{ "body-time", required_argument, NULL, OPT_BODY_TIME },
		{ "threads", required_argument, NULL, OPT_THREADS },
		{ "list-seconds", required_argument, NULL, OPT_LIST_SECONDS },
		{ "status-ttl", required_argument, NULL, OPT_STATUS_TTL },
		{ NULL, 0, NULL, 0 }
	};
	static struct serve sv;
	struct ecert_opts o = { 0 };
	struct ecert_store *s;
	const char **seals = NULL;
	static char wwwdir[4096];
	struct stat st;
	int c, i, nseals = 0;

	ecert_setprogname(argv[0]);
	if (argc > 1 && strcmp(argv[1], "client") == 0)
		return client_main(argc - 1, argv + 1);
	sv.cf.listen = "127.0.0.1";
	sv.cf.port = 8080;
	sv.cf.max_body = 8 * 1024 * 1024;
	sv.cf.connections = 256;
	sv.cf.per_address = 32;
	sv.cf.timeout = 15;
	sv.cf.header_time = 10;
	sv.cf.body_time = 60;
	sv.cf.threads = 4;
	sv.cf.list_seconds = 60;
	sv.cf.status_hours = 48;
	snprintf(wwwdir, sizeof(wwwdir), "%s/www", ecert_share_dir());
	sv.cf.www = stat(wwwdir, &st) == 0 ? wwwdir : NULL;
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': ecert_help_wanted = 1; usage(); break;
		case ECERT_OPT_VERSION: ecert_print_version(); break;
		case 'd': o.db = optarg; break;
		case ECERT_OPT_STORE_KEY: o.store_key = optarg; break;
		case OPT_LISTEN: sv.cf.listen = optarg; break;
		case OPT_PORT:
			sv.cf.port = (unsigned)number("port", optarg, 0, 65535);
			break;
		case OPT_SEAL:
			seals = ecert_xrealloc(seals, (size_t)(nseals + 1) *
			    sizeof(*seals));
			seals[nseals++] = optarg;
			break;
		case OPT_WWW: sv.cf.www = optarg; break;
		case OPT_MAX_BODY:
			sv.cf.max_body = number("max-body", optarg, 1024,
			    1024UL * 1024 * 1024);
			break;
		case OPT_CONNECTIONS:
			sv.cf.connections = (unsigned)number("connections",
			    optarg, 1, 100000);
			break;
		case OPT_PER_ADDRESS:
			sv.cf.per_address = (unsigned)number("per-address",
			    optarg, 1, 100000);
			break;
		case OPT_TIMEOUT:
			sv.cf.timeout = (unsigned)number("timeout", optarg, 1,
			    3600);
			break;
		case OPT_HEADER_TIME:
			sv.cf.header_time = (unsigned)number("header-time",
			    optarg, 1, 3600);
			break;
		case OPT_BODY_TIME:
			sv.cf.body_time = (unsigned)number("body-time",
			    optarg, 1, 86400);
			break;
		case OPT_THREADS:
			sv.cf.threads = (unsigned)number("threads", optarg, 1,
			    256);
			break;
		case OPT_LIST_SECONDS:
			sv.cf.list_seconds = (long)number("list-seconds",
			    optarg, 1, 86400);
			break;
		case OPT_STATUS_TTL:
			sv.cf.status_hours = (long)number("status-ttl", optarg,
			    1, 744);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
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

	/*
	 * A replay across a restart: the nonces die with the process, and
	 * a predecessor that stopped at most now accepted requests created up
	 * to now + SERVE_SKEW.  Refusing everything created before "started",
	 * and starting only once the clock has passed it, leaves none of
	 * those acceptable again.
	 */
	sv.started = time(NULL) + SERVE_SKEW + 1;
	while (time(NULL) < sv.started)
		usleep(100 * 1000);
	pthread_mutex_init(&sv.lock, NULL);
	pthread_mutex_init(&sv.writer, NULL);
	sv.nnonce_buckets = 4096;
	sv.nonces = calloc(sv.nnonce_buckets, sizeof(*sv.nonces));
	if (sv.nonces == NULL)
		ecert_die(ECERT_IOERR, "out of memory");
	serve_run(&sv);

	for (i = 0; i < sv.nseals; i++)
		ecert_key_wipe(&sv.seals[i].key);
	free(sv.seals);
	serve_nonces_free(&sv);
	free(sv.trust.body);
	free(sv.status.body);
	return 0;
}
