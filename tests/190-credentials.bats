#!/usr/bin/env bats
# Peer credentials (SO_PEERCRED): the servers show who connected, and admit only the uids allowed.
# The clients are the post's own Python scripts, run as root and as the user nobody.

load helpers

as_nobody() {
  setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"
}

# A python3 that nobody may run (root's own may live in root's home).
nobody_python() {
  local python
  for python in "$(command -v python3)" /usr/bin/python3 /usr/local/bin/python3; do
    as_nobody "$python" -c '' 2>/dev/null && { echo "$python"; return; }
  done
  fail "no python3 that the user nobody may run"
}

# run_python_client AS_USER SCRIPT: runs a copied post client as root or as nobody (the script
# comes on stdin: nobody may not read the test's folder); it prints its pid first.
run_python_client() {
  local user=$1 script=$2 python=python3 wrapper=()
  if [ "$user" = nobody ]; then
    python=$(nobody_python)
    wrapper=(as_nobody)
  fi
  run "${wrapper[@]}" "$python" -c 'import os, sys; print(os.getpid(), flush=True); exec(sys.stdin.read())' <"$script"
}

@test "--credentials shows each client's pid, uid and gid as the kernel saw them" {
  name=$(unique credentials)
  client=$(python_fixture client_abstract.py abstract_socket "$name")
  start_script_server server abstract-server --name "$name" --credentials --count 2
  wait_for_output server "^Server is listening"

  run_python_client root "$client"
  assert_success
  root_pid=${lines[0]}
  run_python_client nobody "$client"
  assert_success
  nobody_pid=${lines[0]}

  wait_server server
  run server_log server
  assert_line "Accepted connection from client (pid=$root_pid uid=0 gid=0)"
  # An abstract name has no file permissions: nobody got in, and the server knows it was nobody.
  assert_line "Accepted connection from client (pid=$nobody_pid uid=$(id -u nobody) gid=$(id -g nobody))"
}

@test "--allow-uid refuses other users before reading, and serves the allowed ones" {
  folder=$(mktemp -d /tmp/uds-kit-open.XXXXXX) # a folder nobody may enter
  CLEANUP+=("$folder")
  chmod 755 "$folder"
  path=$folder/s.sock
  client=$(python_fixture client.py /tmp/test/pathname_socket.sock "$path")
  start_script_server server pathname-server --path "$path" --mode 666 --allow-uid 0 --count 2
  wait_for_output server "^Server listening on"

  run_python_client nobody "$client"
  nobody_pid=${lines[0]}
  wait_for_output server "^Refused connection from pid=$nobody_pid uid=$(id -u nobody) gid=$(id -g nobody): uid not allowed\$"
  run_python_client root "$client"
  assert_success

  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_equal "$(grep -c '^Received data from client: ' "$BATS_TEST_TMPDIR/server.log")" 1
  assert_line "Accepted connection from client"
}

@test "uds server takes the same options, and --allow-uid may be given more than once" {
  name=$(unique uds-credentials)
  start_script_server server uds server "@$name" --credentials --allow-uid 65534 --allow-uid 0 --count 1
  wait_for_output server "^Server is listening"
  run_script uds client "@$name"
  assert_success
  wait_server server
  run server_log server
  assert_line --regexp "^Accepted connection from client \(pid=[0-9]+ uid=0 gid=0\)\$"
}

@test "--allow-uid takes a number" {
  run_script abstract-server --allow-uid root
  assert_failure 2
  assert_stderr --partial "Invalid value for option '--allow-uid' (UID): 'root' is not a long"
}
