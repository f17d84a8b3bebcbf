/*
 * fuzz_vm_api -- libFuzzer target for the VM's API socket: the request
 * parser (api_parse) and the whole answer (api_handle) against a fake
 * machine.  Every input is one request line from any local process that
 * can reach the socket.  Nothing may crash or leak, a reply is always
 * one JSON object ending in one newline, and an accepted request names
 * one of the four actions.
 *
 * Build: make fuzz.  Replay a crash: build/fuzz/fuzz_vm_api FILE...
 */
#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vm/api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fake_act(void *ctx, enum api_action a, struct api_stats *s,
		    struct err *e)
{
	(void)ctx;
	s->state = a == API_PAUSE ? "paused" : "running";
	s->vcpus = 2;
	s->exits = 42;
	s->uptime = 1.5;
	s->mem = 64 << 20;
	if (a == API_STOP)
		return err_msg(e, -ESRCH, "the VM is stopping");
	return 0;
}

static void check(int cond, const char *what)
{
	if (cond)
		return;
	fprintf(stderr, "broken contract: %s\n", what);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct api_ops ops = { NULL, fake_act };
	enum api_action a = (enum api_action)-1;
	struct err e = { 0 };
	char *reply;
	size_t n;
	json_t *j;

	if (api_parse((const char *)data, size, &a, &e) == 0)
		check(a >= API_PAUSE && a <= API_STATS, "an accepted request names an action");
	else
		check(e.code < 0 && e.msg[0], "a refused request says why");
	reply = api_handle(&ops, (const char *)data, size);
	if (!reply)
		return 0;	/* out of memory */
	n = strlen(reply);
	check(n > 1 && reply[n - 1] == '\n' && !memchr(reply, '\n', n - 1),
	      "a reply is one line");
	j = json_loadb(reply, n, 0, NULL);
	check(json_is_object(j), "a reply is a JSON object");
	check(json_is_boolean(json_object_get(j, "ok")), "with ok");
	json_decref(j);
	free(reply);
	return 0;
}
