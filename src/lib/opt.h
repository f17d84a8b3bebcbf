/*
 * opt -- table-driven command line parsing, and the help text made from
 * the same table so the two never disagree.
 *
 * Accepted forms: --name VALUE, --name=VALUE, -x VALUE, -xVALUE, grouped
 * short flags (-it), and "--" which ends options: everything after it is
 * the command to run.  Positionals may stand between options.
 */
#ifndef STRATA_LIB_OPT_H
#define STRATA_LIB_OPT_H

#include <stdio.h>

#include "err.h"

enum opt_type {
	OPT_FLAG,		/* int *: set to 1 */
	OPT_STR,		/* const char **: last one wins */
	OPT_LIST,		/* struct strlist *: every occurrence appended */
};

struct strlist {
	const char **v;
	int n;
};

struct opt {
	const char *name;	/* long name without "--" */
	char short_name;	/* 0 when there is none */
	enum opt_type type;
	void *dest;
	const char *metavar;	/* shown in help: "SIZE"; NULL for flags */
	const char *help;
};

#define OPT_END { NULL, 0, OPT_FLAG, NULL, NULL, NULL }

struct opt_args {
	char **pos;		/* positionals, in order */
	int npos;
	char **rest;		/* after "--" (argv memory; NULL-terminated) */
	int nrest;
	int dashdash;		/* 1 when "--" was present */
};

/* Parse argv[0..argc) (argv[0] is the first argument, not the command).
 * Positionals are moved to the front of argv (out->pos points there);
 * nothing is allocated, opt_args_free() only clears. */
int opt_parse(const struct opt *opts, int argc, char **argv,
	      struct opt_args *out, struct err *e);
/* Like opt_parse(), for commands that run a program: the first positional
 * ends the options and starts the program's argv (in out->rest), as
 * "--" does: `strata ct run sh -c 'ls -l'`. */
int opt_parse_command(const struct opt *opts, int argc, char **argv,
		      struct opt_args *out, struct err *e);

void opt_args_free(struct opt_args *a);

/* Print one line per option: "  -m, --memory SIZE   help". */
void opt_help(FILE *f, const struct opt *opts);

void strlist_push(struct strlist *l, const char *s);
void strlist_free(struct strlist *l);

#endif
