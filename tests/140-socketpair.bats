#!/usr/bin/env bats
# socketpair(): the post's "unnamed" address. Two sockets connected from the start, with no address
# at all, as the script shows them (their fds and rows of /proc/net/unix) and as `ss -x -a -p` does.

load helpers

# The script's line for one end: End N is file descriptor FD: /proc/self/fd/FD -> socket:[INODE]
END='^End ([12]) is file descriptor ([0-9]+): /proc/self/fd/\2 -> socket:\[([0-9]+)\]$'

@test "a message goes each way, and the two ends show as connected stream sockets with no address" {
  run_script socketpair --message "hi there"
  assert_success
  assert_stderr "" # no warning, on any JDK
  assert_equal "${#lines[@]}" 11
  assert_line --index 0 "Opened a connected pair of sockets: end 1 and end 2"
  assert_line --index 1 "End 1 sent: hi there"
  assert_line --index 2 "End 2 received: hi there"
  assert_line --index 3 "End 2 sent back: Hello back, end 1!"
  assert_line --index 4 "End 1 received: Hello back, end 1!"
  [[ ${lines[5]} =~ $END ]] && [ "${BASH_REMATCH[1]}" = 1 ]
  fd1=${BASH_REMATCH[2]} inode1=${BASH_REMATCH[3]}
  [[ ${lines[6]} =~ $END ]] && [ "${BASH_REMATCH[1]}" = 2 ]
  fd2=${BASH_REMATCH[2]} inode2=${BASH_REMATCH[3]}
  [ "$fd1" != "$fd2" ] && [ "$inode1" != "$inode2" ]
  assert_line --index 7 "Their rows in /proc/net/unix (Type 0001: stream; St 03: connected; no Path: no address):"
  assert_line --index 8 "$(head -n 1 /proc/net/unix)"
  # Not listening (flags 0), stream (0001), connected (03), and nothing after the inode: no Path.
  assert_line --index 9 --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00000000 0001 03 +$inode1\$"
  assert_line --index 10 --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00000000 0001 03 +$inode2\$"
}

@test "the default message, bytes that are not printable shown escaped, and the longest argument fits" {
  run_script socketpair
  assert_success
  assert_line --index 1 "End 1 sent: Hello, other end!"
  assert_line --index 2 "End 2 received: Hello, other end!"

  run_script socketpair --message $'caf\xc3\xa9 \x1b[31mred\nnext\\'
  assert_success
  assert_line --index 1 'End 1 sent: café \x1b[31mred\nnext\\'
  assert_line --index 2 'End 2 received: café \x1b[31mred\nnext\\'

  # One argument holds 128 KiB at most (with its NUL): end 1 writes it all before end 2 reads.
  long=$(head -c 131071 /dev/zero | tr '\0' x)
  run_script socketpair --message "$long"
  assert_success
  assert_line --index 2 "End 2 received: $long"
}

@test "--hold: ss -x -a -p shows the same two sockets, this process's, each the other's peer; they vanish when stopped" {
  start_script_server pair socketpair --hold
  wait_for_output pair "^Holding the pair open until stopped"
  pid=${SERVER_PID[pair]}
  run server_log pair
  assert_line "Holding the pair open until stopped (Ctrl-C): try ss -x -a -p | grep pid=$pid,"
  # shellcheck disable=SC2154 # bats' run sets output
  mapfile -t ends < <(grep -E "$END" <<<"$output")
  assert_equal "${#ends[@]}" 2

  ss -x -a -p >"$BATS_TEST_TMPDIR/ss.txt"
  inodes=()
  for end in "${ends[@]}"; do
    [[ $end =~ $END ]]
    inodes+=("${BASH_REMATCH[3]}")
  done
  for i in 0 1; do
    [[ ${ends[$i]} =~ $END ]]
    fd=${BASH_REMATCH[2]}
    # ss: Netid State Recv-Q Send-Q Local-Address Inode Peer-Address Peer-Inode Process
    run awk -v inode="${inodes[$i]}" '$6 == inode' "$BATS_TEST_TMPDIR/ss.txt"
    assert_output --regexp "^u_str +ESTAB +0 +0 +\* +${inodes[$i]} +\* +${inodes[$((1 - i))]} +users:\(\(\"java\",pid=$pid,fd=$fd\)\) *\$"
    # And the process's own fd table: the fd the script named links to that inode.
    assert_equal "$(readlink "/proc/$pid/fd/$fd")" "socket:[${inodes[$i]}]"
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
  assert_stderr "socketpair: Unknown option: '--bogus'"

  run_script socketpair extra
  assert_failure 2
  assert_stderr "socketpair: Unmatched argument at index 0: 'extra'"

  run_script socketpair --message
  assert_failure 2
  assert_stderr "socketpair: Missing required parameter for option '--message' (TEXT)"
}
