#!/usr/bin/env bats
# Socket activation: systemd-socket-activate (systemd's own tool; no running systemd is needed) makes
# the socket, binds and listens, and at the first client starts the lesson with the socket on fd 3,
# the post's fd 3. The lesson takes it only if LISTEN_PID is its own pid, serves the post's Python
# clients and socat, leaves systemd's file in place, and tells a NOTIFY_SOCKET when it is ready
# (sd_notify, checked by a Python receiver of its own). `uds server` serves a handed socket too.

load helpers

LESSON=("$KIT/jbang" "$KIT/scripts/socket-activation.java")

# activate LABEL OPTIONS... -- COMMAND...: COMMAND under systemd-socket-activate OPTIONS (-l ADDRESS,
# --accept...), which starts it at the first client; returns once the socket listens. The tool
# passes on only PATH, HOME and TERM, and what -E names: the JDK, JBang's folders, NOTIFY_SOCKET.
activate() {
  local label=$1 options=() name
  shift
  while [ "$1" != -- ]; do
    options+=("$1")
    shift
  done
  shift
  for name in JAVA_HOME JBANG_DIR JBANG_CACHE_DIR JBANG_REPO JBANG_NO_VERSION_CHECK JBANG_JAVA_OPTIONS NOTIFY_SOCKET; do
    [ -z "${!name+set}" ] || options+=(-E "$name")
  done
  start_server "$label" systemd-socket-activate "${options[@]}" "$@"
  wait_for_output "$label" "^Listening on .* as 3\.\$"
}

# with_fd3 KIND COMMAND...: COMMAND with LISTEN_FDS=1, LISTEN_PID its pid, and on fd 3 a socket of
# KIND made by python3: tcp (listening), unix-bound (a stream socket, bound, not listening),
# unix-datagram (bound). WITH_FD3 is the same as a command, for start_server.
WITH_FD3=(python3 -c '
import os, socket, sys
kind, folder = sys.argv[1], sys.argv[2]
if kind == "tcp":
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen()
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM if kind == "unix-datagram" else socket.SOCK_STREAM)
    s.bind(os.path.join(folder, kind + ".sock"))
os.dup2(s.fileno(), 3)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()))
os.execvp(sys.argv[3], sys.argv[3:])')
with_fd3() {
  "${WITH_FD3[@]}" "$1" "$BATS_TEST_TMPDIR" "${@:2}"
}

# assert_refused EXPECTED: the last run exited 2 with nothing on stdout and one line on stderr,
# "socket-activation: EXPECTED" (a regex).
assert_refused() {
  assert_failure 2
  assert_output ""
  # shellcheck disable=SC2154 # run --separate-stderr sets stderr_lines
  assert_equal "${#stderr_lines[@]}" 1
  assert_stderr --regexp "^socket-activation: $1\$"
}

@test "on a path: fd 3 is the listening socket, /proc/PID/fd shows 3; it serves the post's client.py and socat, and leaves systemd's file" {
  path=$(socket_path s.sock)
  activate server -l "$path" -- "${LESSON[@]}" --count 2
  client_py=$(python_fixture client.py /tmp/test/pathname_socket.sock "$path")
  run python3 "$client_py" # the first client: systemd-socket-activate starts the lesson now
  assert_success
  wait_for_output server "^Listening on $path: AF_UNIX, SOCK_STREAM, handed over by socket activation\$"

  pid=${SERVER_PID[server]} # systemd-socket-activate, JBang's launcher and java: one process, exec after exec
  inode=$(listener_inode "$path")
  [ -n "$inode" ]
  run ls -l "/proc/$pid/fd"
  assert_line --regexp " 3 -> socket:\[$inode\]\$"
  run socat - "UNIX-CONNECT:$path" <<<"from socat"
  assert_success

  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "fd 3 -> socket:[$inode] (LISTEN_PID=$pid, LISTEN_FDS=1)"
  assert_line --index 5 "Accepted connection from client"
  assert_line --index 6 "Received data: Hello, server! This is the client."
  assert_line --index 8 "Received data: from socat\\n"
  [ "${#lines[@]}" -eq 9 ]
  assert [ -S "$path" ] # systemd's file: the lesson never removes it
  assert [ -z "$(listener_inode "$path")" ]
}

@test "on @name: the post's client_abstract.py, socat and abstract-client are served; a child started with --on-ready gets no LISTEN_ variables and no fd 3" {
  name=$(unique activated)
  printf '#!/bin/sh\necho "child: $(env | grep -c ^LISTEN_) LISTEN_ variables, fd 3 $(readlink /proc/self/fd/3 || echo closed)"\n' >"$BATS_TEST_TMPDIR/child"
  chmod +x "$BATS_TEST_TMPDIR/child"
  activate server -l "@$name" -- "${LESSON[@]}" --count 3 --on-ready "$BATS_TEST_TMPDIR/child"
  client_py=$(python_fixture client_abstract.py abstract_socket "$name")
  run python3 "$client_py"
  assert_success
  wait_for_output server "^Listening on @$name: AF_UNIX, SOCK_STREAM, handed over by socket activation\$"
  run socat - "ABSTRACT-CONNECT:$name" <<<"from socat"
  assert_success
  run_script abstract-client --name "$name" "from abstract-client"
  assert_success

  pid=${SERVER_PID[server]}
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --regexp "^fd 3 -> socket:\[[0-9]+\] \(LISTEN_PID=$pid, LISTEN_FDS=1\)\$"
  assert_line "Received data: Hello, abstract socket!"
  assert_line "Received data: from socat\\n"
  assert_line "Received data: from abstract-client"
  assert_line "child: 0 LISTEN_ variables, fd 3 closed"
  run find "$BATS_TEST_TMPDIR" -name "*$name*"
  assert_output ""
}

@test "sd_notify to a path: READY=1 while the first client waits for it, STOPPING=1 on the way out, each one datagram from the server's pid" {
  notify=$(socket_path notify.sock)
  name=$(unique notified)
  NOTIFY_SOCKET=$notify activate server -l "@$name" -- "${LESSON[@]}" --count 2
  start_server receiver python3 -u "$FIXTURES/notify_receiver.py" "$notify" "@$name"
  wait_server receiver
  [ "$SERVER_STATUS" -eq 0 ]
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  pid=$(sed -n 's/^fd 3 -> .*(LISTEN_PID=\([0-9]*\),.*/\1/p' "$BATS_TEST_TMPDIR/server.log")
  run server_log receiver
  assert_output "listening
pid=$pid b'READY=1\\nSTATUS=Serving @$name'
pid=$pid b'STOPPING=1'"
  run server_log server
  assert_line "Received data: first client, connected before READY=1"
  assert_line "Received data: second client, after READY=1"
}

@test "sd_notify to @name, its exact length: READY=1, then STOPPING=1 when systemd stops the server (SIGTERM)" {
  notify=$(unique notify)
  name=$(unique notified)
  NOTIFY_SOCKET=@$notify activate server -l "@$name" -- "${LESSON[@]}"
  start_server receiver python3 -u "$FIXTURES/notify_receiver.py" "@$notify" "@$name"
  wait_for_output server "^Received data: second client, after READY=1\$"
  kill -TERM "${SERVER_PID[server]}"
  wait_server server
  [ "$SERVER_STATUS" -eq 143 ]
  wait_server receiver
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log receiver
  assert_line --index 1 --regexp "^pid=[0-9]+ b'READY=1\\\\nSTATUS=Serving @$name'\$"
  assert_line --index 2 --regexp "^pid=[0-9]+ b'STOPPING=1'\$"
}

@test "--accept: fd 3 is one client's connection, in a process of its own; the lesson serves that client" {
  name=$(unique accept)
  activate server --accept -l "@$name" -- "${LESSON[@]}"
  client_py=$(python_fixture client_abstract.py abstract_socket "$name")
  run python3 "$client_py"
  assert_success
  wait_for_output server "^Child [0-9]+ died with code 0\$"
  child=$(sed -n 's/^Spawned .* as PID \([0-9]*\)\.$/\1/p' "$BATS_TEST_TMPDIR/server.log")
  run server_log server
  assert_line "fd 3 -> $(sed -n 's/^fd 3 -> \(socket:\[[0-9]*\]\) .*/\1/p' <<<"$output") (LISTEN_PID=$child, LISTEN_FDS=1)"
  assert_line "Connected: fd 3 is one client's connection (--accept), on @$name"
  assert_line "Received data: Hello, abstract socket!"
}

@test "refused, one line and exit 2: no LISTEN_FDS (it says how to start it); not a socket; not AF_UNIX; not listening; a datagram socket" {
  run_script socket-activation
  assert_refused "no LISTEN_FDS: nothing was handed over; start it under socket activation: systemd-socket-activate -l @demo jbang socket-activation.java"

  echo "a file" >"$BATS_TEST_TMPDIR/file"
  run --separate-stderr bash -c 'export LISTEN_FDS=1 LISTEN_PID=$$; exec "$@" 3<"$0"' "$BATS_TEST_TMPDIR/file" "${LESSON[@]}"
  assert_refused "fd 3 is not a socket: it is $BATS_TEST_TMPDIR/file"

  run --separate-stderr with_fd3 tcp "${LESSON[@]}"
  assert_refused "fd 3 is socket:\[[0-9]+\], not an AF_UNIX socket \(/proc/net/unix has no such inode\)"
  run --separate-stderr with_fd3 unix-bound "${LESSON[@]}"
  assert_refused "fd 3 is an AF_UNIX stream socket that does not listen \(nor is it a connection\)"
  run --separate-stderr with_fd3 unix-datagram "${LESSON[@]}"
  assert_refused "fd 3 is an AF_UNIX datagram socket: this server takes a stream socket \(systemd-socket-activate without --datagram or --seqpacket\)"
}

@test "another process's LISTEN_PID (a wrapper that does not exec): refused, fd 3 left to its owner" {
  path=$(socket_path s.sock)
  # bash runs the lesson as its child, with bash's LISTEN_PID, and waits for it.
  activate server -l "$path" -- bash -c '"$@"; exit $?' wrapper "${LESSON[@]}"
  python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$path"
  pid=${SERVER_PID[server]}
  wait_server server
  [ "$SERVER_STATUS" -eq 2 ]
  run server_log server
  assert_line --regexp "^socket-activation: LISTEN_PID is $pid, not this process \([0-9]+\): fd 3 was meant for another one\$"
  refute_line --partial "fd 3 ->"
  assert [ -S "$path" ]
}

# bats test_tags=jdk-neutral
@test "copied alone into an empty folder, it runs under systemd-socket-activate with stock JBang" {
  use_stock_jbang
  name=$(unique alone)
  cd "$(copy_alone socket-activation)"
  activate server -l "@$name" -- jbang socket-activation.java --count 1
  client_py=$(python_fixture client_abstract.py abstract_socket "$name")
  run python3 "$client_py"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --regexp "^fd 3 -> socket:\[[0-9]+\] \(LISTEN_PID=[0-9]+, LISTEN_FDS=1\)\$"
  assert_line "Listening on @$name: AF_UNIX, SOCK_STREAM, handed over by socket activation"
  assert_line "Received data: Hello, abstract socket!"
}

@test "uds server without ADDRESS serves the socket handed over, on a path (one client, as for a path) and on @name, with its options" {
  path=$(socket_path s.sock)
  activate server -l "$path" -- "$KIT/jbang" "$KIT/scripts/uds.java" server --credentials
  client_py=$(python_fixture client.py /tmp/test/pathname_socket.sock "$path")
  run python3 "$client_py"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 3 --regexp "^fd 3 -> socket:\[[0-9]+\]: handed over by socket activation\$"
  assert_line --index 4 "Server listening on $path"
  assert_line --index 5 --regexp "^Accepted connection from client \(pid=[0-9]+ uid=$(id -u) gid=$(id -g)\)\$"
  assert_line --index 6 "Received data from client: Hello, server! This is the client."
  assert [ -S "$path" ]

  name=$(unique uds)
  activate server -l "@$name" -- "$KIT/jbang" "$KIT/scripts/uds.java" server --count 2
  client_py=$(python_fixture client_abstract.py abstract_socket "$name")
  run python3 "$client_py"
  run socat - "ABSTRACT-CONNECT:$name" <<<"from socat"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 4 "Server is listening for connections on abstract socket: $name"
  assert_line "Received data: Hello, abstract socket!"
  assert_line "Received data: from socat\\n"
}

@test "uds server ADDRESS with LISTEN_FDS set serves ADDRESS, and says so; --mode on a handed-over socket is refused" {
  name=$(unique given)
  start_server server "${WITH_FD3[@]}" unix-bound "$BATS_TEST_TMPDIR" "$KIT/jbang" "$KIT/scripts/uds.java" server "@$name" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $name\$"
  run_script abstract-client --name "$name"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 0 "uds server: LISTEN_FDS is set, and ADDRESS is given: serving @$name, not the socket on fd 3"

  rm "$BATS_TEST_TMPDIR/unix-bound.sock"
  run --separate-stderr with_fd3 unix-bound "$KIT/jbang" "$KIT/scripts/uds.java" server --mode 600
  assert_failure 2
  assert_stderr --regexp "^uds: --mode is for a socket file uds server makes: systemd made this one \(SocketMode= in its .socket unit\)"
}

@test "the JDK alone: pathname-server-jdk --inetd serves the socket on standard input, a listening one (StandardInput=socket) or one connection (inetd)" {
  path=$(socket_path s.sock)
  activate server --inetd -l "$path" -- "$KIT/jbang" "$KIT/scripts/pathname-server-jdk.java" --inetd
  client_py=$(python_fixture client.py /tmp/test/pathname_socket.sock "$path")
  run python3 "$client_py"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 3 "Server listening on $path (standard input)"
  assert_line --index 4 "Accepted connection from client"
  assert_line --index 5 "Received data from client: Hello, server! This is the client."
  assert [ -S "$path" ] # systemd's file

  path=$(socket_path inetd.sock)
  activate server --inetd --accept -l "$path" -- "$KIT/jbang" "$KIT/scripts/pathname-server-jdk.java" --inetd
  client_py=$(python_fixture client.py /tmp/test/pathname_socket.sock "$path")
  run python3 "$client_py"
  assert_success
  wait_for_output server "^Child [0-9]+ died with code 0\$"
  run server_log server
  assert_line "Accepted connection from client (standard input)"
  assert_line "Received data from client: Hello, server! This is the client."

  run_script pathname-server-jdk --inetd
  assert_failure 2
  assert_stderr "pathname-server-jdk: standard input is not a unix socket: start it as systemd-socket-activate --inetd -l PATH jbang pathname-server-jdk.java --inetd"
}
