#!/usr/bin/env bats
# socketpair(): the post's "unnamed" address. Two sockets connected from the start, with no address
# at all, as the script shows them and as `ss -x -a -p` shows them.

load helpers

# The script's row for one end: u_str ESTAB INODE * java,pid=PID,fd=FD
ROW='^u_str +ESTAB +([0-9]+) +\* +java,pid=([0-9]+),fd=([0-9]+)$'

@test "a message goes each way, and the two ends show as connected (ESTAB) with no address (*)" {
  run_script socketpair --message "hi there"
  assert_success
  assert_stderr "" # no warning, on any JDK
  assert_equal "${#lines[@]}" 9
  assert_line --index 0 "Opened a connected pair of sockets: end 1 and end 2"
  assert_line --index 1 "End 1 sent: hi there"
  assert_line --index 2 "End 2 received: hi there"
  assert_line --index 3 "End 2 sent back: Hello back, end 1!"
  assert_line --index 4 "End 1 received: Hello back, end 1!"
  assert_line --index 5 "The two ends, as ss -x -a -p shows them (connected: ESTAB; no address: *):"
  assert_line --index 6 --regexp "^Netid +State +Inode +Local Address +Process\$"
  # Two sockets of one process: the same pid, two inodes, two file descriptors.
  [[ ${lines[7]} =~ $ROW ]]
  inode1=${BASH_REMATCH[1]} pid1=${BASH_REMATCH[2]} fd1=${BASH_REMATCH[3]}
  [[ ${lines[8]} =~ $ROW ]]
  [ "${BASH_REMATCH[2]}" = "$pid1" ]
  [ "${BASH_REMATCH[1]}" != "$inode1" ]
  [ "${BASH_REMATCH[3]}" != "$fd1" ]
}

@test "the default message, and bytes that are not printable shown escaped" {
  run_script socketpair
  assert_success
  assert_line --index 1 "End 1 sent: Hello, other end!"
  assert_line --index 2 "End 2 received: Hello, other end!"

  run_script socketpair --message $'caf\xc3\xa9 \x1b[31mred\nnext\\'
  assert_success
  assert_line --index 1 'End 1 sent: café \x1b[31mred\nnext\\'
  assert_line --index 2 'End 2 received: café \x1b[31mred\nnext\\'
}

@test "--hold: ss -x -a -p shows the same two sockets, each the other's peer; they vanish when stopped" {
  start_script_server pair socketpair --hold
  wait_for_output pair "^Holding the pair open until stopped"
  pid=${SERVER_PID[pair]}
  run server_log pair
  assert_line "Holding the pair open until stopped (Ctrl-C): try ss -x -a -p | grep pid=$pid,"
  # shellcheck disable=SC2154 # bats' run sets output
  mapfile -t rows < <(grep -E "$ROW" <<<"$output")
  assert_equal "${#rows[@]}" 2

  inodes=()
  for row in "${rows[@]}"; do
    [[ $row =~ $ROW ]]
    inodes+=("${BASH_REMATCH[1]}")
    [ "${BASH_REMATCH[2]}" = "$pid" ] # this very process, the one we started
  done
  ss -x -a -p >"$BATS_TEST_TMPDIR/ss.txt"
  for i in 0 1; do
    [[ ${rows[$i]} =~ $ROW ]]
    fd=${BASH_REMATCH[3]}
    # ss: Netid State Recv-Q Send-Q Local-Address Inode Peer-Address Peer-Inode Process
    run awk -v inode="${inodes[$i]}" '$6 == inode' "$BATS_TEST_TMPDIR/ss.txt"
    assert_output --regexp "^u_str +ESTAB +0 +0 +\* +${inodes[$i]} +\* +${inodes[$((1 - i))]} +users:\(\(\"java\",pid=$pid,fd=$fd\)\) *\$"
  done

  stop_server pair
  [ "$SERVER_STATUS" -eq 143 ]
  for inode in "${inodes[@]}"; do
    run awk -v inode="$inode" 'NR > 1 && $7 == inode' /proc/net/unix
    assert_output ""
  done
}

@test "bad input: one line on stderr, exit 2" {
  run_script socketpair --bogus
  assert_failure 2
  assert_output ""
  assert_stderr "socketpair: Unknown option: '--bogus' (see 'socketpair --help')"

  run_script socketpair extra
  assert_failure 2
  assert_stderr "socketpair: Unmatched argument at index 0: 'extra' (see 'socketpair --help')"

  run_script socketpair --message
  assert_failure 2
  assert_stderr "socketpair: Missing required parameter for option '--message' (TEXT) (see 'socketpair --help')"
}
