/* procs: fork, a pipe between parent and child, waitpid with the
 * child's exit status, and SIGPIPE ignored so a write gets EPIPE. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	char buf[64];
	int fd[2], status, n;
	pid_t pid;

	if (pipe(fd) < 0)
		return perror("pipe"), 1;
	pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		close(fd[0]);
		n = snprintf(buf, sizeof(buf), "from child, ppid matches: %d", getppid() > 1);
		write(fd[1], buf, n);
		_exit(7);
	}
	close(fd[1]);
	n = read(fd[0], buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	printf("parent read: %s\n", buf);
	close(fd[0]);
	if (waitpid(pid, &status, 0) != pid)
		return perror("waitpid"), 1;
	printf("child exited: %d code %d\n", WIFEXITED(status), WEXITSTATUS(status));
	signal(SIGPIPE, SIG_IGN);
	if (pipe(fd) < 0)
		return 1;
	close(fd[0]);
	printf("write to closed pipe: %zd %s\n", write(fd[1], "x", 1), strerror(errno));
	return 0;
}
