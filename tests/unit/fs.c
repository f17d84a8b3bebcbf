/*
 * Unit tests for src/lib/fs.c: atomic writes, mkdir -p, rm -rf, whole-file
 * reads, path length checks and flock(2) locks.  Everything happens in a
 * mkdtemp() folder that is removed at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/fs.h"
#include "test.h"

static char dir[] = "/tmp/strata-unit-fs-XXXXXX";

static void path_of(char *buf, const char *name)
{
	snprintf(buf, PATH_LEN, "%s/%s", dir, name);
}

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int holds(const char *path, const char *want)
{
	struct err e;
	size_t len;
	char *buf;
	int ok;

	if (fs_read_file(path, &buf, &len, &e) < 0)
		return 0;
	ok = len == strlen(want) && !strcmp(buf, want);
	free(buf);
	return ok;
}

static void test_write_atomic_replaces_and_leaves_no_tmp(void)
{
	char path[PATH_LEN], tmp[PATH_LEN];
	struct err e;

	path_of(path, "a.json");
	path_of(tmp, "a.json.tmp");
	test_assert(fs_write_atomic(path, "first", 5, &e) == 0, "a new file is written");
	test_assert(holds(path, "first"), "the new file holds what was written");
	test_assert(fs_write_atomic(path, "2nd", 3, &e) == 0, "an existing file is rewritten");
	test_assert(holds(path, "2nd"), "a shorter write replaces the whole content");
	test_assert(!fs_exists(tmp), "no .tmp file is left behind");
	test_assert(fs_write_atomic(path, "", 0, &e) == 0 && holds(path, ""),
		    "an empty write leaves an empty file");
}

static void test_write_atomic_into_a_missing_folder_fails(void)
{
	char path[PATH_LEN];
	struct err e;

	path_of(path, "nope/a.json");
	test_assert(fs_write_atomic(path, "x", 1, &e) == -ENOENT,
		    "writing into a missing folder is -ENOENT");
	test_assert(strstr(e.msg, "a.json.tmp") != NULL, "the error names the file");
}

static void test_mkdir_p_makes_nested_and_accepts_existing(void)
{
	char path[PATH_LEN], file[PATH_LEN];
	struct err e;

	path_of(path, "m/n/o/p");
	test_assert(fs_mkdir_p(path, 0755, &e) == 0, "nested folders are made");
	test_assert(is_dir(path), "the deepest folder exists");
	test_assert(fs_mkdir_p(path, 0755, &e) == 0, "making an existing folder is fine");
	path_of(path, "m/n/o/p/");
	test_assert(fs_mkdir_p(path, 0755, &e) == 0, "a trailing slash is fine");
	path_of(path, "m//n2");
	test_assert(fs_mkdir_p(path, 0755, &e) == 0, "a doubled slash is fine");
	path_of(file, "m/file");
	fs_write_atomic(file, "x", 1, &e);
	path_of(path, "m/file/sub");
	test_assert(fs_mkdir_p(path, 0755, &e) == -ENOTDIR,
		    "a file in the way is -ENOTDIR");
}

static void test_rm_rf_removes_a_tree(void)
{
	char path[PATH_LEN], file[PATH_LEN], link[PATH_LEN], keep[PATH_LEN];
	struct err e;

	path_of(keep, "keep");
	fs_write_atomic(keep, "k", 1, &e);
	path_of(path, "t/a/b/c");
	fs_mkdir_p(path, 0755, &e);
	path_of(file, "t/a/b/c/f");
	fs_write_atomic(file, "x", 1, &e);
	path_of(file, "t/a/g");
	fs_write_atomic(file, "y", 1, &e);
	path_of(link, "t/a/link");
	test_assert(symlink(keep, link) == 0, "a symlink for rm_rf is made");
	path_of(path, "t");
	test_assert(fs_rm_rf(path, &e) == 0, "a tree is removed");
	test_assert(!fs_exists(path), "the tree's root is gone");
	test_assert(holds(keep, "k"), "a symlink's target outside the tree is kept");
	path_of(path, "never-there");
	test_assert(fs_rm_rf(path, &e) == 0, "removing a missing path is 0");
	test_assert(fs_rm_rf(keep, &e) == 0 && !fs_exists(keep), "a single file is removed");
}

static void test_read_file_of_empty_and_large_files(void)
{
	char path[PATH_LEN], *big, *buf = NULL;
	size_t i, n = 3 * 4096 + 17, len = 99;
	struct err e;

	path_of(path, "empty");
	fs_write_atomic(path, "", 0, &e);
	test_assert(fs_read_file(path, &buf, &len, &e) == 0, "an empty file is read");
	test_assert(len == 0 && buf && buf[0] == '\0', "an empty file reads as \"\"");
	free(buf);

	big = malloc(n);
	for (i = 0; i < n; i++)
		big[i] = 'a' + i % 26;
	path_of(path, "big");
	fs_write_atomic(path, big, n, &e);
	test_assert(fs_read_file(path, &buf, &len, &e) == 0, "a >4096-byte file is read");
	test_assert(len == n && !memcmp(buf, big, n), "all bytes of a large file are read");
	test_assert(buf[len] == '\0', "a large file is NUL-terminated");
	free(buf);

	fs_write_atomic(path, big, 4096, &e);
	test_assert(fs_read_file(path, &buf, NULL, &e) == 0 && strlen(buf) == 4096,
		    "a file of exactly 4096 bytes is read whole");
	free(buf);
	free(big);

	path_of(path, "absent");
	test_assert(fs_read_file(path, &buf, &len, &e) == -ENOENT, "a missing file is -ENOENT");
}

static void test_path_refuses_too_long(void)
{
	char buf[PATH_LEN], *part;
	struct err e;

	part = malloc(PATH_LEN + 1);
	memset(part, 'x', PATH_LEN);
	part[PATH_LEN - 1] = '\0';
	test_assert(fs_path(buf, &e, "%s/%s", "/root", "name") == 0 &&
		    !strcmp(buf, "/root/name"), "fs_path formats a path");
	test_assert(fs_path(buf, &e, "%s", part) == 0 && strlen(buf) == PATH_LEN - 1,
		    "a path of PATH_LEN-1 characters fits");
	part[PATH_LEN - 1] = 'x';
	part[PATH_LEN] = '\0';
	test_assert(fs_path(buf, &e, "%s", part) == -ENAMETOOLONG,
		    "a path of PATH_LEN characters is -ENAMETOOLONG");
	test_assert(!strcmp(e.msg, "path too long"), "the error says the path is too long");
	test_assert(fs_path(buf, &e, "/a/%s", part) == -ENAMETOOLONG,
		    "a path longer than PATH_LEN is refused");
	test_assert(fs_mkdir_p(part, 0755, &e) == -ENAMETOOLONG,
		    "fs_mkdir_p refuses a too-long path");
	free(part);
}

/* In a child: 0 when a second lock on @path would block, 1 when it is free. */
static int child_can_lock(const char *path)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		int fd = open(path, O_RDWR | O_CLOEXEC);

		if (fd < 0)
			_exit(2);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			_exit(1);
		_exit(errno == EWOULDBLOCK ? 0 : 3);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

static void test_lock_excludes_another_process(void)
{
	char path[PATH_LEN];
	struct err e;
	int fd;

	path_of(path, "lock");
	fd = fs_lock(path, &e);
	test_assert(fd >= 0, "fs_lock creates and locks a file");
	test_assert(fs_exists(path), "the lock file exists");
	test_assert(child_can_lock(path) == 0, "another process cannot take a held lock");
	fs_unlock(fd);
	test_assert(child_can_lock(path) == 1, "the lock is free after fs_unlock");
	fd = fs_lock(path, &e);
	test_assert(fd >= 0, "an existing lock file is locked again");
	test_assert(child_can_lock(path) == 0, "the lock is held again");
	fs_unlock(fd);
	fs_unlock(-1);
	path_of(path, "no/such/lock");
	test_assert(fs_lock(path, &e) == -ENOENT, "a lock in a missing folder is -ENOENT");
}

static void test_write_str_needs_an_existing_file(void)
{
	char path[PATH_LEN];
	struct err e;

	path_of(path, "knob");
	test_assert(fs_write_str(path, "1", &e) == -ENOENT, "fs_write_str does not create");
	fs_write_atomic(path, "", 0, &e);
	test_assert(fs_write_str(path, "max", &e) == 0 && holds(path, "max"),
		    "fs_write_str writes into an existing file");
}

static void test_root_follows_the_environment(void)
{
	setenv("STRATA_ROOT", "/tmp/elsewhere", 1);
	test_assert(!strcmp(fs_root(), "/tmp/elsewhere"), "STRATA_ROOT sets the root");
	setenv("STRATA_ROOT", "", 1);
	test_assert(!strcmp(fs_root(), STRATA_DEFAULT_ROOT), "an empty STRATA_ROOT is ignored");
	unsetenv("STRATA_ROOT");
	test_assert(!strcmp(fs_root(), STRATA_DEFAULT_ROOT), "without STRATA_ROOT the default is used");
}

int main(void)
{
	struct err e;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_write_atomic_replaces_and_leaves_no_tmp();
	test_write_atomic_into_a_missing_folder_fails();
	test_mkdir_p_makes_nested_and_accepts_existing();
	test_rm_rf_removes_a_tree();
	test_read_file_of_empty_and_large_files();
	test_path_refuses_too_long();
	test_lock_excludes_another_process();
	test_write_str_needs_an_existing_file();
	test_root_follows_the_environment();
	test_assert(fs_rm_rf(dir, &e) == 0 && !fs_exists(dir), "the temp folder is removed");
	return test_report();
}
