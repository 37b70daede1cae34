#!/usr/bin/env bats
# A smaller run of the load test (tests/perf/load): concurrent clients, every message exactly once,
# file descriptors back to where they were, memory under its bound.

load helpers

@test "20 concurrent clients x 10 messages against each server: all arrive once, nothing leaks" {
  run "$KIT/tests/perf/load" 20 10
  assert_success
  assert_line --regexp "^pathname-server.java: 200 of 200 messages from 20 concurrent clients .* file descriptors ([0-9]+) -> \1; "
  assert_line --regexp "^abstract-server.java: 200 of 200 messages from 20 concurrent clients .* file descriptors ([0-9]+) -> \1; "
}
