/*
 * event.h — the court's domain events: the table of event types and their
 * fields (one source for the CLI, import, the msgpack bodies and the docs),
 * parsing of text values (money, dates, case numbers, enumerations) and the
 * encoding of an event as a log entry body (docs/FORMAT.md §3).
 */
#ifndef COURTSYNC_EVENT_H
#define COURTSYNC_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "courtsync/codec.h"

#define CS_TEXT_MAX	1024	/* free-text field bytes, NUL included */
#define CS_CASE_MAX	96	/* case number bytes, NUL included */
#define CS_CODE_MAX	32	/* court code bytes (甘1202), NUL included */
#define CS_FEN_MAX	((int64_t)1000000000000000)	/* 10^13 yuan */

enum field_kind {
	FK_TEXT,	/* non-empty UTF-8, no control characters */
	FK_CASE,	/* case number (2024)甘1202执123号 */
	FK_DATE,	/* YYYY-MM-DD, a real calendar date */
	FK_FEN,		/* money: text in yuan "1234.56", stored as uint fen */
	FK_UINT,	/* unsigned integer */
	FK_BOOL,	/* true / false */
	FK_ENUM,	/* one of a list of ASCII tokens (Chinese aliases accepted) */
};

enum field_id {
	F_CASE, F_DATE, F_APPLICANT, F_RESPONDENT, F_CLAIMED, F_ORIGINAL,
	F_NONLITIGATION, F_HANDLER, F_TEAM, F_TRACK, F_BASIS, F_FACTS, F_NODE,
	F_ASSET, F_EXPIRES, F_NOTE, F_AMOUNT, F_PAYEE, F_REF, F_MONTHS,
	F_APPROVER, F_REASON, F_MODE, F_RECOVERED, F_RULE, F_SUPERVISOR,
	F_CORRECTS,
	F_COUNT
};

struct enum_token {
	const char	*token;		/* what the log records */
	const char	*zh;		/* accepted alias and display name */
};

struct field_def {
	const char		*name;	/* body key, CLI --name, import column */
	enum field_kind		 kind;
	const struct enum_token	*tokens;	/* FK_ENUM: NULL-terminated */
	const char		*help;
};

enum event_type {
	EV_CASE_FILED, EV_HANDLER_ASSIGNED, EV_TRIAGE_DECIDED, EV_NODE_DONE,
	EV_FUNDS_RECEIVED, EV_FUNDS_PAID, EV_EXTENSION_APPROVED,
	EV_SUSPENSION_STARTED, EV_SUSPENSION_ENDED, EV_CASE_CLOSED,
	EV_WARNING_ACKNOWLEDGED, EV_CORRECTION,
	EV_COUNT
};

#define EV_FIELDS_MAX	8

struct event_def {
	const char	*type;		/* log type, e.g. "case_filed" */
	const char	*command;	/* CLI subcommand, e.g. "file" */
	const char	*summary;	/* one line for --help */
	enum field_id	 required[EV_FIELDS_MAX];	/* F_COUNT-terminated */
	enum field_id	 optional[EV_FIELDS_MAX];	/* F_COUNT-terminated */
};

extern const struct field_def	field_defs[F_COUNT];
extern const struct event_def	event_defs[EV_COUNT];

/* A value of one field, parsed. */
struct field_val {
	bool		 present;
	uint64_t	 u;		/* FK_FEN (fen), FK_UINT, FK_BOOL */
	char		 s[CS_TEXT_MAX];/* FK_TEXT, FK_CASE, FK_DATE, FK_ENUM */
};

/*
 * One event.  For a correction, `replacement` (if has_replacement) is the
 * event that takes the corrected entry's place; its own replacement is
 * never used.
 */
struct event {
	enum event_type	 type;
	struct field_val f[F_COUNT];
	bool		 has_replacement;
	struct event	*replacement;	/* owned by the caller */
};

/* Parsed case number. */
struct case_no {
	int		 year;
	char		 court[CS_CODE_MAX];	/* 甘1202 */
	char		 type[16];		/* 执, 执恢, … */
	uint32_t	 seq;
};

/* Looks an event type up by log type name or CLI command; -1 if unknown. */
int	event_type_by_name(const char *name);
int	event_type_by_command(const char *command);
/* Looks a field up by name; -1 if unknown. */
int	field_by_name(const char *name);
/* True if field f is required / allowed for event type t. */
bool	event_field_required(enum event_type t, enum field_id f);
bool	event_field_allowed(enum event_type t, enum field_id f);

/* Parses text into field f of ev (canonicalising: case numbers to ASCII
 * parentheses, enum aliases to tokens, money to fen).  Errors name the
 * field and the value: "--claimed: \"-5\" is not an amount in yuan". */
int	event_set(struct event *ev, enum field_id f, const char *text,
	    char *err, size_t errlen);
/* Checks that every required field is present and no foreign one is, plus
 * the checks within one event (seizure needs asset and expires, expiry not
 * before the date, months 1–12…). */
int	event_check(const struct event *ev, char *err, size_t errlen);

/* Encodes the body map: fields in field_id order, present ones only. */
int	event_encode_body(const struct event *ev, struct buf *out,
	    char *err, size_t errlen);
/* Decodes a body map of the given type into ev (the inverse of encode;
 * refuses unknown keys, wrong msgpack types, missing required fields). */
int	event_decode_body(const char *type, const void *body, size_t n,
	    struct event *ev, char *err, size_t errlen);

/* Parses "(2024)甘1202执123号" (ASCII or full-width parentheses). */
int	case_no_parse(const char *s, struct case_no *c, char *err, size_t errlen);
/* Writes the canonical form "(2024)甘1202执123号". */
void	case_no_format(const struct case_no *c, char *out, size_t cap);
/* True if s is a valid YYYY-MM-DD calendar date. */
bool	date_valid(const char *s);
/* Days from 1970-01-01 to a valid date (proleptic Gregorian). */
int64_t	date_days(const char *s);
/* Formats days since 1970-01-01 as YYYY-MM-DD. */
void	date_from_days(int64_t days, char out[11]);
/* The day `months` calendar months after a valid date, as days since
 * 1970-01-01, the day of month clamped to the target month (08-31 + 6
 * months = 02-28 or 02-29). */
int64_t	add_months(const char *date, int64_t months);
/* Formats fen as yuan "1234.56". */
void	fen_format(uint64_t fen, char *out, size_t cap);
/* Display name (Chinese) of an enum token of field f, or the token. */
const char *field_token_zh(enum field_id f, const char *token);

#endif
