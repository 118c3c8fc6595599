/*
 * license_priv.h: what license.c, issue.c, verify.c and lifecycle.c share
 * and nothing else uses.
 */
#ifndef LICENSE_PRIV_H
#define LICENSE_PRIV_H

/* The row's clear columns, for checking against the signed document. */
struct license_row {
	char id[160], type[32], number[260], issuer[19], holder_name[800];
	char holder_code[19], holder_hash[65], issue_date[11], valid_from[11];
	char valid_until[11], status[16], key_id[17], signature[89];
	char drafted_by[64], review[600];
	int version;
	char *canon;		/* the opened document */
};

int lic_check_text(const char *field, const char *v, size_t max,
    int multiline, struct ecert_error *e);
int lic_row_load(struct ecert_store *s, const char *id, struct license_row *r,
    struct ecert_error *e);
const char *lic_row_tampered(struct ecert_store *s,
    const struct license_row *r, const json_t *doc, char *why, size_t whyn);
int lic_sign_prepared(const struct ecert_store *s,
    const struct ecert_actor *a, const json_t *type,
    struct ecert_prepared *p, struct ecert_error *e);

#endif
