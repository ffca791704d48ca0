/*
 * bench_audit.c — how fast an auditor verifies an export.
 *
 * Writes a synthetic export of N entries (default 1,000,000; argv[1]) in a
 * new temporary directory: court cn/gs/ln/wudu (甘1202), N/3 cases of
 * three events each (case_filed, node_done notice, funds_received), every
 * entry encoded with entry_encode and chained, a checkpoint every 10,000
 * entries signed with note_sign by a throw-away key and cosigned by a
 * throw-away witness (cn/gs/ln).  Then times audit_export on it, without
 * and with the fold's replay, and prints entries/s against the target
 * (docs/ARCHITECTURE: an auditor verifies >= 1,000,000 entries/s).
 * Exit: 0 when the runs complete (met or not), 1 on an error, 2 usage.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "courtsync/entry.h"
#include "courtsync/export.h"
#include "courtsync/merkle.h"

#define TARGET		1000000.0	/* entries/s, verification */
#define CKPT_EVERY	10000
#define TIME0		1735603200ull	/* 2024-12-31T00:00:00Z */

static const char *origin = "cn/gs/ln/wudu";
static const char *code = "甘1202";

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Day d (0-based) of 2024 as YYYY-MM-DD. */
static void
day_of_2024(int d, char out[16])
{
	static const int mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int m = 0;

	while (d >= mdays[m]) {
		d -= mdays[m];
		m++;
	}
	snprintf(out, 16, "2024-%02d-%02d", (m + 1) % 100, (d + 1) % 100);
}

/* The body of event k: case k/3, kind k%3. */
static int
body_of(uint64_t k, struct buf *b, char *type, size_t tcap)
{
	struct codec_writer w;
	char cno[64], date[16];
	uint64_t c = k / 3;

	snprintf(cno, sizeof(cno), "(2024)%s执%llu号", code,
	    (unsigned long long)c + 1);
	day_of_2024((int)(c * 300 / 400000 % 300), date);
	buf_reset(b);
	codec_writer_init(&w, b);
	switch (k % 3) {
	case 0:
		snprintf(type, tcap, "case_filed");
		codec_put_map(&w, 5);
		codec_put_cstr(&w, "case");
		codec_put_cstr(&w, cno);
		codec_put_cstr(&w, "date");
		codec_put_cstr(&w, date);
		codec_put_cstr(&w, "applicant");
		codec_put_cstr(&w, "甲公司");
		codec_put_cstr(&w, "respondent");
		codec_put_cstr(&w, "乙某");
		codec_put_cstr(&w, "claimed");
		codec_put_uint(&w, 100000 + c % 1000);
		break;
	case 1:
		snprintf(type, tcap, "node_done");
		codec_put_map(&w, 3);
		codec_put_cstr(&w, "case");
		codec_put_cstr(&w, cno);
		codec_put_cstr(&w, "date");
		codec_put_cstr(&w, date);
		codec_put_cstr(&w, "node");
		codec_put_cstr(&w, "notice");
		break;
	default:
		snprintf(type, tcap, "funds_received");
		codec_put_map(&w, 3);
		codec_put_cstr(&w, "case");
		codec_put_cstr(&w, cno);
		codec_put_cstr(&w, "date");
		codec_put_cstr(&w, date);
		codec_put_cstr(&w, "amount");
		codec_put_uint(&w, 5000);
		break;
	}
	return w.failed ? -1 : 0;
}

static int
sign_checkpoint(struct export_writer *ew, const struct merkle_frontier *fr,
    const struct note_signer *court, const struct note_signer *wit)
{
	struct checkpoint ck;
	char body[512], note[NOTE_MAX], line[512], err[256];
	int bl, nl, ll;

	memset(&ck, 0, sizeof(ck));
	snprintf(ck.origin, sizeof(ck.origin), "courtsync/%s", origin);
	ck.size = fr->size;
	merkle_frontier_root(fr, ck.root);
	bl = checkpoint_format(&ck, body, sizeof(body));
	if (bl < 0)
		return -1;
	nl = note_sign(body, (size_t)bl, court, note, sizeof(note), err,
	    sizeof(err));
	ll = cosig_sign(body, (size_t)bl, TIME0 + 60, wit, line, sizeof(line),
	    err, sizeof(err));
	if (nl < 0 || ll < 0 || (size_t)(nl + ll) >= sizeof(note))
		return -1;
	memcpy(note + nl, line, (size_t)ll + 1);
	return export_put_checkpoint(ew, fr->size, note, err, sizeof(err));
}

/* Writes the export; fills the registry of the two courts. */
static int
make_export(const char *dir, uint64_t n, struct registry_court rc[2])
{
	struct export_writer ew;
	struct note_signer court, wit;
	struct merkle_frontier fr;
	struct merkle_node done[MERKLE_MAX_LEVELS];
	struct buf body = { 0 }, ent = { 0 };
	uint8_t seed[CS_SEED_LEN], pub[CS_PUB_LEN], prev[CS_HASH_LEN] = { 0 };
	char name[NOTE_NAME_MAX], vkey[512], err[256];
	int ret = -1;

	snprintf(name, sizeof(name), "courtsync/%s", origin);
	if (crypto_ed25519_keygen(seed, pub) == -1 ||
	    note_signer_init(&court, name, NOTE_TYPE_ED25519, seed, err,
	    sizeof(err)) == -1 ||
	    note_verifier_init(&rc[0].log, name, NOTE_TYPE_ED25519, pub, err,
	    sizeof(err)) == -1 ||
	    note_verifier_init(&rc[0].witness, name, NOTE_TYPE_COSIG, pub, err,
	    sizeof(err)) == -1 ||
	    crypto_ed25519_keygen(seed, pub) == -1 ||
	    note_signer_init(&wit, "courtsync/cn/gs/ln", NOTE_TYPE_COSIG, seed,
	    err, sizeof(err)) == -1 ||
	    note_verifier_init(&rc[1].log, "courtsync/cn/gs/ln",
	    NOTE_TYPE_ED25519, pub, err, sizeof(err)) == -1 ||
	    note_verifier_init(&rc[1].witness, "courtsync/cn/gs/ln",
	    NOTE_TYPE_COSIG, pub, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_audit: keys: %s\n", err);
		return -1;
	}
	crypto_wipe(seed, sizeof(seed));
	cs_strlcpy(rc[0].path, origin, sizeof(rc[0].path));
	cs_strlcpy(rc[0].code, code, sizeof(rc[0].code));
	cs_strlcpy(rc[0].parent, "cn/gs/ln", sizeof(rc[0].parent));
	cs_strlcpy(rc[0].name, "武都区人民法院", sizeof(rc[0].name));
	rc[0].level = 4;
	rc[0].has_key = true;
	cs_strlcpy(rc[1].path, "cn/gs/ln", sizeof(rc[1].path));
	cs_strlcpy(rc[1].code, "甘12", sizeof(rc[1].code));
	cs_strlcpy(rc[1].name, "陇南市中级人民法院", sizeof(rc[1].name));
	rc[1].level = 3;
	rc[1].has_key = true;
	if (export_begin(&ew, dir, err, sizeof(err)) == -1) {
		fprintf(stderr, "bench_audit: %s\n", err);
		return -1;
	}
	merkle_frontier_init(&fr);
	for (uint64_t k = 0; k < n; k++) {
		struct entry e;
		uint8_t leaf[CS_HASH_LEN];

		memset(&e, 0, sizeof(e));
		e.version = CS_ENTRY_VERSION;
		cs_strlcpy(e.origin, origin, sizeof(e.origin));
		e.index = k;
		memcpy(e.prev, prev, CS_HASH_LEN);
		e.time = TIME0;
		buf_reset(&ent);
		if (body_of(k, &body, e.type, sizeof(e.type)) == -1 ||
		    entry_encode(&e, body.p, body.len, &ent, err,
		    sizeof(err)) == -1 ||
		    export_put_entry(&ew, ent.p, ent.len, err, sizeof(err)) == -1)
			goto out;
		merkle_leaf_hash(ent.p, ent.len, leaf);
		merkle_frontier_append(&fr, leaf, done);
		memcpy(prev, leaf, CS_HASH_LEN);
		if ((k + 1) % CKPT_EVERY == 0 || k + 1 == n)
			if (sign_checkpoint(&ew, &fr, &court, &wit) == -1)
				goto out;
	}
	if (note_vkey_format(&court.v, vkey, sizeof(vkey)) < 0)
		goto out;
	strcat(vkey, "\n");
	if (export_put_file(&ew, "court.vkey", vkey, err, sizeof(err)) == -1 ||
	    export_put_file(&ew, "court.json", "{}\n", err, sizeof(err)) == -1 ||
	    export_finish(&ew, err, sizeof(err)) == -1)
		goto out;
	ret = 0;
out:
	if (ret == -1) {
		fprintf(stderr, "bench_audit: writing the export: %s\n", err);
		export_abort(&ew);
	}
	note_signer_wipe(&court);
	note_signer_wipe(&wit);
	buf_free(&body);
	buf_free(&ent);
	return ret;
}

static void
remove_export(const char *dir)
{
	char p[4400];
	DIR *d;
	struct dirent *de;

	snprintf(p, sizeof(p), "%s/checkpoints", dir);
	if ((d = opendir(p)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char f[4800];

			if (de->d_name[0] == '.')
				continue;
			snprintf(f, sizeof(f), "%s/%s", p, de->d_name);
			unlink(f);
		}
		closedir(d);
	}
	rmdir(p);
	for (const char *const *f = (const char *const[]){ "entries.bin",
	    "court.vkey", "court.json", NULL }; *f != NULL; f++) {
		snprintf(p, sizeof(p), "%s/%s", dir, *f);
		unlink(p);
	}
	rmdir(dir);
}

/* One timed audit; prints its line.  Returns 0 or -1. */
static int
run(const char *what, const char *dir, const struct registry *reg,
    bool replay, uint64_t n, double *rate)
{
	struct audit_options o;
	struct audit_report r;
	char err[1024], hex[2 * CS_HASH_LEN + 1];
	double t0, t;
	int v;

	audit_options_init(&o);
	o.replay = replay;
	t0 = now_s();
	v = audit_export(dir, reg, &o, &r, err, sizeof(err));
	t = now_s() - t0;
	if (v != 0 || r.entries != n) {
		fprintf(stderr, "bench_audit: %s: %s\n", what, v == 1 ?
		    r.problem : err);
		audit_report_free(&r);
		return -1;
	}
	*rate = (double)n / t;
	crypto_hex(r.digest, CS_HASH_LEN, hex);
	printf("%-28s %9llu entries  %7.3f s  %12.0f entries/s%s%s\n", what,
	    (unsigned long long)n, t, *rate, replay ? "  state " : "",
	    replay ? hex : "");
	audit_report_free(&r);
	return 0;
}

int
main(int argc, char **argv)
{
	struct registry_court rc[2];
	struct registry reg = { rc, 2 };
	char base[3000], dir[3100];
	const char *tmp = getenv("TMPDIR");
	uint64_t n = 1000000;
	double t0, rate_v = 0, rate_r = 0;
	int ret = 1;

	if (argc > 2 || (argc == 2 && (n = strtoull(argv[1], NULL, 10)) == 0)) {
		fprintf(stderr, "usage: bench_audit [ENTRIES]\n");
		return 2;
	}
	if (crypto_init() == -1)
		return 1;
	memset(rc, 0, sizeof(rc));
	snprintf(base, sizeof(base), "%s/bench-audit.XXXXXX", tmp != NULL &&
	    *tmp != '\0' ? tmp : "/tmp");
	if (mkdtemp(base) == NULL) {
		perror("bench_audit: mkdtemp");
		return 1;
	}
	snprintf(dir, sizeof(dir), "%s/export", base);
	printf("bench_audit: synthetic export of %llu entries, a checkpoint"
	    " every %d (cosigned), in %s\n", (unsigned long long)n, CKPT_EVERY,
	    base);
	t0 = now_s();
	if (make_export(dir, n, rc) == -1)
		goto out;
	printf("%-28s %9llu entries  %7.3f s\n", "writing the export",
	    (unsigned long long)n, now_s() - t0);
	if (run("audit --no-replay (verify)", dir, &reg, false, n, &rate_v) ==
	    -1 || run("audit (verify + replay)", dir, &reg, true, n,
	    &rate_r) == -1)
		goto out;
	printf("target: verification >= %.0f entries/s: %s (%.2fx)\n", TARGET,
	    rate_v >= TARGET ? "met" : "MISSED", rate_v / TARGET);
	printf("replay (fold into SQLite) runs at %.0f entries/s; it has no"
	    " rate target\n", rate_r);
	ret = 0;
out:
	remove_export(dir);
	rmdir(base);
	return ret;
}
