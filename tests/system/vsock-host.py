# The host side of t-vm.sh's virtio-vsock check, Firecracker's protocol:
# listen on UDS_1234 for the guest's connection, read its line, answer
# "ack"; then connect to UDS, ask for guest port 52 with "CONNECT 52\n",
# read "OK <port>\n" and say "hi 52".  Prints what it saw, one per line.
import socket
import sys

uds = sys.argv[1]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(uds + "_1234")
srv.listen(1)
srv.settimeout(20)
print("listening", flush=True)


def read_line(s):
    b = b""
    while not b.endswith(b"\n"):
        c = s.recv(1)
        if not c:
            break
        b += c
    return b.decode(errors="replace").strip()


def read_eof(s):
    b = b""
    while True:
        c = s.recv(4096)
        if not c:
            return b
        b += c


c, _ = srv.accept()
c.settimeout(20)
print("guest line:", read_line(c))
c.sendall(b"ack\n")
print("guest eof after:", repr(read_eof(c)))
c.close()
srv.close()

h = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
h.settimeout(20)
h.connect(uds)
h.sendall(b"CONNECT 52\n")
print("answer:", read_line(h))
h.sendall(b"hi 52\n")
print("port 52 eof after:", repr(read_eof(h)))
h.close()
