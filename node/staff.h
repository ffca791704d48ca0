/*
 * staff.h — who may see what on a node's dashboard (docs/ACCESS.md): the
 * roles as data, staff accounts with scrypt password hashes, API tokens,
 * and the masking of party names for roles that have no need of them.
 * The accounts live in the node's database (store_staff.c); the sessions
 * in the dashboard (dashboard_auth.c).
 */
#ifndef COURTSYNC_STAFF_H
#define COURTSYNC_STAFF_H

#include <stdbool.h>
#include <stddef.h>

#include "store.h"

#define STAFF_TOKEN_LEN		68	/* "cst_" + 64 hex */
#define STAFF_MIN_PASSWORD	10	/* bytes */
#define STAFF_MAX_PASSWORD	256

struct staff_role {
	const char	*name;		/* clerk, supervisor, viewer, auditor */
	const char	*zh;		/* 书记员/承办人 … */
	bool		 own_court;	/* scope is the node's own court */
	bool		 names;		/* sees party names unmasked */
	bool		 ack;		/* may acknowledge warnings */
	bool		 cases;		/* case pages and the warning list */
	bool		 proofs;	/* /proof: the signed entries verbatim */
};

/* The role called name, or NULL. */
const struct staff_role *staff_role(const char *name);
/* "clerk, supervisor, viewer, auditor", for messages. */
const char *staff_role_names(void);

/* A login: 1-32 of [a-z0-9._-], starting with a letter or digit. */
bool	staff_name_valid(const char *name);
/* Checks a role and scope for an account on the node of court `self`:
 * the scope a court path within self's subtree; own_court roles only
 * self.  0, or -1 with err. */
int	staff_scope_check(const struct staff_role *role, const char *self,
	    const char *scope, char *err, size_t errlen);

/* The stored form of a password: "$scrypt$ln=15,r=8,p=1$SALT$HASH"
 * (base64).  Refuses passwords shorter than STAFF_MIN_PASSWORD bytes or
 * longer than STAFF_MAX_PASSWORD.  0, or -1 with err. */
int	staff_password_hash(const char *pw, char out[STAFF_PW_MAX],
	    char *err, size_t errlen);
/* Whether pw matches the stored form (constant time in the hash). */
bool	staff_password_ok(const char *pw, const char *stored);
/* Spends the time of one password check (for unknown users). */
void	staff_password_burn(const char *pw);

/* A new API token (STAFF_TOKEN_LEN chars + NUL) and the hex SHA-256 under
 * which it is stored.  0 or -1. */
int	staff_token_new(char token[STAFF_TOKEN_LEN + 1], char hash[65]);
/* The stored hash of a presented token; false if it is not one. */
bool	staff_token_hash(const char *token, char hash[65]);

/* Masks a party's name (docs/ACCESS.md "Masking"): 张三 → 张某,
 * 欧阳小明 → 欧阳某, 陇南某某建材有限公司 → 某公司, 中国农业银行 →
 * 某银行.  In place; "" stays "". */
void	staff_mask_name(char *name, size_t cap);

#endif
