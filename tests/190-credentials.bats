#!/usr/bin/env bats
# Beyond the post: who is on the other end (SO_PEERCRED). peer-credentials prints each client's pid,
# uid and gid as the kernel recorded them at connect(), and its command name from /proc/PID/comm
# (escaped: any process names itself); --allow-uid sends other users away before a byte is read.
# The clients are python3 and the kit's own Java client, run as root and as the user nobody.

load helpers

setup() {
  nobody_home=$(mktemp -d /tmp/uds-kit-nobody.XXXXXX)
  CLEANUP+=("$nobody_home")
  chmod 777 "$nobody_home"
  as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$nobody_home")
  nobody_ids="uid=$(id -u nobody) gid=$(id -g nobody)"
}

# A python3 that nobody may run (root's own may live in root's home).
nobody_python() {
  local python
  for python in "$(command -v python3)" /usr/bin/python3 /usr/local/bin/python3; do
    "${as_nobody[@]}" "$python" -c '' 2>/dev/null && { echo "$python"; return; }
  done
  fail "no python3 that the user nobody may run"
}

# A client that prints its pid, connects to ADDRESS (@name or a path), sends MESSAGE, and stays until
# the server closes: its /proc/PID/comm is there to read while the server has it. With COMM, it
# first names itself so (as prctl(PR_SET_NAME) does).
CLIENT='
import os, socket, sys
address, message, comm = sys.argv[1], sys.argv[2].encode(), sys.argv[3].encode("utf-8", "surrogateescape")
if comm:
    with open("/proc/self/comm", "wb") as own:
        own.write(comm)
print(os.getpid(), flush=True)
client = socket.socket(socket.AF_UNIX)
client.connect("\0" + address[1:] if address.startswith("@") else address)
try:
    client.sendall(message)
    client.shutdown(socket.SHUT_WR)
    while client.recv(4096):
        pass
except (BrokenPipeError, ConnectionResetError):
    pass
print("closed", flush=True)'

# python_client USER ADDRESS [MESSAGE [COMM]]: runs CLIENT as root or as nobody.
python_client() {
  local user=$1 python=python3 wrapper=()
  if [ "$user" = nobody ]; then
    python=$(nobody_python)
    wrapper=("${as_nobody[@]}")
  fi
  run "${wrapper[@]}" "$python" -c "$CLIENT" "$2" "${3:-hello}" "${4:-}"
}

@test "each client's pid, uid, gid and command name, as root and as nobody, python3 and the kit's Java client" {
  name=$(unique credentials)
  start_script_server server peer-credentials "@$name" --count 3
  wait_for_output server "^Server listening on @$name\$"

  python_client root "@$name" "from root"
  assert_success
  root_pid=${lines[0]}
  python_client nobody "@$name" "from nobody"
  assert_success
  nobody_pid=${lines[0]}
  # The kit's Java client as nobody, from a class path nobody may read (JBang's cache is root's).
  readable_classpath abstract-client >"$BATS_TEST_TMPDIR/classpath"
  run bash -c 'echo $$; exec "$@"' _ "${as_nobody[@]}" "${JAVA_FOR_NOBODY[@]}" \
    -cp "$(cat "$BATS_TEST_TMPDIR/classpath")" AbstractClient --name "$name" "from java"
  assert_success
  java_pid=${lines[0]}

  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 1 "Accepted connection from pid=$root_pid uid=0 gid=0 command=python3"
  assert_line --index 2 "Received data: from root"
  # An abstract name has no file permissions: nobody got in, and the server knows it was nobody.
  assert_line --index 3 "Accepted connection from pid=$nobody_pid $nobody_ids command=python3"
  assert_line --index 4 "Received data: from nobody"
  # The Java client may have exited before its comm was read: then the server says "?".
  assert_line --index 5 --regexp "^Accepted connection from pid=$java_pid $nobody_ids command=(java|\\?)\$"
  assert_line --index 6 "Received data: from java"
  [ "${#lines[@]}" -eq 7 ]
}

@test "--allow-uid: other users are refused before a byte is read; allowed ones, given twice, are served" {
  name=$(unique credentials)
  start_script_server server peer-credentials "@$name" --allow-uid 4242 --allow-uid 0 --count 2
  wait_for_output server "^Server listening on"
  python_client nobody "@$name" "secret from nobody"
  assert_success
  assert_line --index 1 "closed"
  nobody_pid=${lines[0]}
  python_client root "@$name" "from root"
  assert_success
  root_pid=${lines[0]}
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_output "Server listening on @$name
Refused connection from pid=$nobody_pid $nobody_ids command=python3: uid not in --allow-uid
Accepted connection from pid=$root_pid uid=0 gid=0 command=python3
Received data: from root"
}

@test "on a path: a socket file open to all (mode 666), nobody refused, root served; the file goes at the end" {
  folder=$(mktemp -d /tmp/uds-kit-open.XXXXXX)
  CLEANUP+=("$folder")
  chmod 755 "$folder"
  path=$folder/s.sock
  start_script_server server peer-credentials "$path" --allow-uid 0 --count 2
  wait_for_output server "^Server listening on $path\$"
  chmod 666 "$path" # what the lesson leaves to its user: who may connect at all
  python_client nobody "$path" "secret"
  assert_success
  nobody_pid=${lines[0]}
  python_client root "$path" "from root"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line --index 1 "Refused connection from pid=$nobody_pid $nobody_ids command=python3: uid not in --allow-uid"
  assert_line --index 3 "Received data: from root"
  refute_output --partial "secret"
  assert [ ! -e "$path" ]
}

@test "a command name is the client's own claim: shown escaped; more than 64 KiB is counted, not kept" {
  name=$(unique credentials)
  start_script_server server peer-credentials "@$name" --count 2
  wait_for_output server "^Server listening on"
  python_client root "@$name" "hi" $'\e[2Jx\ny'
  assert_success
  pid=${lines[0]}
  run python3 -c 'import socket, sys; c = socket.socket(socket.AF_UNIX); c.connect("\0" + sys.argv[1]); c.sendall(b"q" * 100000)' "$name"
  assert_success
  wait_server server
  run server_log server
  assert_line --index 1 "Accepted connection from pid=$pid uid=0 gid=0 command=\\x1b[2Jx\\ny"
  assert_line --index 2 "Received data: hi"
  assert_line --index 3 --regexp "^Accepted connection from pid=[0-9]+ uid=0 gid=0 command=(python3|\\?)\$"
  last=$(tail -n 1 "$BATS_TEST_TMPDIR/server.log")
  pattern='^Received data: (q+)\.\.\. \(100000 bytes\)$'
  [[ $last =~ $pattern ]]
  assert_equal "${#BASH_REMATCH[1]}" 65536
}

@test "a client that sends nothing is let go after --idle seconds (10 unless told), and the next one is served" {
  name=$(unique credentials)
  start_script_server server peer-credentials "@$name" --count 2 --idle 2
  wait_for_output server "^Server listening on"
  start_server idle python3 -c '
import signal, socket, sys
c = socket.socket(socket.AF_UNIX)
c.connect("\0" + sys.argv[1])
print("connected", flush=True)
signal.pause()' "$name"
  wait_for_output idle "^connected\$"
  connected=$SECONDS
  python_client root "@$name" "after the idle one"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  assert_took_less 8 "$connected" "letting the silent client go (--idle 2, not the default 10)"
  run server_log server
  assert_line "peer-credentials: a client was silent for 2 seconds: let go"
  assert_line "Received data: after the idle one"
  run_script peer-credentials --help
  assert_equal "$(option_help --idle=SECONDS)" \
    "--idle=SECONDS Let a client go once it has sent nothing for SECONDS, so that the next one is served (default: 10)."
}

@test "uds peer-credentials is the same lesson; uds server still takes --credentials and --allow-uid" {
  name=$(unique uds-credentials)
  start_script_server server uds peer-credentials "@$name" --allow-uid 0 --count 1
  wait_for_output server "^Server listening on @$name\$"
  python_client root "@$name" "via uds"
  assert_success
  wait_server server
  run server_log server
  assert_line --regexp "^Accepted connection from pid=[0-9]+ uid=0 gid=0 command=python3\$"
  assert_line "Received data: via uds"

  start_script_server server uds server "@$name" --credentials --allow-uid 65534 --allow-uid 0 --count 1
  wait_for_output server "^Server is listening"
  run_script uds client "@$name"
  assert_success
  wait_server server
  run server_log server
  assert_line --regexp "^Accepted connection from client \(pid=[0-9]+ uid=0 gid=0\)\$"
}

@test "bad input: one line on stderr, exit 2; a name in use or a live file: exit 1, left as they were" {
  run_script peer-credentials "@x" --allow-uid root
  assert_failure 2
  assert_output ""
  assert_stderr "peer-credentials: Invalid value for option '--allow-uid' (UID): 'root' is not a long"

  run_script peer-credentials
  assert_failure 2
  assert_stderr "peer-credentials: Missing required parameter: 'ADDRESS'"

  for arguments in "@" "@$(printf 'n%.0s' $(seq 108))" "$BATS_TEST_TMPDIR/$(printf 'p%.0s' $(seq 108))" "@x --idle 0"; do
    # shellcheck disable=SC2086 # an address, or an address and an option
    run_script peer-credentials $arguments
    assert_failure 2
    assert_stderr "peer-credentials: ADDRESS must be @NAME or a path, in 1 to 107 bytes, --count 0 or more, and --idle 1 to 86400"
  done

  name=$(unique held)
  start_listener held "@$name"
  run_script peer-credentials "@$name"
  assert_failure 1
  assert_output ""
  assert_stderr "peer-credentials: @$name is already in use"
  run ss -l -x -A unix_stream # no phantom client in the holder's queue
  assert_line --regexp "^LISTEN +0 +[0-9]+ +@$name "

  start_listener live "$BATS_TEST_TMPDIR/live.sock"
  run_script peer-credentials "$BATS_TEST_TMPDIR/live.sock"
  assert_failure 1
  assert_stderr "peer-credentials: $BATS_TEST_TMPDIR/live.sock is a live socket: left untouched"
  assert [ -S "$BATS_TEST_TMPDIR/live.sock" ]
}
