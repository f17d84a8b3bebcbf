/*
 * opt -- command line parsing from one option table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "opt.h"

void strlist_push(struct strlist *l, const char *s)
{
	const char **v = realloc(l->v, sizeof(*v) * (l->n + 2));

	if (!v)
		abort();
	v[l->n++] = s;
	v[l->n] = NULL;
	l->v = v;
}

void strlist_free(struct strlist *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static const struct opt *opt_find_long(const struct opt *opts, const char *name,
				       size_t len)
{
	for (; opts->name; opts++)
		if (strlen(opts->name) == len && !strncmp(opts->name, name, len))
			return opts;
	return NULL;
}

static const struct opt *opt_find_short(const struct opt *opts, char c)
{
	for (; opts->name; opts++)
		if (opts->short_name && opts->short_name == c)
			return opts;
	return NULL;
}

static void opt_store(const struct opt *o, const char *val)
{
	switch (o->type) {
	case OPT_FLAG:
		*(int *)o->dest = 1;
		break;
	case OPT_STR:
		*(const char **)o->dest = val;
		break;
	case OPT_LIST:
		strlist_push(o->dest, val);
		break;
	}
}

/* Handles "--name[=value]"; *i advances past a separate value. */
static int opt_long(const struct opt *opts, int argc, char **argv, int *i,
		    struct err *e)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	const struct opt *o = opt_find_long(opts, arg, len);

	if (!o)
		return err_msg(e, -EINVAL, "unknown option --%.*s", (int)len, arg);
	if (o->type == OPT_FLAG) {
		if (eq)
			return err_msg(e, -EINVAL, "option --%s takes no value", o->name);
		opt_store(o, NULL);
		return 0;
	}
	if (eq) {
		opt_store(o, eq + 1);
		return 0;
	}
	if (*i + 1 >= argc)
		return err_msg(e, -EINVAL, "option --%s needs a value (%s)", o->name,
			       o->metavar ? o->metavar : "VALUE");
	opt_store(o, argv[++*i]);
	return 0;
}

/* Handles "-abc" and "-mVALUE" / "-m VALUE". */
static int opt_short(const struct opt *opts, int argc, char **argv, int *i,
		     struct err *e)
{
	const char *p;

	for (p = argv[*i] + 1; *p; p++) {
		const struct opt *o = opt_find_short(opts, *p);

		if (!o)
			return err_msg(e, -EINVAL, "unknown option -%c", *p);
		if (o->type == OPT_FLAG) {
			opt_store(o, NULL);
			continue;
		}
		if (p[1]) {
			opt_store(o, p + 1);
			return 0;
		}
		if (*i + 1 >= argc)
			return err_msg(e, -EINVAL, "option -%c needs a value (%s)", *p,
				       o->metavar ? o->metavar : "VALUE");
		opt_store(o, argv[++*i]);
		return 0;
	}
	return 0;
}

static int opt_parse_impl(const struct opt *opts, int argc, char **argv,
			  struct opt_args *out, int command, struct err *e)
{
	int i, ret;

	memset(out, 0, sizeof(*out));
	/* Positionals are gathered at the front of argv itself (slots before
	 * i are all read already), so nothing is allocated or leaked. */
	out->pos = argv;
	out->rest = argv + argc;
	for (i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--")) {
			out->dashdash = 1;
			out->rest = argv + i + 1;
			out->nrest = argc - i - 1;
			return 0;
		}
		if (a[0] == '-' && a[1] == '-')
			ret = opt_long(opts, argc, argv, &i, e);
		else if (a[0] == '-' && a[1])
			ret = opt_short(opts, argc, argv, &i, e);
		else if (command) {
			/* the command starts here: its own options are its own */
			out->rest = argv + i;
			out->nrest = argc - i;
			return 0;
		} else {
			/* swap, not overwrite: argv stays a permutation of itself */
			char *tmp = argv[out->npos];

			argv[out->npos++] = argv[i];
			argv[i] = tmp;
			ret = 0;
		}
		if (ret < 0)
			return ret;
	}
	return 0;
}

int opt_parse(const struct opt *opts, int argc, char **argv,
	      struct opt_args *out, struct err *e)
{
	return opt_parse_impl(opts, argc, argv, out, 0, e);
}

int opt_parse_command(const struct opt *opts, int argc, char **argv,
		      struct opt_args *out, struct err *e)
{
	return opt_parse_impl(opts, argc, argv, out, 1, e);
}

void opt_args_free(struct opt_args *a)
{
	a->pos = NULL;
	a->npos = 0;
}

void opt_help(FILE *f, const struct opt *opts)
{
	char left[64];

	for (; opts->name; opts++) {
		int n = 0;

		if (opts->short_name)
			n = snprintf(left, sizeof(left), "-%c, ", opts->short_name);
		else
			n = snprintf(left, sizeof(left), "    ");
		snprintf(left + n, sizeof(left) - n, "--%s%s%s", opts->name,
			 opts->metavar ? " " : "", opts->metavar ? opts->metavar : "");
		fprintf(f, "  %-28s %s\n", left, opts->help);
	}
}
