/* files: create, write, seek, stat, read back, list and remove a file
 * and a folder under /tmp; prints what it sees. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int main(void)
{
	char dir[64], path[96], buf[64];
	struct stat st;
	struct dirent *d;
	DIR *dp;
	FILE *f;
	int fd, n;

	snprintf(dir, sizeof(dir), "/tmp/emu-files-%d", (int)getpid());
	if (mkdir(dir, 0755) < 0)
		return perror("mkdir"), 1;
	snprintf(path, sizeof(path), "%s/data.txt", dir);
	f = fopen(path, "w");
	if (!f)
		return perror("fopen"), 1;
	for (n = 0; n < 100; n++)
		fprintf(f, "line %d\n", n);
	fclose(f);
	if (stat(path, &st) < 0)
		return perror("stat"), 1;
	printf("size %lld mode %o regular %d\n", (long long)st.st_size,
	       (unsigned)(st.st_mode & 0777), S_ISREG(st.st_mode));
	fd = open(path, O_RDONLY);
	lseek(fd, 70, SEEK_SET);
	n = read(fd, buf, 20);
	buf[n] = '\0';
	printf("at 70: %s|\n", strtok(buf, "\n"));
	n = pread(fd, buf, 7, 0);
	buf[n] = '\0';
	printf("pread: %s\n", buf);
	if (fstat(fd, &st) == 0)
		printf("fstat size %lld nlink %lu\n", (long long)st.st_size,
		       (unsigned long)st.st_nlink);
	close(fd);
	dp = opendir(dir);
	while (dp && (d = readdir(dp)))
		if (d->d_name[0] != '.')
			printf("entry %s\n", d->d_name);
	if (dp)
		closedir(dp);
	printf("access missing: %d\n", access("/tmp/emu-no-such-file", F_OK));
	unlink(path);
	rmdir(dir);
	printf("gone: %d\n", stat(dir, &st) < 0);
	return 0;
}
