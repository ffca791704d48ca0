/*
 * config.c — reads, checks and writes a node's configuration file.
 */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "courtsync/file.h"
#include "config.h"
#include "policy.h"

#define ERR(...) cs_err(err, errlen, __VA_ARGS__)

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->durable = true;
	cs_strlcpy(c->tls_cert, "tls.crt", sizeof(c->tls_cert));
	cs_strlcpy(c->tls_key, "tls.key", sizeof(c->tls_key));
	cs_strlcpy(c->ca, "ca.crt", sizeof(c->ca));
	cs_strlcpy(c->crl, "crl.pem", sizeof(c->crl));
	cs_strlcpy(c->registry, "registry.tsv", sizeof(c->registry));
	cs_strlcpy(c->registry_sig, "registry.tsv.sig", sizeof(c->registry_sig));
	cs_strlcpy(c->witnesses, "parent", sizeof(c->witnesses));
	c->max_body = 16UL << 20;
	c->max_batch = 10000;
	c->timeout_s = 30;
	c->max_connections = 256;
	c->max_per_address = 32;
	c->handshake_timeout_s = 10;
	c->request_timeout_s = 300;
	c->push_interval_ms = 1000;
	c->backoff_base_ms = 200;
	c->backoff_cap_ms = 30000;
	c->connect_timeout_ms = 5000;
	c->request_timeout_ms = 60000;
}

void
config_file(const char *home, const char *name, char *out, size_t cap)
{
	if (name[0] == '/')
		cs_strlcpy(out, name, cap);
	else
		snprintf(out, cap, "%s/%s", home, name);
}

/* Numeric keys: name, field offset, allowed range. */
static const struct {
	const char	*key;
	size_t		 off;
	unsigned long	 min, max;
} numbers[] = {
	{ "max_body", offsetof(struct config, max_body), 4096, 1UL << 30 },
	{ "max_batch", offsetof(struct config, max_batch), 1, 1000000 },
	{ "timeout_s", offsetof(struct config, timeout_s), 1, 3600 },
	{ "max_connections", offsetof(struct config, max_connections), 1, 65536 },
	{ "max_per_address", offsetof(struct config, max_per_address), 1, 65536 },
	{ "handshake_timeout_s", offsetof(struct config, handshake_timeout_s), 1, 600 },
	{ "request_timeout_s", offsetof(struct config, request_timeout_s), 1, 86400 },
	{ "push_interval_ms", offsetof(struct config, push_interval_ms), 10, 3600000 },
	{ "backoff_base_ms", offsetof(struct config, backoff_base_ms), 1, 3600000 },
	{ "backoff_cap_ms", offsetof(struct config, backoff_cap_ms), 1, 86400000 },
	{ "connect_timeout_ms", offsetof(struct config, connect_timeout_ms), 100, 600000 },
	{ "request_timeout_ms", offsetof(struct config, request_timeout_ms), 100, 3600000 },
};

static const struct {
	const char	*key;
	size_t		 off;
	size_t		 size;
} files[] = {
	{ "tls_cert", offsetof(struct config, tls_cert), CONFIG_PATH_MAX },
	{ "tls_key", offsetof(struct config, tls_key), CONFIG_PATH_MAX },
	{ "ca", offsetof(struct config, ca), CONFIG_PATH_MAX },
	{ "crl", offsetof(struct config, crl), CONFIG_PATH_MAX },
	{ "registry", offsetof(struct config, registry), CONFIG_PATH_MAX },
	{ "registry_sig", offsetof(struct config, registry_sig), CONFIG_PATH_MAX },
};

int
config_set(struct config *c, const char *key, const char *value, char *err,
    size_t errlen)
{
	char *end;
	long l;

	if (strcmp(key, "path") == 0) {
		if (!court_path_valid(value)) {
			ERR("path: \"%s\" is not a court path like cn/gs/ln/wudu",
			    value);
			return -1;
		}
		cs_strlcpy(c->path, value, sizeof(c->path));
	} else if (strcmp(key, "name") == 0) {
		if (value[0] == '\0' || strlen(value) >= sizeof(c->name)) {
			ERR("name: must be 1-%zu bytes", sizeof(c->name) - 1);
			return -1;
		}
		cs_strlcpy(c->name, value, sizeof(c->name));
	} else if (strcmp(key, "code") == 0) {
		if (value[0] == '\0' || strlen(value) >= sizeof(c->code) ||
		    strpbrk(value, " \t()") != NULL) {
			ERR("code: \"%s\" is not a court code like 甘1202", value);
			return -1;
		}
		cs_strlcpy(c->code, value, sizeof(c->code));
	} else if (strcmp(key, "level") == 0) {
		l = strtol(value, &end, 10);
		if (*value == '\0' || *end != '\0' || l < 1 || l > 4) {
			ERR("level: \"%s\" is not 1 (SPC), 2 (high), 3"
			    " (intermediate) or 4 (basic)", value);
			return -1;
		}
		c->level = (int)l;
	} else if (strcmp(key, "parent") == 0) {
		if (value[0] != '\0' && !court_path_valid(value)) {
			ERR("parent: \"%s\" is not a court path", value);
			return -1;
		}
		cs_strlcpy(c->parent, value, sizeof(c->parent));
	} else if (strcmp(key, "witnesses") == 0) {
		struct policy p;
		char why[512];

		policy_init(&p, 0);
		if (strlen(value) >= sizeof(c->witnesses) ||
		    policy_parse(&p, value, why, sizeof(why)) == -1) {
			ERR("witnesses: \"%s\" is not parent, ancestors or"
			    " N:PATH,PATH,…", value);
			return -1;
		}
		cs_strlcpy(c->witnesses, value, sizeof(c->witnesses));
	} else if (strcmp(key, "durability") == 0) {
		if (strcmp(value, "full") == 0)
			c->durable = true;
		else if (strcmp(value, "normal") == 0)
			c->durable = false;
		else {
			ERR("durability: \"%s\" is not full or normal", value);
			return -1;
		}
	} else if (strcmp(key, "fold") == 0) {
		if (strcmp(value, "on") == 0)
			c->fold_off = false;
		else if (strcmp(value, "off") == 0)
			c->fold_off = true;
		else {
			ERR("fold: \"%s\" is not on or off", value);
			return -1;
		}
	} else if (strcmp(key, "syslog") == 0) {
		if (strcmp(value, "on") == 0)
			c->syslog = true;
		else if (strcmp(value, "off") == 0)
			c->syslog = false;
		else {
			ERR("syslog: \"%s\" is not on or off", value);
			return -1;
		}
	} else if (strncmp(key, "rule.", 5) == 0) {
		const char *dot = strrchr(key + 5, '.');
		struct config_rule *r;
		size_t n;

		if (dot == NULL || dot == key + 5 || dot[1] == '\0') {
			ERR("%s: expected rule.<id>.<days|due_soon|enabled>", key);
			return -1;
		}
		n = (size_t)(dot - (key + 5));
		if (c->nrules == CONFIG_RULES_MAX || n >= sizeof(r->id) ||
		    strlen(dot + 1) >= sizeof(r->field) ||
		    strlen(value) >= sizeof(r->value)) {
			ERR("%s: too many rule settings, or too long", key);
			return -1;
		}
		r = &c->rules[c->nrules++];
		memcpy(r->id, key + 5, n);
		r->id[n] = '\0';
		cs_strlcpy(r->field, dot + 1, sizeof(r->field));
		cs_strlcpy(r->value, value, sizeof(r->value));
	} else if (strcmp(key, "listen") == 0) {
		const char *colon = strrchr(value, ':');
		if (value[0] != '\0' && (colon == NULL || colon == value ||
		    strtoul(colon + 1, &end, 10) > 65535 || *end != '\0' ||
		    colon[1] == '\0' || strlen(value) >= sizeof(c->listen))) {
			ERR("listen: \"%s\" is not ADDRESS:PORT (127.0.0.1:8443,"
			    " [::1]:8443)", value);
			return -1;
		}
		cs_strlcpy(c->listen, value, sizeof(c->listen));
	} else if (strcmp(key, "dashboard") == 0) {
		const char *colon = strrchr(value, ':');
		const char *port = colon != NULL ? colon + 1 : value;
		if (value[0] != '\0' && (colon == value || *port == '\0' ||
		    strspn(port, "0123456789") != strlen(port) ||
		    strtoul(port, &end, 10) > 65535 ||
		    strlen(value) >= sizeof(c->dashboard))) {
			ERR("dashboard: \"%s\" is not ADDRESS:PORT or PORT"
			    " (127.0.0.1:8480, [::1]:8480, 8480)", value);
			return -1;
		}
		cs_strlcpy(c->dashboard, value, sizeof(c->dashboard));
	} else if (strcmp(key, "parent_url") == 0) {
		if (value[0] != '\0' && (strncmp(value, "https://", 8) != 0 ||
		    strlen(value) >= sizeof(c->parent_url))) {
			ERR("parent_url: \"%s\" is not an https:// URL", value);
			return -1;
		}
		cs_strlcpy(c->parent_url, value, sizeof(c->parent_url));
	} else {
		for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
			if (strcmp(key, numbers[i].key) != 0)
				continue;
			l = (long)strtoul(value, &end, 10);
			if (*value < '0' || *value > '9' || *end != '\0' ||
			    (unsigned long)l < numbers[i].min ||
			    (unsigned long)l > numbers[i].max) {
				ERR("%s: \"%s\" is not a number from %lu to %lu",
				    key, value, numbers[i].min, numbers[i].max);
				return -1;
			}
			*(unsigned long *)((char *)c + numbers[i].off) =
			    (unsigned long)l;
			return 0;
		}
		for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
			if (strcmp(key, files[i].key) != 0)
				continue;
			if (strlen(value) >= files[i].size) {
				ERR("%s: file name too long", key);
				return -1;
			}
			cs_strlcpy((char *)c + files[i].off, value, files[i].size);
			return 0;
		}
		ERR("unknown key \"%s\"", key);
		return -1;
	}
	return 0;
}

int
config_check(const struct config *c, char *err, size_t errlen)
{
	int depth = 1;
	const char *slash;

	if (c->path[0] == '\0') {
		ERR("path is not set");
		return -1;
	}
	if (c->name[0] == '\0' || c->code[0] == '\0' || c->level == 0) {
		ERR("name, code and level must all be set");
		return -1;
	}
	for (const char *p = c->path; *p != '\0'; p++)
		depth += *p == '/';
	if (depth != c->level) {
		ERR("level %d does not match path %s (depth %d)", c->level,
		    c->path, depth);
		return -1;
	}
	slash = strrchr(c->path, '/');
	if (c->parent[0] != '\0' && (slash == NULL ||
	    strlen(c->parent) != (size_t)(slash - c->path) ||
	    strncmp(c->parent, c->path, (size_t)(slash - c->path)) != 0)) {
		ERR("parent %s is not the parent of %s", c->parent, c->path);
		return -1;
	}
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' ||
	    e[-1] == '\n'))
		*--e = '\0';
	return s;
}

int
config_lines(const char *file, config_set_fn set, void *arg, char *err,
    size_t errlen)
{
	FILE *f = fopen(file, "r");
	char line[1024], why[512];
	int n = 0, ret = -1;

	if (f == NULL) {
		ERR("cannot open %s: %s", file, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *eq, *k, *v;

		n++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			ERR("%s:%d: line too long", file, n);
			goto out;
		}
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			ERR("%s:%d: expected \"key = value\"", file, n);
			goto out;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if (set(arg, k, v, why, sizeof(why)) == -1) {
			ERR("%s:%d: %s", file, n, why);
			goto out;
		}
	}
	ret = 0;
out:
	fclose(f);
	return ret;
}

static int
set_one(void *arg, const char *key, const char *value, char *err,
    size_t errlen)
{
	return config_set(arg, key, value, err, errlen);
}

int
config_read(struct config *c, const char *file, char *err, size_t errlen)
{
	char why[512];

	config_init(c);
	if (config_lines(file, set_one, c, err, errlen) == -1)
		return -1;
	if (config_check(c, why, sizeof(why)) == -1) {
		ERR("%s: %s", file, why);
		return -1;
	}
	return 0;
}

int
config_write(const struct config *c, const char *file, char *err, size_t errlen)
{
	struct buf b = { 0 };
	int rc = 0;

	rc |= buf_printf(&b, "# courtsync node configuration (see courtsync(1))\n"
	    "path = %s\nname = %s\ncode = %s\nlevel = %d\n", c->path, c->name,
	    c->code, c->level);
	if (c->parent[0] != '\0')
		rc |= buf_printf(&b, "parent = %s\n", c->parent);
	rc |= buf_printf(&b, "durability = %s\n", c->durable ? "full" : "normal");
	if (strcmp(c->witnesses, "parent") != 0)
		rc |= buf_printf(&b, "witnesses = %s\n", c->witnesses);
	rc |= buf_printf(&b, "\n# Sync (see docs/PROTOCOL.md); file names are "
	    "relative to this directory.\nlisten = %s\nparent_url = %s\n",
	    c->listen, c->parent_url);
	if (c->dashboard[0] != '\0')
		rc |= buf_printf(&b, "dashboard = %s\n", c->dashboard);
	if (c->fold_off)
		rc |= buf_printf(&b, "fold = off\n");
	if (c->syslog)
		rc |= buf_printf(&b, "syslog = on\n");
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		rc |= buf_printf(&b, "%s = %s\n", files[i].key,
		    (const char *)c + files[i].off);
	for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++)
		rc |= buf_printf(&b, "%s = %lu\n", numbers[i].key,
		    *(const unsigned long *)((const char *)c + numbers[i].off));
	for (int i = 0; i < c->nrules; i++)
		rc |= buf_printf(&b, "rule.%s.%s = %s\n", c->rules[i].id,
		    c->rules[i].field, c->rules[i].value);
	if (rc != 0) {
		ERR("cannot write %s: out of memory", file);
		buf_free(&b);
		return -1;
	}
	rc = file_write_atomic(file, b.p, b.len, 0666, err, errlen);
	buf_free(&b);
	return rc;
}
