/*
 * change.c: one change to the store, whole or not at all.  Every program
 * that changes something takes the same steps: ecert_begin, the change,
 * then ecert_change_end with what the change gave: a commit, or, when
 * the change or its commit failed, a rollback and the refusal audited
 * (article 20: refusals are audited as accesses are).  The refusal's
 * entry is written after the rollback, so that it survives it.
 */
#include "ecert_priv.h"

int
ecert_change_end(struct ecert_store *s, int rc, const char *unit,
    const char *action, const char *object, struct ecert_error *e)
{
	if (rc == 0 && (rc = ecert_commit(s, e)) == 0)
		return 0;
	ecert_rollback(s);
	ecert_audit_refusal(s, unit, action, object, e);
	return rc;
}
