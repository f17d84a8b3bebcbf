/*
 * httplog -- the "server on the host side" of the network tests: a tiny
 * HTTP/1.0 server that answers every GET with "hello" and logs each
 * client's address, one per line, to stdout.
 *
 *	httplog ADDR PORT MAX_REQUESTS TIMEOUT_S
 *
 * Exits after MAX_REQUESTS or TIMEOUT_S seconds, whichever comes first,
 * so a test can never leave it running.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static const char reply[] =
		"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
		"Content-Length: 6\r\n\r\nhello\n";
	struct sockaddr_in a = { .sin_family = AF_INET };
	int s, one = 1, n, max;

	if (argc != 5) {
		fprintf(stderr, "usage: httplog ADDR PORT MAX_REQUESTS TIMEOUT_S\n");
		return 2;
	}
	max = atoi(argv[3]);
	alarm(atoi(argv[4]));
	a.sin_port = htons(atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1)
		return 2;
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 64) < 0) {
		perror("httplog: bind");
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (n = 0; n < max; n++) {
		struct sockaddr_in peer;
		socklen_t len = sizeof(peer);
		char buf[2048], ip[16];
		int c = accept(s, (struct sockaddr *)&peer, &len);

		if (c < 0)
			continue;
		if (read(c, buf, sizeof(buf)) > 0 && write(c, reply, sizeof(reply) - 1) < 0)
			perror("httplog: write");
		close(c);
		printf("client %s\n", inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip)));
	}
	return 0;
}
