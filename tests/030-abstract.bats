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

@test "ss lists the name with an @, no file is made, and /proc/PID/fd links to the inode ss shows" {
  name=$(unique abstract)
  cd "$BATS_TEST_TMPDIR"
  start_script_server server abstract-server --name "$name"
  wait_for_output server "^Server is listening"

  assert_witnessed_listener "@$name" "${SERVER_PID[server]}"
  # Nothing in the file system: not here, not under that name anywhere in /tmp.
  run find "$BATS_TEST_TMPDIR" /tmp -maxdepth 3 -name "*$name*"
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

@test "a name another process holds is refused, and that server is not disturbed" {
  name=$(unique abstract)
  start_script_server live abstract-server --name "$name"
  wait_for_output live "^Server is listening"
  inode=$(ss_inode "@$name")

  run_script abstract-server --name "$name"
  assert_failure 1
  assert_stderr "abstract-server: @$name is already in use by another process"
  assert_output ""

  [ "$(ss_inode "@$name")" = "$inode" ]
  run_script abstract-client --name "$name" after
  wait_for_output live "^Received data: after\$"
  run server_log live
  assert_output "Server is listening for connections on abstract socket: $name
Accepted connection from client
Received data: after"
}

@test "a name with a NUL inside (written \\0) is bound, shown as ss shows it, and reached" {
  name=$(unique nul)
  start_script_server server abstract-server --name "$name\\0inside" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $name@inside\$"
  run ss -l -x -A unix_stream
  assert_line --regexp "^LISTEN .* @$name@inside [0-9]+ "
  run_script abstract-client --name "$name\\0inside" "through a NUL"
  assert_success
  wait_server server
  run server_log server
  assert_line "Received data: through a NUL"
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
