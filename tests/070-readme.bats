#!/usr/bin/env bats
# The README tells the truth: its main command prints what it shows, every ```console session in it
# runs as shown (tests/readme-sessions: clitest, in private namespaces), and the code it quotes is
# the code the scripts run.

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

@test "the README is a tutorial of at most 350 lines, with the two set-up commands CI runs" {
  [ "$(wc -l <"$KIT/README.md")" -le 350 ]
  assert_equal "$(readme_block "^The kit's main job" sh)" "./jbang uds@catalog tour"
  assert_equal "$(readme_block "^Every test" sh)" "tests/run"
  grep -qE '(^| )tests/run( |$)' "$KIT/.ci/run"
}

@test "every block of Java the README and docs/ quote is a contiguous, verbatim part of a script" {
  run python3 - "$KIT" <<'PYTHON'
import glob, re, sys, textwrap
kit = sys.argv[1]
readme = "".join(open(path).read() for path in [kit + "/README.md"] + glob.glob(kit + "/docs/*.md"))
scripts = {path: open(path).read().split("\n") for path in glob.glob(kit + "/scripts/*.java") + glob.glob(kit + "/lib/*.java")}
blocks = re.findall(r"^```java\n(.*?)^```$", readme, re.S | re.M)
for block in blocks:
    lines = block.rstrip("\n").split("\n")
    wanted = textwrap.dedent("\n".join(lines))
    found = [path for path, text in scripts.items() for i in range(len(text) - len(lines) + 1)
             if text[i].strip() == lines[0].strip() and textwrap.dedent("\n".join(text[i:i + len(lines)])) == wanted]
    print(("in " + found[0].rsplit("/", 1)[1]) if found else "NOT IN ANY SCRIPT", "(%d lines): %s" % (len(lines), lines[0].strip()))
PYTHON
  assert_success
  [ "${#lines[@]}" -ge 3 ]
  refute_line --partial "NOT IN ANY SCRIPT"
}

@test "every link of the README and docs/ leads to a file of the kit" {
  cd "$KIT"
  for file in README.md docs/*.md tests/README.md; do
    for target in $(grep -oE '\]\([^)#]+\)' "$file" | sed 's/^](//; s/)$//' | grep -v '://'); do
      [ -e "$(dirname "$file")/$target" ] || fail "$file links to $target, which is not there"
    done
  done
}

# The number of commands in the ```console blocks of FILE: clitest must run each of them.
console_commands() {
  awk '/^```console$/ { inside = 1; next } /^```/ { inside = 0 } inside && /^\$ /' "$1" | wc -l
}

# run_sessions [OPTION...] [FILE]: tests/readme-sessions, from the kit's folder; skips the test
# where private namespaces are not permitted (the runner then exits 77 and says why).
run_sessions() {
  cd "$KIT" || return 1
  run "$KIT/tests/readme-sessions" "$@"
  # shellcheck disable=SC2154 # run sets status and output
  if [ "$status" -eq 77 ]; then
    skip "$output"
  fi
}

# readme_session N: the README's Nth console session runs as shown, alone (the others are made
# ```text blocks in a copy, line for line, so clitest's line numbers are still the README's).
readme_session() {
  local copy=$BATS_TEST_TMPDIR/README.md commands log_before
  awk -v n="$1" '/^```console$/ && ++session != n { print "```text"; next } { print }' "$KIT/README.md" >"$copy"
  commands=$(console_commands "$copy")
  [ "$commands" -gt 0 ]
  # The sessions write /tmp/pathname-server.log in a /tmp of their own: the shared one's (if a reader
  # has one) stays as it was.
  log_before=$(stat -c '%Y %s' /tmp/pathname-server.log 2>/dev/null || echo none)
  run_sessions "$copy"
  assert_success
  assert_line "OK: $commands of $commands tests passed"
  assert_equal "$(stat -c '%Y %s' /tmp/pathname-server.log 2>/dev/null || echo none)" "$log_before"
}

# One test for each console session of the README (all of them in one test took 126 s of bats' 180 s
# under CI's load); each begins its own servers and waits for them, so each runs alone.
sessions=$(grep -c '^```console$' "$KIT/README.md")
for ((session = 1; session <= sessions; session++)); do
  bats_test_function --description "console session $session of $sessions of the README runs as shown, under clitest" -- readme_session "$session"
done

@test "the README's console sessions hold more than 25 commands in all" {
  [ "$(console_commands "$KIT/README.md")" -gt 25 ]
}

# has_ffm_sessions FILE: FILE has sessions of the FFM lessons, which run on a JDK 22+.
has_ffm_sessions() {
  grep -q '^\$ \./jbang [a-z-]*-ffm ' "$1"
}

# document_sessions FILE: the sessions of FILE (relative to the kit) run as shown, under clitest.
document_sessions() {
  local file=$KIT/$1 commands java_home=${JAVA_HOME:-}
  commands=$(console_commands "$file")
  if has_ffm_sessions "$file"; then # on a JDK 22+, if there is one
    java_home=$(ffm_java_home)
    [ -n "$java_home" ] || skip "no JDK 22+ here to run the FFM lessons' sessions"
  fi
  JAVA_HOME=$java_home run_sessions "$file"
  assert_success
  assert_line "OK: $commands of $commands tests passed"
}

# One test for each document of docs/ (and tests/README.md) with sessions: each stays well within
# bats' 180 s under CI's load (all of them in one test took 127 s), and a failure names its document.
# A document of the FFM lessons runs on the same JDK 22+ in both of CI's runs: jdk-neutral, as 280.
for document in "$KIT"/docs/*.md "$KIT/tests/README.md"; do
  [ "$(console_commands "$document")" -ne 0 ] || continue
  tags=()
  ! has_ffm_sessions "$document" || tags=(--tags jdk-neutral)
  bats_test_function --description "the sessions of ${document#"$KIT/"} run as shown, under clitest" "${tags[@]}" \
    -- document_sessions "${document#"$KIT/"}"
done
unset document tags

@test "a session whose output no longer matches the README fails, with clitest's diff and the README's line" {
  copy=$BATS_TEST_TMPDIR/README.md
  sed '0,/^Connected to server at \/tmp\/test\/pathname_socket\.sock$/s//Connected to the server at \/tmp\/test\/pathname_socket.sock/' \
    "$KIT/README.md" >"$copy"
  line=$(grep -n -m 1 '^Connected to the server at ' "$copy" | cut -d : -f 1)
  [ -n "$line" ]
  run_sessions --first "$copy"
  assert_failure 1
  assert_line --regexp "^\\[FAILED #[0-9]+, line $((line - 1))\\] \\./jbang pathname-client\$"
  assert_line -- "-Connected to the server at /tmp/test/pathname_socket.sock"
  assert_line -- "+Connected to server at /tmp/test/pathname_socket.sock"
}

@test "an example under a #=> --regex must match it: checked before anything runs" {
  copy=$BATS_TEST_TMPDIR/README.md
  sed 's|^\(LISTEN 0 *1 *\)/tmp/test/pathname_socket.sock |\1/tmp/test/pathname.sock |' "$KIT/README.md" >"$copy"
  line=$(grep -n -m 1 '^LISTEN 0 *1 */tmp/test/pathname.sock ' "$copy" | cut -d : -f 1)
  [ -n "$line" ]
  run_sessions "$copy"
  assert_failure 1
  assert_line --index 0 --regexp "^$copy:$((line - 1)): the example under this command does not match its matcher \(#=> --regex .*\):\$"
  assert_line --regexp "^LISTEN 0 +1 +/tmp/test/pathname.sock [0-9]+ "
  refute_output --partial "FAILED"
}

@test "only console blocks run, each from its first command; sh and text blocks do not" {
  markdown=$BATS_TEST_TMPDIR/sessions.md
  cat >"$markdown" <<'EOF'
Prose, and commands that are not sessions:

```sh
$ exit 3
```

```text
$ echo printed by a tour
something else
```

```console
$ echo "$((6 * 7))"
42
$ pwd
KIT
```
EOF
  sed -i "s|^KIT\$|$KIT|" "$markdown"
  run_sessions "$markdown"
  assert_success
  assert_line "OK: 2 of 2 tests passed"

  printf '```console\nan output line with no command\n$ true\n```\n' >"$markdown"
  run_sessions "$markdown"
  assert_failure 1
  assert_output "$markdown:2: a console session must begin with a \`\$ \` command"
}

@test "a kit that lives under /tmp still sees itself in the sessions' fresh /tmp" {
  kit=$BATS_TEST_TMPDIR/kit
  mkdir -p "$kit/tests"
  cp "$KIT/tests/readme-sessions" "$kit/tests/"
  cp -r "$KIT/tests/.tools" "$kit/tests/" # in the kit, as tests/run puts it
  echo "the kit's own file" >"$kit/marker"
  shared=/tmp/$(unique shared)
  touch "$shared" && CLEANUP+=("$shared")
  cat >"$kit/README.md" <<EOF
\`\`\`console
\$ pwd
$kit
\$ cat marker
the kit's own file
\$ ls $shared
ls: cannot access '$shared': No such file or directory
\`\`\`
EOF
  run "$kit/tests/readme-sessions" "$kit/README.md"
  [ "$status" -ne 77 ] || skip "$output"
  assert_success
  assert_line "OK: 3 of 3 tests passed"
}

# bats test_tags=jdk-neutral
@test "tests/run ends with the line N passed, N failed, and counts a skipped test apart, not as passed; nothing of the run is left, in HOME neither" {
  mkdir "$BATS_TEST_TMPDIR/suite"
  cat >"$BATS_TEST_TMPDIR/suite/sample.bats" <<'BATS'
@test "passes" { true; }
@test "is skipped" { skip "nothing to test here"; }
@test "fails" { false; }
BATS
  # A HOME of its own (JBang's folder and Maven repository elsewhere, as a new user may set them).
  mkdir "$BATS_TEST_TMPDIR/home"
  HOME=$BATS_TEST_TMPDIR/home JBANG_DIR=$BATS_TEST_TMPDIR/jbang JBANG_REPO=$MAVEN_REPO \
    run --separate-stderr "$KIT/tests/run" "$BATS_TEST_TMPDIR/suite/sample.bats"
  assert_failure 1
  assert_line "1 skipped (each line above that ends in '# skip' says why)"
  assert_line --index $((${#lines[@]} - 1)) "1 passed, 1 failed"
  # Nothing of the run is left: bats' watchdog of the test that failed at once could outlive it,
  # asleep for the whole timeout (a race in bats), and tests/run ends what bats left; nothing in
  # HOME either (GNU parallel's cache went to the run's own folder).
  run pgrep -f "$BATS_TEST_TMPDIR/suite/sample.bats"
  assert_failure 1
  assert_equal "$(ls -A "$BATS_TEST_TMPDIR/home")" ""
}

# bats test_tags=jdk-neutral
@test "tests/run where bats is not installed yet installs it with npm, and npm's cache and logs go to the run's folder, not to HOME" {
  # The kit's tracked files, without tests/node_modules (clitest copied: apt-get is not the question).
  copy=$BATS_TEST_TMPDIR/kit
  mkdir "$copy"
  copy_kit "$copy"
  cp -r "$KIT/tests/.tools" "$copy/tests/"
  mkdir "$BATS_TEST_TMPDIR/suite" "$BATS_TEST_TMPDIR/home"
  echo '@test "passes" { true; }' >"$BATS_TEST_TMPDIR/suite/sample.bats"
  HOME=$BATS_TEST_TMPDIR/home JBANG_DIR=$BATS_TEST_TMPDIR/jbang JBANG_REPO=$MAVEN_REPO \
    run --separate-stderr "$copy/tests/run" "$BATS_TEST_TMPDIR/suite/sample.bats"
  assert_success
  assert_line --index $((${#lines[@]} - 1)) "1 passed, 0 failed"
  assert [ -x "$copy/tests/node_modules/bats/bin/bats" ]
  assert_equal "$(ls -A "$BATS_TEST_TMPDIR/home")" ""
}

# bats test_tags=jdk-neutral
@test "tests/run stopped by SIGTERM stops its tests as Ctrl-C does: the running test's teardown runs, no process of the run is left, its temporary folder goes, exit 143" {
  mkdir "$BATS_TEST_TMPDIR/suite" "$BATS_TEST_TMPDIR/marks"
  cat >"$BATS_TEST_TMPDIR/suite/sample.bats" <<'BATS'
teardown() { echo "torn down" >"$MARKS/teardown"; }
@test "waits to be stopped" {
  echo "$TMPDIR" >"$MARKS/temporary"
  sleep 120
}
BATS
  MARKS=$BATS_TEST_TMPDIR/marks "$KIT/tests/run" "$BATS_TEST_TMPDIR/suite/sample.bats" >"$BATS_TEST_TMPDIR/run.log" 2>&1 &
  run_pid=$!
  wait_until "the sample test runs" test -s "$BATS_TEST_TMPDIR/marks/temporary"
  kill -TERM "$run_pid"
  status=0
  wait "$run_pid" || status=$?
  assert_equal "$status" 143
  assert_equal "$(cat "$BATS_TEST_TMPDIR/marks/teardown")" "torn down"
  run pgrep -f "$BATS_TEST_TMPDIR/suite/sample.bats"
  assert_failure 1
  assert [ ! -e "$(cat "$BATS_TEST_TMPDIR/marks/temporary")" ]
}
