#!/usr/bin/env bats
# uds: the kit under one command. Its server and client run the step scripts' own code, with the
# address written as ss prints it (@name, or a path); its tour runs the whole post.

load helpers

@test "uds --help lists every subcommand, one line each (also as jbang uds@catalog --help)" {
  cd "$KIT" || return 1
  run --separate-stderr ./jbang uds@catalog --help
  assert_success
  assert_line --index 0 "Usage: uds [-hV] [COMMAND]"
  run_script uds --help
  assert_success
  for command in server client inspect tour generate-completion; do
    assert_line --regexp "^  $command +[A-Z].*\.\$"
  done
  for command in socketpair datagram-server datagram-client seqpacket-server seqpacket-client fd-passing lifecycle; do
    assert_line --regexp "^  $command +[A-Z]"
  done
}

@test "uds server @name and uds client @name behave as the abstract scripts" {
  name=$(unique uds)
  start_script_server server uds server "@$name" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $name\$"
  run_script uds client "@$name"
  assert_success
  assert_output ""
  run_script uds client "@$name"
  wait_server server
  run server_log server
  assert_output "Server is listening for connections on abstract socket: $name
Accepted connection from client
Received data: Hello, abstract socket!"
}

@test "uds server PATH and uds client PATH behave as the pathname scripts" {
  path=$(socket_path s.sock)
  start_script_server server uds server "$path" --count 1
  wait_for_output server "^Server listening on $path\$"
  run_script uds client "$path" "from uds"
  assert_success
  assert_output "Connected to server at $path"
  wait_server server
  run server_log server
  assert_line "Received data from client: from uds"
  assert [ ! -e "$path" ]
}

@test "the scripts beyond the post run as uds subcommands" {
  run_script uds socketpair
  assert_success
  assert_line --regexp "^u_str +ESTAB +[0-9]+ +\* +java,pid=[0-9]+,fd=[0-9]+\$"
  name=$(unique uds-lifecycle)
  run_script uds lifecycle --name "$name" --path "$BATS_TEST_TMPDIR/lifecycle.sock"
  assert_success
  assert [ -z "$(proc_net_unix_row "@$name")" ]
}

@test "uds checks addresses as the scripts do" {
  run_script uds server @
  assert_failure 2
  assert_stderr --partial "an abstract name must be 1 to 107 bytes"
  run_script uds client "/$(printf 'x%.0s' $(seq 120))"
  assert_failure 2
  assert_stderr --partial "a socket path must be 1 to 107 bytes"
  run_script uds inspect --pid nobody
  assert_failure 2
}

@test "uds tour runs the post and leaves nothing behind" {
  run_script uds tour
  assert_success
  assert_line "Every step behaved as the post says."
  assert_line --regexp "^Server listening on /tmp/uds-tour-[0-9]+/pathname_socket.sock\$"
  assert_line --regexp "^u_str +LISTEN +0 +1 +/tmp/uds-tour-[0-9]+/pathname_socket.sock [0-9]+ +\\* 0 +java,pid=[0-9]+,fd=[0-9]+\$" # the post's ss: LISTEN 0 1
  assert_line --regexp "^/proc/[0-9]+/fd/[0-9]+ -> socket:\[[0-9]+\]\$"
  assert_line "Received data from client: Hello, server! This is the client."
  assert_line --regexp "^u_str +LISTEN +0 +128 +@uds-tour-[0-9]+ [0-9]+ +\\* 0 +java,pid=[0-9]+,fd=[0-9]+\$" # the post's ss: LISTEN 0 128
  assert_line "Received data: Hello, abstract socket!"
  tour=$(sed -n 's|^Server listening on /tmp/uds-tour-\([0-9]*\)/.*|\1|p' <<<"$output")
  assert [ ! -e "/tmp/uds-tour-$tour" ]
  assert [ -z "$(proc_net_unix_row "@uds-tour-$tour")" ]
}

@test "uds tour exits 1 when a step does not behave as the post says (the name is taken)" {
  name=$(unique taken)
  start_listener holder "@$name"
  path=$(socket_path tour.sock)
  run_script uds tour --name "$name" --path "$path"
  assert_failure 1
  assert_stderr "uds: abstract-server printed \"abstract-server: @$name is already in use by another process\" where the post prints \"Server is listening for connections on abstract socket: $name\""
  assert_line "abstract-server: @$name is already in use by another process"
  refute_line "Every step behaved as the post says."
  assert [ ! -e "$path" ]
}

@test "Ctrl-C stops the tour and everything it started, and leaves nothing behind" {
  path=$(socket_path tour.sock)
  name=$(unique interrupted)
  start_script_server tour uds tour --path "$path" --name "$name"
  wait_for_output tour "^Server listening on $path\$"
  kill -INT "${SERVER_PID[tour]}"
  wait_server tour
  [ "$SERVER_STATUS" -eq 130 ]
  assert [ ! -e "$path" ]
  assert [ -z "$(proc_net_unix_row "@$name")" ]
  run pgrep -f -- "$path|$name"
  assert_failure
}

@test "bash completion from uds generate-completion completes subcommands and options" {
  run_script uds generate-completion
  assert_success
  echo "$output" >"$BATS_TEST_TMPDIR/uds-completion.bash"
  run bash -c 'source "$1"
    COMP_WORDS=(uds to); COMP_CWORD=1; _complete_uds; echo "${COMPREPLY[*]}"
    COMP_WORDS=(uds inspect --lis); COMP_CWORD=2; _complete_uds 2>/dev/null; echo "${COMPREPLY[*]}"' _ "$BATS_TEST_TMPDIR/uds-completion.bash"
  assert_success
  assert_output "tour
--listening"
}

@test "jbang app install gives a working uds command" {
  home=$BATS_TEST_TMPDIR/home
  mkdir "$home"
  export HOME=$home JBANG_DIR=$home/.jbang JBANG_REPO=${JBANG_REPO:-~/.m2/repository}
  run --separate-stderr "$KIT/jbang" app install --name uds "$KIT/scripts/uds.java"
  assert_success
  assert [ -x "$JBANG_DIR/bin/uds" ]
  # The installed command runs `jbang`: the kit's launcher, linked as the README says.
  ln -s "$KIT/jbang" "$JBANG_DIR/bin/jbang"
  cd /
  name=$(unique installed)
  PATH=$JBANG_DIR/bin:$PATH run --separate-stderr uds tour --name "$name" --path "$BATS_TEST_TMPDIR/installed.sock"
  assert_success
  assert_line "Every step behaved as the post says."
}
