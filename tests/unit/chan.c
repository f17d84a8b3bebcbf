/*
 * Unit tests for src/lib/chan.c: messages with text and with a passed file
 * descriptor over a socketpair, and -EPIPE once the peer has gone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/chan.h"
#include "test.h"

static void test_text_message_arrives_whole(void)
{
	struct chan_msg m;
	struct err e;
	int sv[2], fd = 7;

	test_assert(chan_pair(sv, &e) == 0, "chan_pair makes a socket pair");
	test_assert(fcntl(sv[0], F_GETFD) & FD_CLOEXEC, "the sockets are close-on-exec");
	test_assert(chan_send(sv[0], 3, -42, "hello", -1) == 0, "a text message is sent");
	memset(&m, 0xff, sizeof(m));
	test_assert(chan_recv(sv[1], &m, &fd) == 0, "a text message is received");
	test_assert(m.type == 3 && m.value == -42, "type and value arrive");
	test_assert(!strcmp(m.text, "hello"), "the text arrives");
	test_assert(fd == -1, "a message without fd gives -1");

	test_assert(chan_send(sv[1], 4, 0, NULL, -1) == 0, "a message without text is sent");
	test_assert(chan_recv(sv[0], &m, NULL) == 0 && m.type == 4 && m.text[0] == '\0',
		    "a NULL text arrives as \"\" in the other direction");
	close(sv[0]);
	close(sv[1]);
}

static void test_long_text_is_cut_and_terminated(void)
{
	char text[ERR_MSG_LEN + 100];
	struct chan_msg m;
	struct err e;
	int sv[2];

	memset(text, 'z', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	chan_pair(sv, &e);
	test_assert(chan_send(sv[0], 1, 0, text, -1) == 0, "an over-long text is sent");
	test_assert(chan_recv(sv[1], &m, NULL) == 0, "an over-long text is received");
	test_assert(strlen(m.text) == ERR_MSG_LEN - 1, "the text is cut to fit and terminated");
	close(sv[0]);
	close(sv[1]);
}

static void test_passed_fd_can_be_written_through(void)
{
	char tmpl[] = "/tmp/strata-unit-chan-XXXXXX", buf[32] = "";
	struct chan_msg m;
	struct err e;
	int sv[2], file, got = -1;

	file = mkstemp(tmpl);
	chan_pair(sv, &e);
	test_assert(chan_send(sv[0], 9, 1, "fd", file) == 0, "a message with an fd is sent");
	test_assert(chan_recv(sv[1], &m, &got) == 0, "a message with an fd is received");
	test_assert(got >= 0 && got != file, "a new descriptor arrives");
	test_assert(got >= 0 && (fcntl(got, F_GETFD) & FD_CLOEXEC),
		    "the received fd is close-on-exec");
	test_assert(write(got, "through", 7) == 7, "the received fd can be written");
	test_assert(pread(file, buf, sizeof(buf) - 1, 0) == 7 && !strcmp(buf, "through"),
		    "what was written through the received fd is in the file");
	test_assert(m.type == 9 && !strcmp(m.text, "fd"), "the message rides with the fd");
	close(got);

	test_assert(chan_send(sv[0], 9, 1, NULL, file) == 0, "a second fd is sent");
	test_assert(chan_recv(sv[1], &m, NULL) == 0,
		    "an fd nobody asked for is received (and closed)");
	close(file);
	unlink(tmpl);
	close(sv[0]);
	close(sv[1]);
}

static void test_error_message_carries_code_and_text(void)
{
	struct chan_msg m;
	struct err e, sent;
	int sv[2];

	chan_pair(sv, &e);
	err_msg(&sent, -ENOSPC, "mount /proc");
	test_assert(chan_send_err(sv[0], 5, &sent) == 0, "an error is sent");
	test_assert(chan_recv(sv[1], &m, NULL) == 0 && m.type == 5 && m.value == -ENOSPC &&
		    !strcmp(m.text, "mount /proc"), "an error arrives with its code and text");
	close(sv[0]);
	close(sv[1]);
}

static void test_closed_peer_gives_epipe(void)
{
	struct chan_msg m;
	struct err e;
	int sv[2], fd = 5;

	chan_pair(sv, &e);
	close(sv[0]);
	test_assert(chan_recv(sv[1], &m, &fd) == -EPIPE,
		    "receiving from a closed peer is -EPIPE");
	test_assert(fd == -1, "no fd is reported after the peer closed");
	test_assert(chan_send(sv[1], 1, 0, "x", -1) == -EPIPE,
		    "sending to a closed peer is -EPIPE, not SIGPIPE");
	close(sv[1]);

	chan_pair(sv, &e);
	chan_send(sv[0], 2, 0, "last words", -1);
	close(sv[0]);
	test_assert(chan_recv(sv[1], &m, NULL) == 0 && !strcmp(m.text, "last words"),
		    "a message sent before closing is still read");
	test_assert(chan_recv(sv[1], &m, NULL) == -EPIPE, "then the closed peer is -EPIPE");
	close(sv[1]);
}

static void test_short_message_is_eproto(void)
{
	struct chan_msg m;
	struct err e;
	int sv[2];

	chan_pair(sv, &e);
	test_assert(write(sv[0], "hi", 2) == 2, "a short datagram is written");
	test_assert(chan_recv(sv[1], &m, NULL) == -EPROTO,
		    "a message of the wrong size is -EPROTO");
	close(sv[0]);
	close(sv[1]);
}

static void test_closed_socket_is_an_error(void)
{
	struct chan_msg m;

	test_assert(chan_recv(-1, &m, NULL) == -EBADF, "a bad socket is -EBADF");
	test_assert(chan_send(-1, 0, 0, NULL, -1) == -EBADF, "sending on a bad socket is -EBADF");
}

int main(void)
{
	test_text_message_arrives_whole();
	test_long_text_is_cut_and_terminated();
	test_passed_fd_can_be_written_through();
	test_error_message_carries_code_and_text();
	test_closed_peer_gives_epipe();
	test_short_message_is_eproto();
	test_closed_socket_is_an_error();
	return test_report();
}
