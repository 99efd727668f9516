# The client of line_server.py: reads the banner, then sends each line and reads its reply.
# Exits non-zero when the server does not answer within 3 s.
#   python3 line_client.py HOST PORT [LINE...]
import socket
import sys

host, port, lines = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
c = socket.create_connection((host, port), timeout=3)
c.recv(200)
for line in lines:
    c.sendall(line.encode().decode("unicode_escape").encode())
    c.recv(200)
c.close()
