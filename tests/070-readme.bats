#!/usr/bin/env bats
# The README tells the truth: its main command prints what it shows, and the code it quotes is the
# code the scripts run.

load helpers

# The lines of the first ```FENCE block after the README line that matches REGEX.
readme_block() {
  awk -v after="$1" -v fence="$2" '
    !found && $0 ~ after { found = 1; next }
    found && !inside && $0 == "```" fence { inside = 1; next }
    inside && $0 == "```" { exit }
    inside { print }' "$KIT/README.md"
}

# Pids, inodes and fds change from run to run, and with them the width of columns.
normalize() {
  sed -E 's/[0-9]+/N/g; s/ +/ /g'
}

@test "the main command prints what the README shows" {
  command=$(readme_block "^The kit's main job" sh)
  expected=$(readme_block "^The kit's main job" text)
  assert_equal "$command" "./jbang uds@catalog tour"
  [ -n "$expected" ]

  cd "$KIT"
  run --separate-stderr bash -c "$command"
  assert_success
  assert_equal "$(normalize <<<"$output")" "$(normalize <<<"$expected")"
}

@test "every line of Java the README quotes is in a script" {
  run awk '/^```java$/ { inside = 1; next } /^```$/ { inside = 0 } inside' "$KIT/README.md"
  [ "${#lines[@]}" -gt 10 ]
  for line in "${lines[@]}"; do
    trimmed=$(sed 's/^ *//' <<<"$line")
    grep -qF -- "$trimmed" "$KIT"/scripts/*.java || fail "not in any script: $trimmed"
  done
}

@test "the README's test command is the one CI runs" {
  grep -qx 'tests/run' <(readme_block "^Every test" sh)
  grep -qE '(^| )tests/run( |$)' "$KIT/.ci/run"
}
