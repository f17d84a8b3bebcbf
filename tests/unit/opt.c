/*
 * Unit tests for opt_parse(): every accepted form of an option, "--",
 * positionals between options, and the error texts a user sees.
 */
#include <errno.h>
#include <string.h>

#include "lib/opt.h"
#include "test.h"

static int flag_i, flag_t, flag_d;
static const char *mem, *name;
static struct strlist envs;

static const struct opt opts[] = {
	{ "interactive", 'i', OPT_FLAG, &flag_i, NULL, "keep stdin open" },
	{ "tty", 't', OPT_FLAG, &flag_t, NULL, "allocate a terminal" },
	{ "detach", 'd', OPT_FLAG, &flag_d, NULL, "run in the background" },
	{ "memory", 'm', OPT_STR, &mem, "SIZE", "memory limit" },
	{ "name", 0, OPT_STR, &name, NULL, "container name" },
	{ "env", 'e', OPT_LIST, &envs, "K=V", "environment" },
	OPT_END
};

static void reset(void)
{
	flag_i = flag_t = flag_d = 0;
	mem = name = NULL;
	strlist_free(&envs);
}

/* Parse a NULL-terminated list of arguments; argv must stay alive. */
static int parse(char **argv, struct opt_args *a, struct err *e)
{
	int argc = 0;

	while (argv[argc])
		argc++;
	reset();
	return opt_parse(opts, argc, argv, a, e);
}

static void test_long_and_short_flags_are_set(void)
{
	char *argv[] = { "--interactive", "-t", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "long and short flags parse");
	test_assert(flag_i == 1, "--interactive sets its flag");
	test_assert(flag_t == 1, "-t sets its flag");
	test_assert(flag_d == 0, "a flag not given stays 0");
	test_assert(a.npos == 0, "flags are not positionals");
	opt_args_free(&a);
}

static void test_grouped_short_flags_each_count(void)
{
	char *argv[] = { "-it", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "-it parses");
	test_assert(flag_i && flag_t, "-it sets both -i and -t");
	test_assert(!flag_d, "-it leaves -d alone");
	opt_args_free(&a);
}

static void test_grouped_flags_may_end_with_a_value_option(void)
{
	char *argv[] = { "-itm", "64M", "-dm32M", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "-itm VALUE parses");
	test_assert(flag_i && flag_t && flag_d, "flags before a value option are set");
	test_assert(mem && !strcmp(mem, "32M"), "-dm32M takes the rest of the word as the value");
	test_assert(a.npos == 0, "a value taken by -m is not a positional");
	opt_args_free(&a);
}

static void test_long_option_with_equals_takes_the_value(void)
{
	char *argv[] = { "--memory=256M", "--name=", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "--x=v parses");
	test_assert(mem && !strcmp(mem, "256M"), "--memory=256M stores 256M");
	test_assert(name && !strcmp(name, ""), "--name= stores an empty value");
	opt_args_free(&a);
}

static void test_long_option_takes_the_next_word(void)
{
	char *argv[] = { "--memory", "1G", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "--memory VALUE parses");
	test_assert(mem && !strcmp(mem, "1G"), "--memory 1G stores 1G");
	test_assert(a.npos == 0, "the value is not a positional");
	opt_args_free(&a);
}

static void test_short_option_value_may_be_attached_or_separate(void)
{
	char *argv1[] = { "-m512M", NULL };
	char *argv2[] = { "-m", "-5", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv1, &a, &e) == 0, "-mVALUE parses");
	test_assert(mem && !strcmp(mem, "512M"), "-m512M stores 512M");
	opt_args_free(&a);
	test_assert(parse(argv2, &a, &e) == 0, "-m VALUE parses");
	test_assert(mem && !strcmp(mem, "-5"),
		    "a separate value is taken even when it starts with '-'");
	opt_args_free(&a);
}

static void test_last_string_option_wins(void)
{
	char *argv[] = { "-m", "1M", "--memory=2M", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "a repeated string option parses");
	test_assert(mem && !strcmp(mem, "2M"), "the last OPT_STR occurrence wins");
	opt_args_free(&a);
}

static void test_dashdash_ends_options_and_leaves_the_rest(void)
{
	char *argv[] = { "-i", "web", "--", "sh", "-c", "--tty", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "a command after -- parses");
	test_assert(a.dashdash == 1, "dashdash records that -- was present");
	test_assert(a.nrest == 3, "three words follow --");
	test_assert(!strcmp(a.rest[0], "sh") && !strcmp(a.rest[1], "-c") &&
		    !strcmp(a.rest[2], "--tty"), "the words after -- are kept in order");
	test_assert(a.rest[3] == NULL, "rest is NULL-terminated");
	test_assert(flag_t == 0, "an option after -- is not parsed");
	test_assert(a.npos == 1 && !strcmp(a.pos[0], "web"),
		    "the positional before -- is kept");
	opt_args_free(&a);
}

static void test_no_dashdash_leaves_rest_empty(void)
{
	char *argv[] = { "web", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "one positional parses");
	test_assert(a.dashdash == 0, "dashdash is 0 without --");
	test_assert(a.nrest == 0 && a.rest && a.rest[0] == NULL,
		    "rest is an empty NULL-terminated list without --");
	opt_args_free(&a);
}

static void test_dashdash_at_the_end_gives_an_empty_command(void)
{
	char *argv[] = { "-d", "--", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "a trailing -- parses");
	test_assert(a.dashdash == 1 && a.nrest == 0, "a trailing -- leaves no command");
	opt_args_free(&a);
}

static void test_positionals_may_stand_between_options(void)
{
	char *argv[] = { "create", "-i", "web", "--memory", "1M", "-", "x", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "mixed positionals and options parse");
	test_assert(a.npos == 4, "four positionals are found");
	test_assert(!strcmp(a.pos[0], "create") && !strcmp(a.pos[1], "web") &&
		    !strcmp(a.pos[2], "-") && !strcmp(a.pos[3], "x"),
		    "positionals keep their order and a lone '-' is one");
	test_assert(flag_i && mem && !strcmp(mem, "1M"),
		    "options between positionals are still parsed");
	opt_args_free(&a);
}

static void test_unknown_options_are_named_in_the_error(void)
{
	char *argv1[] = { "--nope=3", NULL };
	char *argv2[] = { "-ix", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv1, &a, &e) == -EINVAL, "an unknown long option is -EINVAL");
	test_assert(!strcmp(e.msg, "unknown option --nope"),
		    "the error names the long option without its value");
	test_assert(parse(argv2, &a, &e) == -EINVAL, "an unknown short option is -EINVAL");
	test_assert(!strcmp(e.msg, "unknown option -x"),
		    "the error names the unknown letter of a group");
}

static void test_missing_value_is_an_error(void)
{
	char *argv1[] = { "--memory", NULL };
	char *argv2[] = { "web", "-e", NULL };
	char *argv3[] = { "--name", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv1, &a, &e) == -EINVAL, "--memory at the end is -EINVAL");
	test_assert(!strcmp(e.msg, "option --memory needs a value (SIZE)"),
		    "the error names the option and its metavar");
	test_assert(parse(argv2, &a, &e) == -EINVAL, "-e at the end is -EINVAL");
	test_assert(!strcmp(e.msg, "option -e needs a value (K=V)"),
		    "the error names the short option and its metavar");
	test_assert(parse(argv3, &a, &e) == -EINVAL, "--name at the end is -EINVAL");
	test_assert(!strcmp(e.msg, "option --name needs a value (VALUE)"),
		    "an option without metavar is said to need a VALUE");
}

static void test_flag_refuses_a_value(void)
{
	char *argv[] = { "--tty=1", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == -EINVAL, "--tty=1 is -EINVAL");
	test_assert(!strcmp(e.msg, "option --tty takes no value"),
		    "the error says the flag takes no value");
}

static void test_list_option_accumulates(void)
{
	char *argv[] = { "-e", "A=1", "--env=B=2", "-eC=3", "--env", "D=4", NULL };
	struct opt_args a;
	struct err e;

	test_assert(parse(argv, &a, &e) == 0, "repeated OPT_LIST parses");
	test_assert(envs.n == 4, "every occurrence of an OPT_LIST is kept");
	test_assert(envs.n == 4 && !strcmp(envs.v[0], "A=1") &&
		    !strcmp(envs.v[1], "B=2") && !strcmp(envs.v[2], "C=3") &&
		    !strcmp(envs.v[3], "D=4"), "list values keep their order");
	test_assert(envs.v[envs.n] == NULL, "the list is NULL-terminated");
	opt_args_free(&a);
}

static void test_help_lists_every_option(void)
{
	char buf[2048] = "";
	FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");

	opt_help(f, opts);
	fclose(f);
	test_assert(strstr(buf, "-m, --memory SIZE") != NULL,
		    "help shows short name, long name and metavar");
	test_assert(strstr(buf, "    --name ") != NULL,
		    "an option without short name is indented to line up");
	test_assert(strstr(buf, "allocate a terminal") != NULL, "help shows the help text");
}

int main(void)
{
	test_long_and_short_flags_are_set();
	test_grouped_short_flags_each_count();
	test_grouped_flags_may_end_with_a_value_option();
	test_long_option_with_equals_takes_the_value();
	test_long_option_takes_the_next_word();
	test_short_option_value_may_be_attached_or_separate();
	test_last_string_option_wins();
	test_dashdash_ends_options_and_leaves_the_rest();
	test_no_dashdash_leaves_rest_empty();
	test_dashdash_at_the_end_gives_an_empty_command();
	test_positionals_may_stand_between_options();
	test_unknown_options_are_named_in_the_error();
	test_missing_value_is_an_error();
	test_flag_refuses_a_value();
	test_list_option_accumulates();
	test_help_lists_every_option();
	reset();
	return test_report();
}
