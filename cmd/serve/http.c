/*
 * http.c: GNU libmicrohttpd under ecert-serve.  A pool of threads, each
 * with its own connection to the store; a request's body is read whole
 * (up to the limit) before anything touches the store, so a slow client
 * never holds the writer.  SIGTERM stops accepting, lets the requests in
 * flight finish, and stops.
 *
 * libmicrohttpd's own timeout (--timeout) is an idle one: each byte that
 * arrives restarts it, so a client that trickles a byte now and then
 * would hold a connection for ever.  Each connection is therefore
 * watched (MHD_OPTION_NOTIFY_CONNECTION) with a deadline for the whole
 * of its request's headers (--header-time, from the connection's
 * opening or the previous answer) and then of its body (--body-time);
 * a watchdog thread shuts down the socket of a connection past its
 * deadline, and libmicrohttpd, reading end of file, closes it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "serve.h"

static pthread_key_t store_key;

enum watch_phase { WATCH_HEADERS, WATCH_BODY, WATCH_ANSWERING };

/* One accepted connection and the deadline of what it is sending. */
struct watched {
	struct watched *prev, *next;
	int fd;
	enum watch_phase phase;
	int cut;
	double deadline;	/* CLOCK_MONOTONIC seconds */
	char remote[64];
};

/* The list is changed only under watch_lock, and a connection leaves it
 * (MHD_CONNECTION_NOTIFY_CLOSED) before libmicrohttpd closes its socket:
 * the watchdog never shuts down a descriptor that is reused. */
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct watched *watch_head;

static void
address_of(struct MHD_Connection *conn, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci != NULL && ci->client_addr != NULL &&
	    ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)
		    ci->client_addr)->sin_addr, out, (socklen_t)n);
	else if (ci != NULL && ci->client_addr != NULL &&
	    ci->client_addr->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)
		    ci->client_addr)->sin6_addr, out, (socklen_t)n);
}

static void
watch_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
    enum MHD_ConnectionNotificationCode toe)
{
	struct serve *sv = cls;
	struct watched *w;
	const union MHD_ConnectionInfo *ci;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(conn,
		    MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL)
			return;
		w = ecert_xmalloc(sizeof(*w));
		memset(w, 0, sizeof(*w));
		w->fd = ci->connect_fd;
		w->phase = WATCH_HEADERS;
		w->deadline = ecert_mono() + sv->cf.header_time;
		address_of(conn, w->remote, sizeof(w->remote));
		pthread_mutex_lock(&watch_lock);
		w->next = watch_head;
		if (watch_head != NULL)
			watch_head->prev = w;
		watch_head = w;
		pthread_mutex_unlock(&watch_lock);
		*socket_context = w;
		return;
	}
	if ((w = *socket_context) == NULL)
		return;
	pthread_mutex_lock(&watch_lock);
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		watch_head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	pthread_mutex_unlock(&watch_lock);
	free(w);
	*socket_context = NULL;
}

/* The connection now sends its body, waits for its answer, or may send
 * its next request's headers: each with its own deadline. */
static void
watch_phase(struct serve *sv, struct MHD_Connection *conn,
    enum watch_phase phase)
{
	const union MHD_ConnectionInfo *ci;
	struct watched *w;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || (w = ci->socket_context) == NULL)
		return;
	pthread_mutex_lock(&watch_lock);
	w->phase = phase;
	w->deadline = ecert_mono() + (phase == WATCH_BODY ? sv->cf.body_time :
	    sv->cf.header_time);
	pthread_mutex_unlock(&watch_lock);
}

static void *
watchdog(void *arg)
{
	struct serve *sv = arg;
	struct watched *w;
	double now;

	for (;;) {
		usleep(200 * 1000);
		now = ecert_mono();
		pthread_mutex_lock(&watch_lock);
		for (w = watch_head; w != NULL; w = w->next) {
			if (w->cut || w->phase == WATCH_ANSWERING ||
			    now < w->deadline)
				continue;
			w->cut = 1;
			shutdown(w->fd, SHUT_RDWR);
			fprintf(stderr, "%s: %s: request %s not complete "
			    "within %u s: connection closed\n", ecert_progname,
			    w->remote[0] ? w->remote : "-",
			    w->phase == WATCH_HEADERS ? "headers" : "body",
			    w->phase == WATCH_HEADERS ? sv->cf.header_time :
			    sv->cf.body_time);
		}
		pthread_mutex_unlock(&watch_lock);
	}
	return NULL;
}

static void
store_free(void *p)
{
	ecert_store_close(p);
}

/* This thread's connection to the store, opened on first use. */
struct ecert_store *
serve_store(struct serve *sv, struct ecert_error *e)
{
	struct ecert_store *s = pthread_getspecific(store_key);

	if (s != NULL)
		return s;
	if (ecert_store_open(ecert_store_default_path(sv->cf.db),
	    sv->cf.store_key, &s, e) != 0)
		return NULL;
	pthread_setspecific(store_key, s);
	return s;
}

const char *
serve_header(struct request *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* Called once per request with the raw target: keep it as sent. */
static void *
request_new(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct request *r = ecert_xmalloc(sizeof(*r));
	char *q;

	(void)cls;
	memset(r, 0, sizeof(*r));
	r->path = ecert_xstrdup(uri);
	if ((q = strchr(r->path, '?')) != NULL) {
		*q = '\0';
		r->query = q + 1;
	}
	r->conn = conn;
	address_of(conn, r->remote, sizeof(r->remote));
	return r;
}

static void
request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct request *r = *con_cls;

	(void)toe;
	/* a kept-alive connection: its next request's headers */
	watch_phase(cls, conn, WATCH_HEADERS);
	if (r == NULL)
		return;
	free(r->path);
	free(r->body);
	free(r);
	*con_cls = NULL;
}

static enum MHD_Result
send_answer(struct serve *sv, struct request *r, struct answer *a)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char exitbuf[8];

	resp = MHD_create_response_from_buffer(a->len, a->body,
	    MHD_RESPMEM_MUST_FREE);
	a->body = NULL;
	if (resp == NULL)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", a->type ? a->type :
	    "application/json; charset=utf-8");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	snprintf(exitbuf, sizeof(exitbuf), "%d", a->exit);
	MHD_add_response_header(resp, "X-Ecert-Exit", exitbuf);
	if (a->etag[0] != '\0')
		MHD_add_response_header(resp, "ETag", a->etag);
	MHD_add_response_header(resp, "Cache-Control", a->cache ? a->cache :
	    "no-store");
	if (a->retry != NULL)
		MHD_add_response_header(resp, "Retry-After", a->retry);
	if (a->ask_signature)
		MHD_add_response_header(resp, "Accept-Signature", "sig1=("
		    "\"@method\" \"@path\" \"@query\" \"content-digest\")"
		    ";created;keyid;nonce;alg=\"ed25519\"");
	if (sv->stopping)
		MHD_add_response_header(resp, "Connection", "close");
	ret = MHD_queue_response(r->conn, a->code, resp);
	MHD_destroy_response(resp);
	/* one line per request; never a body, never a secret */
	fprintf(stderr, "%s: %s %s %s %u %d %s\n", ecert_progname,
	    r->remote[0] ? r->remote : "-", r->method ? r->method : "-",
	    r->path, a->code, a->exit, r->client[0] ? r->client : "-");
	return ret;
}

static void
audit_oversize(struct serve *sv, struct request *r)
{
	struct ecert_error e;
	struct ecert_store *s = serve_store(sv, &e);
	char detail[128];

	if (s == NULL)
		return;
	snprintf(detail, sizeof(detail), "body over %zu bytes from %s",
	    sv->cf.max_body, r->remote);
	ecert_audit(s, NULL, "serve.request", r->path, "rejected", detail);
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *conn, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **con_cls)
{
	struct serve *sv = cls;
	struct request *r = *con_cls;
	struct answer a;
	struct ecert_error e;
	struct ecert_store *s;
	const char *cl;

	(void)url;
	(void)version;
	if (r == NULL)
		return MHD_NO;
	if (r->method == NULL) {
		r->method = method;
		watch_phase(sv, conn, WATCH_BODY);
		cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
		    MHD_HTTP_HEADER_CONTENT_LENGTH);
		if (cl != NULL && strtoull(cl, NULL, 10) > sv->cf.max_body) {
			r->too_big = 1;
			audit_oversize(sv, r);
			memset(&a, 0, sizeof(a));
			answer_error(&a, 413, ECERT_DATAERR, "request body too "
			    "large");
			watch_phase(sv, conn, WATCH_ANSWERING);
			return send_answer(sv, r, &a);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (!r->too_big && r->len + *upload_size > sv->cf.max_body) {
			r->too_big = 1;
			free(r->body);
			r->body = NULL;
			r->len = r->cap = 0;
		}
		if (!r->too_big) {
			if (r->len + *upload_size + 1 > r->cap) {
				r->cap = (r->len + *upload_size + 1) * 2;
				if (r->cap > sv->cf.max_body + 1)
					r->cap = sv->cf.max_body + 1;
				r->body = ecert_xrealloc(r->body, r->cap);
			}
			memcpy(r->body + r->len, upload, *upload_size);
			r->len += *upload_size;
			r->body[r->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	watch_phase(sv, conn, WATCH_ANSWERING);
	memset(&a, 0, sizeof(a));
	if (r->too_big) {
		audit_oversize(sv, r);
		answer_error(&a, 413, ECERT_DATAERR, "request body too large");
	} else if ((s = serve_store(sv, &e)) == NULL)
		answer_error(&a, e.status == ECERT_BUSY ? 503 : 500, e.status,
		    "the store cannot be opened");
	else if (strncmp(r->path, "/v1/", 4) == 0) {
		/* every route writes (at least its audit entry): threads take
		 * turns here rather than in SQLite's busy handler, whose sleeps
		 * are what a waiting request would otherwise see */
		pthread_mutex_lock(&sv->writer);
		serve_route(sv, s, r, &a);
		pthread_mutex_unlock(&sv->writer);
	} else
		serve_route(sv, s, r, &a);
	return send_answer(sv, r, &a);
}

int
serve_run(struct serve *sv)
{
	struct MHD_Daemon *d;
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *info;
	pthread_t dog;
	sigset_t set;
	int sig, waited;

	if (pthread_key_create(&store_key, store_free) != 0)
		ecert_die(ECERT_IOERR, "pthread_key_create: %s",
		    strerror(errno));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)sv->cf.port);
	if (inet_pton(AF_INET, sv->cf.listen, &sin.sin_addr) != 1)
		ecert_die(ECERT_USAGE, "--listen %s: not an IPv4 address",
		    sv->cf.listen);

	/* the threads inherit a mask that leaves SIGTERM to sigwait */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
	    MHD_USE_ERROR_LOG | MHD_USE_EPOLL, 0, NULL, NULL, handle, sv,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)sv->cf.threads,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned int)sv->cf.connections,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned int)sv->cf.per_address,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)sv->cf.timeout,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_URI_LOG_CALLBACK, request_new, (void *)sv,
	    MHD_OPTION_NOTIFY_COMPLETED, request_done, (void *)sv,
	    MHD_OPTION_NOTIFY_CONNECTION, watch_notify, (void *)sv,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned int)1,
	    MHD_OPTION_END);
	if (d == NULL)
		ecert_die(ECERT_IOERR, "cannot listen on %s:%u: %s",
		    sv->cf.listen, sv->cf.port, strerror(errno));
	if (pthread_create(&dog, NULL, watchdog, sv) != 0 ||
	    pthread_detach(dog) != 0)
		ecert_die(ECERT_IOERR, "cannot start the watchdog thread");
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening %s:%u\n", sv->cf.listen,
	    info ? (unsigned)info->port : sv->cf.port);
	fflush(stdout);

	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGTERM || sig == SIGINT)
			break;
	}
	sv->stopping = 1;
	fprintf(stderr, "%s: stopping: finishing the requests in flight\n",
	    ecert_progname);
	MHD_quiesce_daemon(d);
	for (waited = 0; waited < 100; waited++) {
		info = MHD_get_daemon_info(d,
		    MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
		if (info == NULL || info->num_connections == 0)
			break;
		usleep(100 * 1000);
	}
	MHD_stop_daemon(d);
	fprintf(stderr, "%s: stopped\n", ecert_progname);
	return 0;
}
