/* netecho: a TCP echo over 127.0.0.1.  The server is a thread running
 * an epoll loop (epoll_create1, epoll_ctl with data.u64 cookies,
 * epoll_wait); the main thread is the client.  Then poll, ppoll and
 * pselect on a pipe, and an epoll_pwait that a signal interrupts. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <unistd.h>

#define COOKIE 0x1234567890abcdefULL

static int lsock;
static volatile int echoed;

static void *server(void *arg)
{
	struct epoll_event ev, evs[4];
	int ep = epoll_create1(EPOLL_CLOEXEC), n, i, c, done = 0;
	char buf[256];
	ssize_t r;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = COOKIE;
	epoll_ctl(ep, EPOLL_CTL_ADD, lsock, &ev);
	while (!done) {
		n = epoll_wait(ep, evs, 4, 5000);
		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 == COOKIE) {
				c = accept(lsock, NULL, NULL);
				ev.events = EPOLLIN | EPOLLRDHUP;
				ev.data.u64 = ((uint64_t)c << 32) | 0xc11e;
				epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev);
				continue;
			}
			if ((evs[i].data.u64 & 0xffffffff) != 0xc11e) {
				printf("server: bad cookie %#llx\n", (unsigned long long)evs[i].data.u64);
				return NULL;
			}
			c = (int)(evs[i].data.u64 >> 32);
			r = read(c, buf, sizeof(buf));
			if (r <= 0) {
				epoll_ctl(ep, EPOLL_CTL_DEL, c, NULL);
				close(c);
				done = 1;
				continue;
			}
			write(c, buf, r);
			echoed += r;
		}
	}
	close(ep);
	return NULL;
}

static void on_usr1(int sig)
{
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	pthread_t th;
	char buf[256];
	int s, i, fd[2], ep;
	struct pollfd pf;
	struct timespec ts = { 0, 10000000 };
	fd_set rs;
	struct epoll_event ev;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (bind(lsock, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lsock, 4) < 0)
		return perror("bind/listen"), 1;
	getsockname(lsock, (struct sockaddr *)&a, &len);
	pthread_create(&th, NULL, server, NULL);

	s = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) < 0)
		return perror("connect"), 1;
	for (i = 0; i < 5; i++) {
		int n = snprintf(buf, sizeof(buf), "message %d over loopback", i), got = 0, r;

		write(s, buf, n);
		while (got < n && (r = read(s, buf + got, sizeof(buf) - got)) > 0)
			got += r;
		buf[got] = '\0';
		printf("echo: %s\n", buf);
	}
	shutdown(s, SHUT_WR);
	pthread_join(th, NULL);
	close(s);
	printf("server echoed %d bytes\n", echoed);

	pipe(fd);
	pf.fd = fd[0];
	pf.events = POLLIN;
	printf("poll empty: %d\n", poll(&pf, 1, 10));
	write(fd[1], "x", 1);
	printf("ppoll ready: %d revents %#x\n", ppoll(&pf, 1, &ts, NULL), pf.revents);
	FD_ZERO(&rs);
	FD_SET(fd[0], &rs);
	printf("pselect ready: %d isset %d\n", pselect(fd[0] + 1, &rs, NULL, NULL, &ts, NULL),
	       FD_ISSET(fd[0], &rs));

	ep = epoll_create1(0);
	ev.events = EPOLLIN | EPOLLET;
	ev.data.u64 = 77;
	epoll_ctl(ep, EPOLL_CTL_ADD, fd[0], &ev);
	memset(&ev, 0, sizeof(ev));
	printf("epoll level: %d data %llu events %#x\n", epoll_wait(ep, &ev, 1, 100),
	       (unsigned long long)ev.data.u64, ev.events);
	printf("epoll edge again: %d\n", epoll_wait(ep, &ev, 1, 10));
	signal(SIGUSR1, on_usr1);
	alarm(0);
	{
		sigset_t m;

		sigemptyset(&m);
		pthread_kill(pthread_self(), SIGUSR1);	/* delivered now */
		printf("epoll_pwait with empty mask, nothing ready: %d\n",
		       epoll_pwait(ep, &ev, 1, 20, &m));
	}
	printf("epoll_ctl bad fd: %d %s\n", epoll_ctl(ep, EPOLL_CTL_ADD, 999, &ev), strerror(errno));
	return 0;
}
