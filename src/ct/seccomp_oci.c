/*
 * seccomp_oci -- load the seccomp filter of an OCI config.json
 * (runtime-spec config-linux.md "Seccomp") with libseccomp, following
 * runc's libcontainer/seccomp/seccomp_linux.go where the spec is silent:
 *
 *  - the native architecture stays in the filter even when
 *    "architectures" leaves it out;
 *  - syscall names this libseccomp does not know are skipped, so one
 *    profile serves old and new kernels;
 *  - a rule whose action is the default action is skipped (libseccomp
 *    refuses it as redundant);
 *  - when two conditions of one rule test the same argument, each becomes
 *    a rule of its own: libseccomp cannot AND two tests of one argument,
 *    and profiles (Docker's for personality(2)) use this as an OR.
 */
#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>

#include "ct/seccomp_oci.h"


#define SC_MAX_ARGS 6		/* syscall arguments a filter can test */

static int sc_notify(const struct oci_seccomp *s)
{
	int i;

	if (s->listener_path || s->default_action == SCMP_ACT_NOTIFY)
		return 1;
	for (i = 0; i < s->nrules; i++)
		if (s->rules[i].action == SCMP_ACT_NOTIFY)
			return 1;
	return 0;
}

static int sc_attrs(scmp_filter_ctx ctx, const struct oci_seccomp *s,
		    struct err *e)
{
	static const struct {
		unsigned int flag;
		enum scmp_filter_attr attr;
		const char *name;
	} map[] = {
		{ SECCOMP_FILTER_FLAG_TSYNC, SCMP_FLTATR_CTL_TSYNC, "TSYNC" },
		{ SECCOMP_FILTER_FLAG_LOG, SCMP_FLTATR_CTL_LOG, "LOG" },
		{ SECCOMP_FILTER_FLAG_SPEC_ALLOW, SCMP_FLTATR_CTL_SSB, "SPEC_ALLOW" },
	};
	size_t i;
	int ret;

	ret = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (ret < 0)
		return err_set(e, ret, "seccomp: no_new_privs attribute");
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		if (!(s->flags & map[i].flag))
			continue;
		ret = seccomp_attr_set(ctx, map[i].attr, 1);
		if (ret < 0)
			return err_set(e, ret, "seccomp: flag SECCOMP_FILTER_FLAG_%s",
				       map[i].name);
	}
	return 0;
}

static int sc_arches(scmp_filter_ctx ctx, const struct oci_seccomp *s,
		     struct err *e)
{
	int i, ret;

	for (i = 0; i < s->narches; i++) {
		ret = seccomp_arch_add(ctx, s->arches[i]);
		if (ret < 0 && ret != -EEXIST)
			return err_set(e, ret, "seccomp: architecture %#x", s->arches[i]);
	}
	return 0;
}

/* One syscall of @r: its conditions as one rule, or one rule each when
 * an argument is tested twice. */
static int sc_add(scmp_filter_ctx ctx, const struct oci_seccomp_rule *r,
		  int nr, const char *name, struct err *e)
{
	struct scmp_arg_cmp cmp[SC_MAX_ARGS * 4];
	int count[SC_MAX_ARGS] = { 0 };
	int i, n = r->nargs, split = 0, ret;

	if (n > (int)(sizeof(cmp) / sizeof(cmp[0])))
		return err_msg(e, -E2BIG, "seccomp: %s: too many argument tests", name);
	for (i = 0; i < n; i++) {
		cmp[i].arg = r->args[i].index;
		cmp[i].op = r->args[i].op;
		cmp[i].datum_a = r->args[i].value;
		cmp[i].datum_b = r->args[i].value_two;
		if (r->args[i].index < SC_MAX_ARGS && ++count[r->args[i].index] > 1)
			split = 1;
	}
	if (!split) {
		ret = seccomp_rule_add_array(ctx, r->action, nr, (unsigned int)n, cmp);
		if (ret < 0)
			return err_set(e, ret, "seccomp: rule for %s", name);
		return 0;
	}
	for (i = 0; i < n; i++) {
		ret = seccomp_rule_add_array(ctx, r->action, nr, 1, &cmp[i]);
		if (ret < 0)
			return err_set(e, ret, "seccomp: rule for %s", name);
	}
	return 0;
}

static int sc_rules(scmp_filter_ctx ctx, const struct oci_seccomp *s,
		    struct err *e)
{
	const struct oci_seccomp_rule *r;
	char **name;
	int i, nr, ret;

	for (i = 0; i < s->nrules; i++) {
		r = &s->rules[i];
		if (r->action == s->default_action)
			continue;
		for (name = r->names; name && *name; name++) {
			nr = seccomp_syscall_resolve_name(*name);
			if (nr == __NR_SCMP_ERROR)
				continue;
			ret = sc_add(ctx, r, nr, *name, e);
			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

int security_seccomp_oci(const struct oci_seccomp *s, struct err *e)
{
	scmp_filter_ctx ctx;
	int ret;

	if (sc_notify(s))
		return err_msg(e, -EOPNOTSUPP, "seccomp: SCMP_ACT_NOTIFY and listenerPath are not supported");
	ctx = seccomp_init(s->default_action);
	if (!ctx)
		return err_msg(e, -EINVAL, "seccomp: bad default action %#x", s->default_action);
	ret = sc_attrs(ctx, s, e);
	if (!ret)
		ret = sc_arches(ctx, s, e);
	if (!ret)
		ret = sc_rules(ctx, s, e);
	if (!ret) {
		ret = seccomp_load(ctx);
		if (ret < 0)
			err_set(e, ret, "seccomp: load filter");
	}
	seccomp_release(ctx);
	return ret;
}
