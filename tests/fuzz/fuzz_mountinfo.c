/*
 * fuzz_mountinfo -- libFuzzer target for cgroup_layout_parse(), which reads
 * /proc/self/mountinfo: text whose mount points any user can choose
 * (a bind mount at "/tmp/a\040b"), so it is parsed as untrusted input.
 *
 * The input is the mountinfo text.  If it holds a NUL, what follows the
 * first NUL is the v2 root's cgroup.controllers; otherwise that is
 * "cpu memory pids".  Nothing may crash, leak or trip a sanitizer, and
 * the layout must stay well formed: versions 0..2, mounts NUL-terminated,
 * a v2 controller only where a cgroup2 mount was found.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_mountinfo FILE...
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/cgroup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken layout: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cgroup_layout l;
	const char *ctls = "cpu memory pids";
	char *text;
	size_t n;
	struct err e;
	int i;

	/* Exactly size + 1 bytes, so reading past the text is caught. */
	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	n = strlen(text);
	if (n < size)
		ctls = text + n + 1;
	if (cgroup_layout_parse(text, ctls, &l, &e) == 0) {
		check(memchr(l.v2_mount, '\0', sizeof(l.v2_mount)) != NULL,
		      "the v2 mount is NUL-terminated");
		for (i = 0; i < CGROUP_NCTL; i++) {
			check(l.ctl[i].version >= 0 && l.ctl[i].version <= 2,
			      "a version is 0, 1 or 2");
			check(memchr(l.ctl[i].mount, '\0', sizeof(l.ctl[i].mount)) != NULL,
			      "a mount is NUL-terminated");
			check(l.ctl[i].version != 2 ||
			      (l.v2_mount[0] && !strcmp(l.ctl[i].mount, l.v2_mount)),
			      "a v2 controller lives at the cgroup2 mount");
		}
	}
	free(text);
	return 0;
}
