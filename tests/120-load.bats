#!/usr/bin/env bats
# A smaller run of the load test (tests/perf/load): concurrent clients, every message exactly once,
# no more file descriptors after the load than before it, memory under its bound.

load helpers

@test "20 concurrent clients x 10 messages against each server: all arrive once, nothing leaks" {
  run "$KIT/tests/perf/load" 20 10
  assert_success
  for server in "uds server PATH" "uds server @NAME" "abstract-server.java"; do
    line=$(grep -E "^$server: 200 of 200 messages from 20 concurrent clients .* file descriptors [0-9]+ -> [0-9]+; " <<<"$output") ||
      fail "no line for $server in: $output"
    [[ $line =~ descriptors\ ([0-9]+)\ -\>\ ([0-9]+) ]]
    [ "${BASH_REMATCH[2]}" -le "${BASH_REMATCH[1]}" ] || fail "$server leaked file descriptors: $line"
  done
}
