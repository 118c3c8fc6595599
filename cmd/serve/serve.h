/*
 * serve.h: the parts of ecert-serve, the HTTP/JSON interface to libecert
 * (articles 9, 12, 13, 16).  http.c runs GNU libmicrohttpd and hands each
 * complete request to routes.c; sig.c checks RFC 9421 signatures by
 * the calling systems libecert keeps (lib/serve_store.c).
 */
#ifndef SERVE_H
#define SERVE_H

#include <pthread.h>
#include <time.h>

#include "ecert.h"

#define SERVE_WINDOW 300	/* seconds a "created" may lie in the past */
#define SERVE_SKEW 2		/* ... and in the future (clocks kept by NTP) */
#define SERVE_ALG_SM2 "sm2-sm3"	/* RFC 9421 alg of an SM2 request key */
#define SERVE_REASON_MAX 200	/* characters of a use reason (用证事由) */

struct serve_config {
	const char *db, *store_key, *www, *listen;
	unsigned port;
	size_t max_body;
	unsigned connections, per_address, timeout, threads;
	unsigned header_time, body_time;	/* whole, not idle, seconds */
	long list_seconds;	/* how long a served list is kept */
	long status_hours;	/* the status list's own ttl */
};

/* One cached, signed list (trust or status) with its ETag. */
struct serve_list {
	char *body;
	size_t len;
	char etag[48];
	time_t made;
};

struct serve {
	struct serve_config cf;
	struct ecert_actor *seals;	/* unlocked at start, read only */
	int nseals;
	const struct ecert_actor *platform;
	time_t started;
	pthread_mutex_t lock;		/* nonces and lists */
	pthread_mutex_t writer;		/* one writer at a time in-process */
	struct nonce **nonces;
	size_t nnonce_buckets;
	struct serve_list trust, status;
	char list_cache[64];		/* their Cache-Control */
	volatile int stopping;
};

/* A request as routes.c sees it: everything read, signature checked. */
struct request {
	const char *method;
	char *path;		/* raw, as sent */
	char *query;		/* raw, without '?', or NULL */
	char *body;
	size_t len, cap;
	int too_big;
	char client[65];	/* the signing client, "" when unsigned */
	char unit[19];		/* its unit */
	char remote[64];
	struct MHD_Connection *conn;
};

/* An answer: status, type, body (malloc'd), the exit status it maps from,
 * and an optional ETag and Cache-Control. */
struct answer {
	unsigned code;
	int exit;
	const char *type;
	char *body;
	size_t len;
	char etag[48];
	const char *cache;
	const char *retry;
	int ask_signature;	/* a 401: say what to sign (RFC 9421 5.1) */
};

/* http.c */
int serve_run(struct serve *sv);
struct ecert_store *serve_store(struct serve *sv, struct ecert_error *e);
const char *serve_header(struct request *r, const char *name);

/* sig.c */
int serve_sig_check(struct serve *sv, struct ecert_store *s,
    struct request *r, char *why, size_t n);
void serve_nonces_free(struct serve *sv);

/* routes.c */
void serve_route(struct serve *sv, struct ecert_store *s, struct request *r,
    struct answer *out);
void answer_json(struct answer *out, unsigned code, int exit,
    const json_t *v);
void answer_error(struct answer *out, unsigned code, int exit,
    const char *msg);

#endif
