/* libecert internals shared between lib/ files files. */
#ifndef ECERT_PRIV_H
#define ECERT_PRIV_H

#include "ecert.h"

#define ECERT_BUSY_TIMEOUT_MS 30000

int ecert_bind_text(sqlite3_stmt *st, int i, const char *s);
int ecert_key_parse_pub(const char *b64, unsigned char pk[32]);

#endif
