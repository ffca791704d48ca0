/*
 * config.c — reads, checks and writes a node's configuration file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "courtsync/config.h"

#define ERR(...) do { if (errlen > 0) snprintf(err, errlen, __VA_ARGS__); } while (0)

void
config_init(struct config *c)
{
	memset(c, 0, sizeof(*c));
	c->durable = true;
}

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
	} else if (strcmp(key, "durability") == 0) {
		if (strcmp(value, "full") == 0)
			c->durable = true;
		else if (strcmp(value, "normal") == 0)
			c->durable = false;
		else {
			ERR("durability: \"%s\" is not full or normal", value);
			return -1;
		}
	} else {
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
config_read(struct config *c, const char *file, char *err, size_t errlen)
{
	FILE *f = fopen(file, "r");
	char line[1024], why[512];
	int n = 0, ret = -1;

	config_init(c);
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
		if (config_set(c, k, v, why, sizeof(why)) == -1) {
			ERR("%s:%d: %s", file, n, why);
			goto out;
		}
	}
	if (config_check(c, why, sizeof(why)) == -1) {
		ERR("%s: %s", file, why);
		goto out;
	}
	ret = 0;
out:
	fclose(f);
	return ret;
}

int
config_write(const struct config *c, const char *file, char *err, size_t errlen)
{
	char tmp[CONFIG_PATH_MAX + 8];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.new", file);
	if ((f = fopen(tmp, "w")) == NULL) {
		ERR("cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "# courtsync node configuration (see courtsync(1))\n"
	    "path = %s\nname = %s\ncode = %s\nlevel = %d\n", c->path, c->name,
	    c->code, c->level);
	if (c->parent[0] != '\0')
		fprintf(f, "parent = %s\n", c->parent);
	fprintf(f, "durability = %s\n", c->durable ? "full" : "normal");
	ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok = (fclose(f) == 0) && ok;
	if (!ok || rename(tmp, file) == -1) {
		ERR("cannot write %s: %s", file, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}
