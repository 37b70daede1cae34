#!/usr/bin/env bats
# uds client is two-way, as nc -U and socat - are: it sends a message or standard input, shuts down
# its sending side, and prints what the server sends back until the server closes, byte for byte
# when piped. The servers are real programs nobody here wrote (redis-server, Python's http.server on
# a unix socket, socat running cat), started once for the file; what the client prints is compared
# with the bytes the protocol defines, or with what socat prints for the same request.

load helpers

setup_file() {
  export redis=$BATS_FILE_TMPDIR/redis.sock http=$BATS_FILE_TMPDIR/http.sock echo=$BATS_FILE_TMPDIR/echo.sock
  export http_name
  http_name=$(unique http)
  start_server redis redis-server --port 0 --unixsocket "$redis" --unixsocketperm 700 --save '' --appendonly no --dir "$BATS_FILE_TMPDIR"
  start_server http python3 -u "$FIXTURES/http_unix.py" "$http"
  start_server http_abstract python3 -u "$FIXTURES/http_unix.py" "@$http_name"
  start_server echo socat "UNIX-LISTEN:$echo,fork" EXEC:cat
  wait_for_output redis "ready to accept connections"
  wait_for_output http "^listening\$"
  wait_for_output http_abstract "^listening\$"
  wait_until "socat listening at $echo" listening "$echo"
}

teardown_file() {
  stop_servers
}

# listening ADDRESS: /proc/net/unix lists a listening socket (flags 00010000) at ADDRESS.
listening() {
  proc_net_unix_row "$1" | grep -q ' 00010000 '
}

# uds_client ARGS...: the client, its standard input the test's, its output in $BATS_TEST_TMPDIR/out
# and err (files: bats' $output would drop a trailing newline), its exit code in $status (so it takes
# its input by redirection, not from a pipe, which would run it in a subshell). It must end
# within 60 s: a client and a server that wait on each other fail the test instead of hanging it.
uds_client() {
  status=0
  timeout 60 "$KIT/jbang" "$KIT/scripts/uds.java" client "$@" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || status=$?
}

# assert_bytes FILE ESCAPED: FILE holds exactly the bytes of ESCAPED, its \r and \n as printf's %b reads them.
assert_bytes() {
  printf '%b' "$2" >"$BATS_TEST_TMPDIR/expected"
  cmp "$BATS_TEST_TMPDIR/expected" "$1" || fail "$(od -c "$1" | head -n 20)"
}

@test "redis-server: PING gives +PONG and ECHO its argument, byte for byte on stdout; 'Connected to server at PATH' on stderr" {
  uds_client "$redis" - < <(printf 'PING\r\nECHO hello\r\n')
  [ "$status" -eq 0 ]
  # shellcheck disable=SC2016 # $5 is how RESP says "5 bytes follow", not a variable
  assert_bytes "$BATS_TEST_TMPDIR/out" '+PONG\r\n$5\r\nhello\r\n'
  run cat "$BATS_TEST_TMPDIR/err"
  assert_output "Connected to server at $redis"
}

@test "Python's http.server, on a path and on @name: a raw HTTP/1.0 request gets the reply socat gets, byte for byte" {
  request='GET /raw HTTP/1.0\r\nHost: kit\r\n\r\n'
  printf '%b' "$request" | socat - "UNIX-CONNECT:$http" >"$BATS_TEST_TMPDIR/socat"
  assert_bytes "$BATS_TEST_TMPDIR/socat" 'HTTP/1.1 200 OK\r\nServer: http_unix.py\r\nDate: Thu, 01 Jan 1970 00:00:00 GMT\r\nContent-Type: text/plain\r\nContent-Length: 16\r\n\r\nHello from /raw\n'
  uds_client "$http" - < <(printf '%b' "$request")
  [ "$status" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/socat" "$BATS_TEST_TMPDIR/out"
  uds_client "@$http_name" - < <(printf '%b' "$request")
  [ "$status" -eq 0 ]
  cmp "$BATS_TEST_TMPDIR/socat" "$BATS_TEST_TMPDIR/out"
  [ ! -s "$BATS_TEST_TMPDIR/err" ] # an abstract address: the post's abstract client says nothing
}

@test "an echo of 10 MB both ways (socat running cat): every byte comes back, in order; neither side waits on the other" {
  head -c 10000000 /dev/urandom >"$BATS_TEST_TMPDIR/sent"
  uds_client "$echo" - <"$BATS_TEST_TMPDIR/sent"
  [ "$status" -eq 0 ]
  assert_equal "$(sha256sum <"$BATS_TEST_TMPDIR/out")" "$(sha256sum <"$BATS_TEST_TMPDIR/sent")"
  assert_equal "$(stat -c %s "$BATS_TEST_TMPDIR/out")" 10000000
}

@test "--timeout 0.5: a server that answers and never closes; its answer on stdout, why the client ended on stderr, exit 0" {
  path=$(socket_path never.sock)
  start_server never python3 -c '
import signal, socket, sys
server = socket.socket(socket.AF_UNIX)
server.bind(sys.argv[1])
server.listen()
print("listening", flush=True)
connection = server.accept()[0]
connection.sendall(b"answer to " + connection.recv(100) + b"\n")
while connection.recv(100):
    pass
print("the client shut down its sending side", flush=True)
signal.pause()' "$path"
  wait_for_output never "^listening\$"
  uds_client --timeout 0.5 "$path" "question"
  [ "$status" -eq 0 ]
  assert_bytes "$BATS_TEST_TMPDIR/out" 'answer to question\n'
  run cat "$BATS_TEST_TMPDIR/err"
  assert_output "Connected to server at $path
uds client: the server sent nothing for 0.5 s (--timeout): closed the connection"
  run server_log never
  assert_line "the client shut down its sending side"
}

@test "on a terminal the server's bytes are escaped: no escape sequence gets through, a newline stays one, a UTF-8 character cut between two reads stays whole" {
  name=$(unique tty)
  # The first part ends inside the two bytes of é; the rest follows once the client has shut down its side.
  start_server cutter python3 -c '
import socket, sys
server = socket.socket(socket.AF_UNIX)
server.bind(b"\0" + sys.argv[1].encode())
server.listen()
print("listening", flush=True)
connection = server.accept()[0]
connection.sendall(b"\x1b[2Jcaf\xc3")
while connection.recv(100):
    pass
connection.sendall(b"\xa9\r\nline 2\n")
connection.close()' "$name"
  wait_for_output cutter "^listening\$"
  # The client's stdout and stderr on a pseudo-terminal (which shows a newline as \r\n).
  run python3 -c '
import os, pty, sys
pid, terminal = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
shown = b""
while True:
    try:
        chunk = os.read(terminal, 4096)
    except OSError:  # EIO: the client ended, and with it the terminal
        break
    if not chunk:
        break
    shown += chunk
print(repr(shown), os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]))' "$KIT/jbang" "$KIT/scripts/uds.java" client "@$name" "hi"
  assert_success
  assert_output "b'\\\\x1b[2Jcaf\\xc3\\xa9\\\\x0d\\r\\nline 2\\r\\n' 0"
}

@test "no server at the path: one line on stderr, nothing on stdout, exit 1" {
  uds_client "$BATS_TEST_TMPDIR/none.sock" "anyone?"
  [ "$status" -eq 1 ]
  [ ! -s "$BATS_TEST_TMPDIR/out" ]
  run cat "$BATS_TEST_TMPDIR/err"
  assert_output --regexp "^uds: cannot connect to $BATS_TEST_TMPDIR/none.sock: .+\$"
}

@test "--seqpacket: each line is one record, each record answered is printed as it came; at the end of input the server reads its end" {
  path=$(socket_path seq.sock)
  start_server counter python3 -c '
import socket, sys
server = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
server.bind(sys.argv[1])
server.listen()
print("listening", flush=True)
connection = server.accept()[0]
while record := connection.recv(1000):
    connection.send(b"record of %d bytes; " % len(record))
connection.send(b"then the end\n")
connection.close()' "$path"
  wait_for_output counter "^listening\$"
  uds_client --seqpacket "$path" - < <(printf 'one\ntwo, longer\nlast')
  [ "$status" -eq 0 ]
  assert_bytes "$BATS_TEST_TMPDIR/out" 'record of 4 bytes; record of 12 bytes; record of 4 bytes; then the end\n'
}

@test "--datagram: the kit's datagram-server answers each line in upper case, to a path the client bound in a folder of its own, removed at the end" {
  name=$(unique datagram)
  start_script_server server datagram-server "@$name" --count 2
  wait_for_output server "^Server is bound to datagram socket: @$name\$"
  uds_client --datagram --timeout 0.2 "@$name" - < <(printf 'one\ntwo\n')
  [ "$status" -eq 0 ]
  assert_bytes "$BATS_TEST_TMPDIR/out" 'ONE\nTWO\n'
  [ ! -s "$BATS_TEST_TMPDIR/err" ]
  wait_server server
  own=$(sed -n 's/^Received datagram from \(.*\): one\\n$/\1/p' "$BATS_TEST_TMPDIR/server.log")
  [[ $own == /tmp/uds-client-*/client.sock ]] || fail "the client's address: '$own'"
  assert [ ! -e "${own%/client.sock}" ]
}

@test "--seqpacket with --datagram: one line on stderr, exit 2" {
  uds_client --seqpacket --datagram "$echo" "which?"
  [ "$status" -eq 2 ]
  [ ! -s "$BATS_TEST_TMPDIR/out" ]
  run cat "$BATS_TEST_TMPDIR/err"
  assert_output "uds: --seqpacket and --datagram exclude each other (see 'uds client --help')"
}
