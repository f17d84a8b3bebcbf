/*
 * fuzz_oci_spec -- libFuzzer target for an OCI bundle's config.json, which
 * comes from whoever built the bundle: oci_spec_parse() must not crash,
 * leak or trip a sanitizer on any bytes, and what it returns must keep
 * the promises of oci_spec.h:
 *
 *  - on failure the config is empty and the error is one non-empty line
 *    starting "config.json: ";
 *  - on success rootfs, root and bundle are absolute, every mount
 *    destination is absolute, every hook path is absolute, the string
 *    vectors are NULL-terminated where their counts say; an idmapped
 *    mount is a bind mount with both maps and no descriptor yet;
 *  - the cgroup v2 device program built from linux.resources.devices
 *    (cgroup_devbpf.c) only jumps forward inside itself and ends in exit.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_oci_spec FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "ct/cgroup_devbpf.h"
#include "ct/oci_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BUNDLE "/nonexistent-strata-fuzz/bundle"

static void fail(const char *what, const char *msg)
{
	fprintf(stderr, "fuzz_oci_spec: %s%s%s\n", what, msg ? ": " : "", msg ? msg : "");
	abort();
}

static void check_error(const struct ct_config *c, const struct err *e)
{
	if (c->oci || c->argv || c->env || c->rootfs || c->cwd || c->hostname)
		fail("a failed parse left fields set", e->msg);
	if (e->code >= 0 || strncmp(e->msg, "config.json: ", 13) || strchr(e->msg, '\n'))
		fail("a bad error", e->msg);
}

static void check_devbpf(const struct ct_oci *o)
{
	struct bpf_insn *p;
	size_t len, i;

	if (devbpf_build(o->dev_rules, o->ndev_rules, 1, &p, &len) < 0)
		return;	/* out of memory */
	for (i = 0; i < len; i++)
		if ((p[i].code & 0x07) == BPF_JMP && p[i].code != (BPF_JMP | BPF_EXIT) &&
		    (p[i].off < 0 || i + 1 + (size_t)p[i].off >= len))
			fail("device program jumps out of itself", NULL);
	if (!len || p[len - 1].code != (BPF_JMP | BPF_EXIT))
		fail("device program does not end in exit", NULL);
	free(p);
}

static void check_config(const struct ct_config *c)
{
	const struct ct_oci *o = c->oci;
	int i, k;

	if (!o || !c->rootfs || c->rootfs[0] != '/' || !o->root || o->root[0] != '/' ||
	    !o->bundle || o->bundle[0] != '/' || !o->oci_version || !c->env)
		fail("root, bundle, ociVersion or env missing", NULL);
	if (c->cwd && c->cwd[0] != '/')
		fail("relative cwd", c->cwd);
	if (c->argv && !c->argv[0])
		fail("empty argv", NULL);
	for (i = 0; i < o->nmounts; i++)
		if (o->mounts[i].destination[0] != '/')
			fail("relative mount destination", o->mounts[i].destination);
	for (k = 0; k < OCI_HOOK_NKINDS; k++)
		for (i = 0; i < o->nhooks[k]; i++)
			if (o->hooks[k][i].path[0] != '/')
				fail("relative hook path", o->hooks[k][i].path);
	for (i = 0; i < o->nmounts; i++) {
		const struct oci_mount *m = &o->mounts[i];

		if (m->idmap && (!(m->flags & MS_BIND) || !m->nuid_maps || !m->ngid_maps ||
				 m->tree_fd != -1))
			fail("idmapped mount without bind or maps", m->destination);
	}
	check_devbpf(o);
	for (i = 0; i < o->nns; i++)
		if (!o->ns[i].type)
			fail("namespace without a type", NULL);
	if (o->warnings && o->warnings[o->nwarnings])
		fail("warnings not NULL-terminated", NULL);
	for (i = 0; o->seccomp && i < o->seccomp->nrules; i++)
		if (!o->seccomp->rules[i].names || !o->seccomp->rules[i].names[0])
			fail("seccomp rule without names", NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_config c;
	struct err e;

	err_clear(&e);
	if (oci_spec_parse((const char *)data, size, BUNDLE, &c, &e) < 0) {
		check_error(&c, &e);
		return 0;
	}
	check_config(&c);
	ct_config_free(&c);
	return 0;
}
