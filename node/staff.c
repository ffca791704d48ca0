/*
 * staff.c — roles, account names and scopes, scrypt password hashes, API
 * tokens, and masking (staff.h; docs/ACCESS.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "courtsync/crypto.h"
#include "courtsync/path.h"
#include "courtsync/utf8.h"
#include "staff.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

/* scrypt cost: N = 2^15, r = 8, p = 1: 32 MiB and ~0.1 s a check. */
#define PW_LOG2N	15
#define PW_R		8
#define PW_P		1
#define PW_SALT		16
#define PW_KEY		32

static const struct staff_role roles[] = {
	/* name, zh, own_court, names, ack, cases, proofs */
	{ "clerk", "承办人员", true, true, false, true, false },
	{ "supervisor", "专人监管", false, true, true, true, true },
	{ "viewer", "查看", false, false, false, true, false },
	{ "auditor", "审计", false, false, false, false, true },
};

const struct staff_role *
staff_role(const char *name)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (strcmp(roles[i].name, name) == 0)
			return &roles[i];
	return NULL;
}

const char *
staff_role_names(void)
{
	return "clerk, supervisor, viewer, auditor";
}

bool
staff_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > STAFF_NAME_MAX - 1)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-')))
			return false;
	}
	return true;
}

int
staff_scope_check(const struct staff_role *role, const char *self,
    const char *scope, char *err, size_t errlen)
{
	if (!court_path_valid(scope)) {
		ERR("scope: \"%s\" is not a court path", scope);
		return -1;
	}
	if (!court_path_covers(self, scope)) {
		ERR("scope: %s is not within this node's court %s", scope,
		    self);
		return -1;
	}
	if (role->own_court && strcmp(scope, self) != 0) {
		ERR("scope: a %s sees only this node's own court (%s)",
		    role->name, self);
		return -1;
	}
	return 0;
}

int
staff_password_hash(const char *pw, char out[STAFF_PW_MAX], char *err,
    size_t errlen)
{
	uint8_t salt[PW_SALT], key[PW_KEY];
	char s64[32], k64[64];
	size_t n = strlen(pw);

	if (n < STAFF_MIN_PASSWORD || n > STAFF_MAX_PASSWORD) {
		ERR("the password must be %d to %d bytes long",
		    STAFF_MIN_PASSWORD, STAFF_MAX_PASSWORD);
		return -1;
	}
	if (crypto_random(salt, sizeof(salt)) == -1 ||
	    crypto_scrypt(pw, n, salt, sizeof(salt), PW_LOG2N, PW_R, PW_P, key,
	    sizeof(key)) == -1 ||
	    crypto_base64_encode(salt, sizeof(salt), s64, sizeof(s64)) == -1 ||
	    crypto_base64_encode(key, sizeof(key), k64, sizeof(k64)) == -1) {
		ERR("cannot hash the password (scrypt)");
		return -1;
	}
	snprintf(out, STAFF_PW_MAX, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", PW_LOG2N,
	    PW_R, PW_P, s64, k64);
	crypto_wipe(key, sizeof(key));
	return 0;
}

bool
staff_password_ok(const char *pw, const char *stored)
{
	unsigned ln, r, p;
	char s64[64], k64[96];
	uint8_t salt[64], want[64], got[64];
	int ns, nk;
	bool ok;

	if (sscanf(stored, "$scrypt$ln=%u,r=%u,p=%u$%63[^$]$%95s", &ln, &r, &p,
	    s64, k64) != 5 || ln > 20 || r > 16 || p > 4)
		return false;
	ns = crypto_base64_decode(s64, strlen(s64), salt, sizeof(salt));
	nk = crypto_base64_decode(k64, strlen(k64), want, sizeof(want));
	if (ns <= 0 || nk <= 0 || crypto_scrypt(pw, strlen(pw), salt,
	    (size_t)ns, ln, r, p, got, (size_t)nk) == -1)
		return false;
	ok = crypto_equal(got, want, (size_t)nk);
	crypto_wipe(got, sizeof(got));
	return ok;
}

void
staff_password_burn(const char *pw)
{
	uint8_t salt[PW_SALT] = { 0 }, key[PW_KEY];

	(void)crypto_scrypt(pw, strlen(pw), salt, sizeof(salt), PW_LOG2N, PW_R,
	    PW_P, key, sizeof(key));
}

int
staff_token_new(char token[STAFF_TOKEN_LEN + 1], char hash[65])
{
	uint8_t raw[32];

	if (crypto_random(raw, sizeof(raw)) == -1)
		return -1;
	memcpy(token, "cst_", 4);
	crypto_hex(raw, sizeof(raw), token + 4);
	crypto_wipe(raw, sizeof(raw));
	return staff_token_hash(token, hash) ? 0 : -1;
}

bool
staff_token_hash(const char *token, char hash[65])
{
	uint8_t h[CS_HASH_LEN];

	if (strlen(token) != STAFF_TOKEN_LEN || strncmp(token, "cst_", 4) != 0)
		return false;
	for (const char *p = token + 4; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	crypto_sha256(token, STAFF_TOKEN_LEN, h);
	crypto_hex(h, sizeof(h), hash);
	return true;
}

/* ---- masking ---- */

/* Organisation suffixes, longest first within a family: the mask is 某
 * followed by the second column. */
static const char *const org_suffixes[][2] = {
	{ "公司", "公司" }, { "银行", "银行" }, { "合作社", "合作社" },
	{ "集团", "集团" }, { "委员会", "委员会" }, { "协会", "协会" },
	{ "医院", "医院" }, { "学校", "学校" }, { "中心", "中心" },
	{ "商行", "商行" }, { "经营部", "经营部" }, { "工作室", "工作室" },
	{ "厂", "厂" }, { "店", "店" }, { "局", "局" }, { "所", "所" },
};

/* Two-character surnames kept whole (the common ones). */
static const char *const compound_surnames[] = {
	"欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙",
	"慕容", "令狐", "司徒", "夏侯", "长孙", "宇文", "轩辕", "端木",
	"独孤", "南宫", "西门", "呼延",
};

static bool
ends_with(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n > k && memcmp(s + n - k, suf, k) == 0;
}

void
staff_mask_name(char *name, size_t cap)
{
	size_t n = strlen(name), k;
	char out[64];

	if (n == 0 || cap == 0)
		return;
	for (size_t i = 0; i < sizeof(org_suffixes) / sizeof(org_suffixes[0]);
	    i++) {
		if (ends_with(name, n, org_suffixes[i][0])) {
			snprintf(out, sizeof(out), "某%s", org_suffixes[i][1]);
			cs_strlcpy(name, out, cap);
			return;
		}
	}
	for (size_t i = 0; i < sizeof(compound_surnames) /
	    sizeof(compound_surnames[0]); i++) {
		k = strlen(compound_surnames[i]);
		if (n > k && memcmp(name, compound_surnames[i], k) == 0) {
			snprintf(out, sizeof(out), "%s某", compound_surnames[i]);
			cs_strlcpy(name, out, cap);
			return;
		}
	}
	/* The first character (the surname), then 某. */
	k = utf8_seq_len(name, n);
	if (k == 0 || k >= n) {
		cs_strlcpy(name, "某", cap);
		return;
	}
	memcpy(out, name, k);
	memcpy(out + k, "某", sizeof("某"));
	cs_strlcpy(name, out, cap);
}
