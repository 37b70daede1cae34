#!/usr/bin/env bats
# The post's second demo in Java: a stream server on an abstract socket, a name in no file system.

load helpers

@test "the abstract server prints what each client sends, and serves until stopped" {
  name=$(unique abstract)
  start_script_server server abstract-server --name "$name"
  wait_for_output server "^Server is listening for connections on abstract socket: $name\$"

  run_script abstract-client --name "$name"
  assert_success
  assert_output ""
  assert_stderr "" # no warning, on any JDK
  run_script abstract-client --name "$name" "a second one"
  assert_success

  wait_for_output server "^Received data: a second one\$"
  run server_log server
  assert_output "Server is listening for connections on abstract socket: $name
Accepted connection from client
Received data: Hello, abstract socket!
Accepted connection from client
Received data: a second one"
}

@test "ss lists the name with an @ and the post's backlog of 128, no file is made, and /proc/PID/fd links to its inode" {
  name=$(unique abstract)
  cd "$BATS_TEST_TMPDIR"
  start_script_server server abstract-server --name "$name"
  wait_for_output server "^Server is listening"

  assert_witnessed_listener "@$name" "${SERVER_PID[server]}" 128
  # Nothing in the file system: not here, not under that name anywhere in /tmp.
  run --separate-stderr find "$BATS_TEST_TMPDIR" /tmp -maxdepth 3 -name "*$name*" # stderr: files others remove meanwhile
  assert_output ""
}

@test "the name vanishes from /proc/net/unix when the server ends, normally or on SIGTERM" {
  name=$(unique abstract)
  start_script_server server abstract-server --name "$name" --count 1
  wait_for_output server "^Server is listening"
  [ -n "$(proc_net_unix_row "@$name")" ]
  run_script abstract-client --name "$name"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  assert [ -z "$(proc_net_unix_row "@$name")" ]

  start_script_server server abstract-server --name "$name"
  wait_for_output server "^Server is listening"
  [ -n "$(proc_net_unix_row "@$name")" ]
  kill -TERM "${SERVER_PID[server]}"
  wait_server server
  [ "$SERVER_STATUS" -eq 143 ]
  assert [ -z "$(proc_net_unix_row "@$name")" ]
}

@test "a name another process holds is refused, and that server sees no client" {
  name=$(unique abstract)
  start_script_server live abstract-server --name "$name"
  wait_for_output live "^Server is listening"
  inode=$(ss_inode "@$name")

  run_script abstract-server --name "$name"
  assert_failure 1
  assert_stderr "abstract-server: @$name is already in use"
  assert_output ""

  [ "$(ss_inode "@$name")" = "$inode" ]
  run_script abstract-client --name "$name" after
  wait_for_output live "^Received data: after\$"
  run server_log live
  assert_output "Server is listening for connections on abstract socket: $name
Accepted connection from client
Received data: after"
}

@test "a name held by a socket of another type (datagram) does not stop a stream server" {
  name=$(unique typed)
  start_server dgram python3 -c 'import signal, socket, sys; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(b"\0" + sys.argv[1].encode()); print("bound", flush=True); signal.pause()' "$name"
  wait_for_output dgram "^bound\$"
  start_script_server server abstract-server --name "$name" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $name\$"
  run_script abstract-client --name "$name"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
}

@test "a client that sends nothing is let go after --idle seconds (10 unless told), and the next one is served" {
  name=$(unique idle)
  start_script_server server abstract-server --name "$name" --count 2 --idle 2
  wait_for_output server "^Server is listening"
  start_server idle python3 -c 'import signal, socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode()); print("connected", flush=True); signal.pause()' "$name"
  wait_for_output idle "^connected\$"
  connected=$SECONDS
  wait_for_output server "^Accepted connection from client\$"
  run_script abstract-client --name "$name" "next"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  assert_took_less 8 "$connected" "letting the silent client go (--idle 2, not the default 10)"
  run server_log server
  assert_line --index 2 "abstract-server: a client was silent for 2 seconds: let go"
  assert_line --index 4 "Received data: next"
  run_script abstract-server --help
  assert_equal "$(option_help --idle=SECONDS)" \
    "--idle=SECONDS Let a client go once it has sent nothing for SECONDS, so that the next one is served (default: 10)."
}

@test "a client that resets mid-message is reported, and the server serves on" {
  name=$(unique reset)
  start_script_server server abstract-server --name "$name" --count 2
  wait_for_output server "^Server is listening"
  start_server dying python3 -c 'import signal, socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(b"\0" + sys.argv[1].encode()); s.sendall(b"half a mess"); print("sent", flush=True); signal.pause()' "$name"
  wait_for_output dying "^sent\$"
  stop_server dying KILL
  run_script abstract-client --name "$name" "next"
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "Received data: half a mess"
  assert_line "Received data: next"
}

@test "a name of exactly 107 bytes is the longest: it works" {
  name=$(unique long)
  name=$name$(printf 'n%.0s' $(seq $((107 - ${#name}))))
  [ "${#name}" -eq 107 ]
  start_script_server server abstract-server --name "$name" --count 1
  wait_for_output server "^Server is listening"
  run_script abstract-client --name "$name"
  assert_success
  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
}

@test "a name with a newline and escape bytes is printed escaped: the log cannot be forged" {
  name=$(unique odd)$'\n\e[2JReceived data: forged'
  start_script_server server abstract-server --name "$name" --count 1
  wait_for_output server '^Server is listening for connections on abstract socket: .*odd\\n\\x1b\[2JReceived data: forged$'
  run_script abstract-client --name "$name" "real"
  assert_success
  wait_server server
  run server_log server
  assert_line --index 2 "Received data: real"
  refute_line "Received data: forged"
  [ "${#lines[@]}" -eq 3 ]
}

@test "a name with a newline held by another server: refused, and the holder sees no phantom client" {
  name=$(unique held)$'\nsecond line'
  start_script_server live abstract-server --name "$name"
  wait_for_output live "^Server is listening"
  run_script abstract-server --name "$name"
  assert_failure 1
  assert_stderr --regexp "^abstract-server: @uds-kit-test-.*-held\\\\nsecond line is already in use\$"
  run_script abstract-client --name "$name" "the only client"
  assert_success
  wait_for_output live "^Received data: the only client\$"
  run server_log live
  assert_line --index 1 "Accepted connection from client"
  assert_line --index 2 "Received data: the only client"
  [ "${#lines[@]}" -eq 3 ]
}
