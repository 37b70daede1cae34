#!/usr/bin/env bats
# The tour, the kit's main job: the post end to end as a shell session. Every `$` line it prints
# runs again, pasted into bash in the kit's folder, and prints what the tour showed (modulo pids,
# inodes and times); a step that does not behave ends it with exit 1; Ctrl-C leaves nothing behind.

load helpers

@test "uds tour: every \$ line it prints runs again as shown, and it leaves nothing behind" {
  run --separate-stderr "$KIT/jbang" "$KIT/scripts/uds.java" tour
  assert_success
  assert_stderr ""
  assert_line "Every step behaved as the post says."
  assert_line --regexp '^\$ \./jbang inspector --wait --connected --peers @uds-tour-[0-9]+$'
  assert_line --regexp '^u_str +ESTAB +@uds-tour-[0-9]+ [0-9]+ +"java",pid=[0-9]+,fd=[0-9]+ +<-> +\* [0-9]+ +"java",pid=[0-9]+,fd=[0-9]+$'
  tour=$(sed -n 's|^\$ mkdir -m 700 /tmp/uds-tour-\([0-9]*\)$|\1|p' <<<"$output")
  assert [ ! -e "/tmp/uds-tour-$tour" ]
  assert [ -z "$(proc_net_unix_row "@uds-tour-$tour")" ]
  [ "$(grep -c '^\$ ' <<<"$output")" -ge 20 ]

  python3 "$FIXTURES/tour_session.py" <<<"$output" >"$BATS_TEST_TMPDIR/tour.md"
  cd "$KIT"
  run "$KIT/tests/readme-sessions" "$BATS_TEST_TMPDIR/tour.md"
  [ "$status" -ne 77 ] || skip "$output"
  assert_success
  assert_line --regexp '^OK: ([0-9]+) of \1 tests passed$'
}

@test "uds tour exits 1 when a step does not behave as the post says (the name is taken)" {
  name=$(unique taken)
  start_listener holder "@$name"
  run_script uds tour --name "$name" --folder "$BATS_TEST_TMPDIR/tour"
  assert_failure 1
  assert_stderr "uds: abstract-server exited with 1: abstract-server: @$name is already in use"
  refute_line "Every step behaved as the post says."
  assert [ ! -e "$BATS_TEST_TMPDIR/tour" ]
}

@test "uds tour beside another's listeners of the same file name and a longer abstract name: its own rows only" {
  name=$(unique beside)
  mkdir "$BATS_TEST_TMPDIR/other"
  start_listener other-path "$BATS_TEST_TMPDIR/other/pathname_socket.sock" # another tour's, say
  start_listener other-name "@$name-other"
  run_script uds tour --name "$name" --folder "$BATS_TEST_TMPDIR/tour"
  assert_success
  assert_line "Every step behaved as the post says."
  assert_line --regexp "^\\$ ss -l -x -A unix_stream \\| grep @$name   # "
  assert_line --regexp "^LISTEN +0 +128 +@$name-other [0-9]+ "
}

@test "Ctrl-C stops the tour and everything it started, and leaves nothing behind" {
  name=$(unique interrupted)
  start_script_server tour uds tour --folder "$BATS_TEST_TMPDIR/tour" --name "$name"
  wait_for_output tour '^\$ \./jbang pathname-client '
  kill -INT "${SERVER_PID[tour]}"
  wait_server tour
  [ "$SERVER_STATUS" -eq 130 ]
  assert [ ! -e "$BATS_TEST_TMPDIR/tour" ]
  assert [ -z "$(proc_net_unix_row "@$name")" ]
  run pgrep -f -- "$BATS_TEST_TMPDIR/tour|$name"
  assert_failure
}

@test "uds tour --folder and --name: only plain names, and a folder of its own" {
  mkdir "$BATS_TEST_TMPDIR/exists"
  run_script uds tour --folder "$BATS_TEST_TMPDIR/exists"
  assert_failure 2
  assert_stderr --regexp "^uds: .*/exists exists: the tour makes a folder of its own"
  run_script uds tour --name 'a b'
  assert_failure 2
  assert_stderr --partial "take letters, digits and . _ - (and / in a folder) only"
}
