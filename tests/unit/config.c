/*
 * Unit tests for src/ct/config.c: config.json and state.json survive a
 * save and a load field for field, defaults fill what a file leaves out,
 * and the names derived from a config have their documented shapes.
 * Files go to a mkdtemp() folder that is removed at the end.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ct/config.h"
#include "lib/fs.h"
#include "test.h"

static char dir[] = "/tmp/strata-unit-config-XXXXXX";

static void path_of(char *buf, const char *name)
{
	snprintf(buf, PATH_LEN, "%s/%s", dir, name);
}

static void write_text(const char *name, const char *text)
{
	char path[PATH_LEN];
	struct err e;

	path_of(path, name);
	fs_write_atomic(path, text, strlen(text), &e);
}

static int strv_eq(char **a, char *const *b)
{
	int i;

	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return 0;
	return !a[i] && !b[i];
}

static void test_config_round_trips_every_field(void)
{
	char *argv[] = { "sh", "-c", "echo \"hi\" \\ there", "", NULL };
	char *env[] = { "A=1", "PATH=/bin:/usr/bin", "EMPTY=", NULL };
	struct ct_volume vols[] = {
		{ "/srv/data", "/data", 1 },
		{ "/home/u/src dir", "/src", 0 },
	};
	struct ct_config c = {
		.name = "web", .id = "0123456789ab", .template = "alpine",
		.rootfs = NULL, .hostname = "webhost", .argv = argv, .env = env,
		.cwd = "/work", .vols = vols, .nvols = 2,
		.limits = { .memory = 256ull << 20, .cpus = 1.5, .cpu_shares = 512,
			    .pids = 64 },
		.uid_host = 200000, .uid_count = 1000, .net = "lab",
		.ip = 0x0a4d0005, .tty = 1, .autoremove = 1,
	};
	char path[PATH_LEN];
	struct ct_config l;
	struct err e;

	path_of(path, "config.json");
	test_assert(ct_config_save(&c, path, &e) == 0, "a full config saves");
	test_assert(ct_config_load(&l, path, &e) == 0, "a saved config loads");
	test_assert(!strcmp(l.name, "web"), "name survives a round trip");
	test_assert(!strcmp(l.id, "0123456789ab"), "id survives a round trip");
	test_assert(l.template && !strcmp(l.template, "alpine"),
		    "template survives a round trip");
	test_assert(l.rootfs == NULL, "a NULL rootfs stays NULL");
	test_assert(l.hostname && !strcmp(l.hostname, "webhost"),
		    "hostname survives a round trip");
	test_assert(l.cwd && !strcmp(l.cwd, "/work"), "cwd survives a round trip");
	test_assert(strv_eq(l.argv, argv),
		    "argv survives with quotes, backslashes and empty words");
	test_assert(strv_eq(l.env, env), "env survives a round trip");
	test_assert(l.nvols == 2, "both volumes survive");
	test_assert(l.nvols == 2 && !strcmp(l.vols[0].src, "/srv/data") &&
		    !strcmp(l.vols[0].dst, "/data") && l.vols[0].ro == 1,
		    "a read-only volume survives");
	test_assert(l.nvols == 2 && !strcmp(l.vols[1].src, "/home/u/src dir") &&
		    !strcmp(l.vols[1].dst, "/src") && l.vols[1].ro == 0,
		    "a read-write volume with a space survives");
	test_assert(l.limits.memory == 256ull << 20, "memory limit survives");
	test_assert(l.limits.cpus == 1.5, "cpu quota survives");
	test_assert(l.limits.cpu_shares == 512, "cpu shares survive");
	test_assert(l.limits.pids == 64, "pids limit survives");
	test_assert(l.uid_host == 200000 && l.uid_count == 1000, "user map survives");
	test_assert(l.net && !strcmp(l.net, "lab"), "network name survives");
	test_assert(l.ip == 0x0a4d0005, "ip survives when a network is set");
	test_assert(l.tty == 1, "tty survives");
	test_assert(l.autoremove == 1, "autoremove survives");
	ct_config_free(&l);
	test_assert(l.name == NULL && l.nvols == 0, "ct_config_free clears the struct");
}

static void test_config_without_network_or_options_round_trips(void)
{
	char *argv[] = { "/bin/true", NULL };
	char *env[] = { NULL };
	struct ct_config c = {
		.name = "bare", .id = "ffffffffffff", .rootfs = "/srv/root",
		.argv = argv, .env = env, .uid_host = 0, .uid_count = 1,
		.ip = 0x01020304,
	};
	char path[PATH_LEN];
	struct ct_config l;
	struct err e;

	path_of(path, "bare.json");
	test_assert(ct_config_save(&c, path, &e) == 0, "a minimal config saves");
	test_assert(ct_config_load(&l, path, &e) == 0, "a minimal config loads");
	test_assert(l.template == NULL && l.rootfs && !strcmp(l.rootfs, "/srv/root"),
		    "rootfs without template survives");
	test_assert(l.hostname == NULL && l.cwd == NULL, "NULL hostname and cwd stay NULL");
	test_assert(l.net == NULL, "a NULL network stays NULL");
	test_assert(l.ip == 0, "without a network the ip is not kept");
	test_assert(l.env && l.env[0] == NULL, "an empty env loads as an empty list");
	test_assert(l.vols && l.nvols == 0, "no volumes load as an empty array");
	test_assert(l.limits.memory == 0 && l.limits.cpus == 0 &&
		    l.limits.cpu_shares == 0 && l.limits.pids == 0, "no limits stay 0");
	test_assert(l.uid_host == 0 && l.uid_count == 1, "a user map at 0 is kept, not defaulted");
	test_assert(l.tty == 0 && l.autoremove == 0, "tty and autoremove stay off");
	ct_config_free(&l);
}

static void test_config_with_missing_fields_gets_defaults(void)
{
	char path[PATH_LEN];
	struct ct_config l;
	struct err e;

	write_text("empty.json", "{}");
	path_of(path, "empty.json");
	test_assert(ct_config_load(&l, path, &e) == 0, "an empty object loads");
	test_assert(l.name && !strcmp(l.name, ""), "a missing name loads as empty");
	test_assert(!strcmp(l.id, "000000000000"), "a missing id loads as zeros");
	test_assert(l.argv && l.argv[0] == NULL, "missing args load as an empty list");
	test_assert(l.uid_host == CT_DEFAULT_UID_BASE && l.uid_count == CT_DEFAULT_UID_COUNT,
		    "a missing user map loads the default map");
	ct_config_free(&l);

	write_text("long-id.json", "{\"id\": \"0123456789abcdef0123\", \"network\": \"n\","
		   " \"ip\": \"not an ip\"}");
	path_of(path, "long-id.json");
	test_assert(ct_config_load(&l, path, &e) == 0, "a config with odd values loads");
	test_assert(!strcmp(l.id, "000000000000"), "an id that is not 12 hex digits loads as zeros");
	test_assert(l.ip == 0, "a bad ip loads as 0");
	ct_config_free(&l);
}

static void test_config_load_refuses_bad_files(void)
{
	char path[PATH_LEN];
	struct ct_config l;
	struct err e;

	path_of(path, "missing.json");
	test_assert(ct_config_load(&l, path, &e) == -ENOENT, "a missing config is -ENOENT");
	write_text("broken.json", "{\"name\": ");
	path_of(path, "broken.json");
	test_assert(ct_config_load(&l, path, &e) == -EINVAL, "broken JSON is -EINVAL");
	test_assert(strstr(e.msg, "broken.json") != NULL, "the error names the file");
}

static void test_state_round_trips(void)
{
	struct ct_state s = {
		.status = CT_RUNNING, .pid = 4242, .pid_start = 123456789012ull,
		.monitor = 4241, .monitor_start = 987654321ull, .exit_code = 137,
		.started = 1700000000, .finished = 1700000100,
	}, l;
	char path[PATH_LEN];
	struct err e;

	path_of(path, "state.json");
	test_assert(ct_state_save(&s, path, &e) == 0, "a state saves");
	test_assert(ct_state_load(&l, path, &e) == 0, "a saved state loads");
	test_assert(l.status == CT_RUNNING, "status survives");
	test_assert(l.pid == 4242 && l.pid_start == 123456789012ull, "pid and its start survive");
	test_assert(l.monitor == 4241 && l.monitor_start == 987654321ull,
		    "monitor and its start survive");
	test_assert(l.exit_code == 137, "exit code survives");
	test_assert(l.started == 1700000000 && l.finished == 1700000100,
		    "start and finish times survive");

	s.status = CT_CREATED;
	ct_state_save(&s, path, &e);
	test_assert(ct_state_load(&l, path, &e) == 0 && l.status == CT_CREATED,
		    "created survives");
	s.status = CT_STOPPED;
	s.exit_code = -1;
	ct_state_save(&s, path, &e);
	test_assert(ct_state_load(&l, path, &e) == 0 && l.status == CT_STOPPED,
		    "stopped survives");
	test_assert(l.exit_code == -1, "an unknown exit code (-1) survives");
}

static void test_state_with_missing_fields_gets_defaults(void)
{
	char path[PATH_LEN];
	struct ct_state l;
	struct err e;

	write_text("state-empty.json", "{\"status\": \"zombie\"}");
	path_of(path, "state-empty.json");
	test_assert(ct_state_load(&l, path, &e) == 0, "a sparse state loads");
	test_assert(l.status == CT_STOPPED, "an unknown status loads as stopped");
	test_assert(l.exit_code == -1, "a missing exit code loads as -1");
	test_assert(l.pid == 0 && l.monitor == 0, "missing pids load as 0");
	path_of(path, "no-state.json");
	test_assert(ct_state_load(&l, path, &e) == -ENOENT, "a missing state is -ENOENT");
	test_assert(l.exit_code == -1 && l.status == CT_CREATED && l.pid == 0,
		    "a failed state load still leaves a cleared state");
}

static void test_status_names(void)
{
	test_assert(!strcmp(ct_status_name(CT_CREATED), "created"), "CT_CREATED is created");
	test_assert(!strcmp(ct_status_name(CT_RUNNING), "running"), "CT_RUNNING is running");
	test_assert(!strcmp(ct_status_name(CT_STOPPED), "stopped"), "CT_STOPPED is stopped");
	test_assert(!strcmp(ct_status_name((enum ct_status)7), "unknown"),
		    "an out-of-range status is unknown");
}

static void test_derived_names(void)
{
	struct ct_config c = { .name = "web", .id = "0123456789ab" };
	char cg[CT_CGROUP_LEN], veth[16], name[CT_NAME_MAX + 1];
	int i, hex = 1;

	ct_cgroup_name(&c, cg);
	test_assert(!strcmp(cg, "web-0123456789ab"), "the cgroup is NAME-ID");
	ct_veth_name(&c, veth);
	test_assert(!strcmp(veth, "sv0123456789"), "the veth is sv plus ten hex digits");
	test_assert(strlen(veth) < 16, "the veth name fits IFNAMSIZ");

	memset(name, 'n', CT_NAME_MAX);
	name[CT_NAME_MAX] = '\0';
	c.name = name;
	ct_cgroup_name(&c, cg);
	test_assert(strlen(cg) == CT_NAME_MAX + 1 + CT_ID_LEN &&
		    !strcmp(cg + CT_NAME_MAX, "-0123456789ab"),
		    "the longest name still gets its whole id");

	ct_config_new_id(&c);
	for (i = 0; i < CT_ID_LEN; i++)
		hex &= isxdigit((unsigned char)c.id[i]) && !isupper((unsigned char)c.id[i]);
	test_assert(strlen(c.id) == CT_ID_LEN && hex, "a new id is twelve lowercase hex digits");
}

int main(void)
{
	struct err e;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_config_round_trips_every_field();
	test_config_without_network_or_options_round_trips();
	test_config_with_missing_fields_gets_defaults();
	test_config_load_refuses_bad_files();
	test_state_round_trips();
	test_state_with_missing_fields_gets_defaults();
	test_status_names();
	test_derived_names();
	test_assert(fs_rm_rf(dir, &e) == 0 && !fs_exists(dir), "the temp folder is removed");
	return test_report();
}
