#!/usr/bin/env bats
# The JShell playground (scripts/playground.jsh): an abstract server and a client in one JShell
# session. Run as a script it must end with exit code 0, or 1 and one line on stderr, although JShell
# itself goes on after an exception and exits 0; run interactively it must leave the reader at the
# jshell> prompt with its variables defined. Witness: /proc/net/unix.

load helpers

setup() {
  cd "$KIT" || return 1
}

# The name the playground bound, as ss writes it (@playground-PID), from its first line.
playground_name() {
  sed -n 's/^Server is listening on abstract socket: \(@playground-[0-9]*\)$/\1/p' <<<"$1"
}

# assert_playground_ran: the output of a whole, successful run (in $output, $stderr, $status).
assert_playground_ran() {
  assert_success
  assert_stderr "" # no warning (JShell's incubator modules), no JShell error, on any JDK
  name=$(playground_name "$output")
  [ -n "$name" ]
  pid=${name#@playground-}
  assert_line "Server received: Hello, abstract socket!"
  # The kernel's rows: the listener (flags 00010000, state 01) and the accepted connection (state 03).
  assert_line "Num       RefCount Protocol Flags    Type St Inode Path"
  assert_line --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00010000 0001 01 +[0-9]+ $name\$"
  assert_line --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00000000 0001 03 +[0-9]+ $name\$"
  # The inspector's rows: both owned by the process whose pid is in the name.
  assert_line --regexp "^u_str +LISTEN +[0-9]+ +$name +\"[a-z]+\",pid=$pid,fd=[0-9]+\$"
  assert_line --regexp "^u_str +ESTAB +[0-9]+ +$name +\"[a-z]+\",pid=$pid,fd=[0-9]+\$"
  assert_line --index -1 "After close(): $name is gone from /proc/net/unix"
  assert [ -z "$(proc_net_unix_row "$name")" ]
}

# broken_copy SED_SCRIPT: a copy of the playground, alone in a folder of this test, with SED_SCRIPT
# applied; prints its path.
broken_copy() {
  mkdir -p "$BATS_TEST_TMPDIR/alone"
  sed "$1" scripts/playground.jsh >"$BATS_TEST_TMPDIR/alone/playground.jsh"
  ! cmp -s scripts/playground.jsh "$BATS_TEST_TMPDIR/alone/playground.jsh" || return 1 # the sed changed it
  echo "$BATS_TEST_TMPDIR/alone/playground.jsh"
}

@test "playground@catalog, a new user's first run: the message arrives, both rows show, the name is gone after close, nothing else is said, and no file is left in the temporary folder" {
  # A user who never ran JShell: java.util.prefs makes their ~/.java/.userPrefs on this run. Every
  # JVM says "Picked up JAVA_TOOL_OPTIONS" (how the test gives the JVMs that home), and JBang, which
  # runs for a new user (the launcher's cache off: it would skip JBang once it has run), says what it
  # resolves, each line "[jbang] ..."; nothing else may be on stderr. The jars come from the run's
  # Maven repository (JBang's default is under the user's home).
  # JBang writes jshell's arguments and /exit into files of Java's temporary folder, here the test's.
  home=$BATS_TEST_TMPDIR/new-user temporary=$BATS_TEST_TMPDIR/tmp
  mkdir "$home" "$temporary"
  JAVA_TOOL_OPTIONS="-Duser.home=$home -Djava.io.tmpdir=$temporary" UDS_KIT_LAUNCHER_CACHE=off JBANG_REPO=$MAVEN_REPO \
    run --separate-stderr ./jbang playground@catalog </dev/null
  assert [ -d "$home/.java/.userPrefs" ]
  stderr=$(grep -v -e '^Picked up JAVA_TOOL_OPTIONS: ' -e '^\[jbang\] ' <<<"$stderr" || true)
  assert_playground_ran
  assert_equal "$(ls -A "$temporary")" ""
}

# bats test_tags=jdk-neutral
@test "the playground pins the kit's versions of junixsocket and needs no other file: copied alone, it runs by its path (jbang on PATH)" {
  run bash -c "grep -h '^//DEPS' scripts/*.java scripts/playground.jsh | sort -u | sed 's/:[^:]*\$//' | uniq -d"
  assert_output ""
  run grep -c '^//DEPS com.kohlschutter.junixsocket:' scripts/playground.jsh
  assert_output 2
  run grep -c '^//SOURCES' scripts/playground.jsh
  assert_output 0
  [ -x scripts/playground.jsh ]
  mkdir "$BATS_TEST_TMPDIR/alone" "$BATS_TEST_TMPDIR/bin"
  cp -p scripts/playground.jsh "$BATS_TEST_TMPDIR/alone/"
  ln -s "$KIT/jbang" "$BATS_TEST_TMPDIR/bin/jbang"
  cd "$BATS_TEST_TMPDIR/alone"
  PATH=$BATS_TEST_TMPDIR/bin:$PATH run --separate-stderr ./playground.jsh </dev/null
  assert_playground_ran
}

@test "a runtime failure (connect to a name no one listens on) exits 1 with one line, and leaves no name behind" {
  copy=$(broken_copy 's/AFUNIXSocket.connectTo(address)/AFUNIXSocket.connectTo(AFUNIXSocketAddress.inAbstractNamespace(name + "-nobody"))/')
  run --separate-stderr ./jbang "$copy" </dev/null
  assert_failure 1
  name=$(playground_name "$output")
  [ -n "$name" ]
  # shellcheck disable=SC2154 # run --separate-stderr sets stderr_lines
  assert_equal "${#stderr_lines[@]}" 1
  assert_stderr "playground: cannot connect to $name: Connection refused"
  refute_line --partial "Server received"
  assert [ -z "$(proc_net_unix_row "$name")" ]
}

@test "an unexpected result, checked explicitly, exits 1 with one line" {
  copy=$(broken_copy 's/write(message.getBytes/write("Goodbye".getBytes/')
  run --separate-stderr ./jbang "$copy" </dev/null
  assert_failure 1
  assert_line "Server received: Goodbye"
  assert_stderr "playground: the server received 'Goodbye', not 'Hello, abstract socket!'"
  refute_line --partial "After close()"
}

@test "a line that does not compile (JShell reports it and goes on) still ends with exit 1" {
  copy=$(broken_copy 's/String received = step(/String received = no_such_method(/')
  run --separate-stderr ./jbang "$copy" </dev/null
  assert_failure 1
  assert_stderr --partial "cannot find symbol"
  assert_equal "${stderr_lines[-1]}" "playground: stopped before its end (see JShell's error above)"
}

@test "interactive: the reader reaches jshell> with the playground's variables defined; the suggested lines open the name again, ss() shows it, /exit closes it" {
  run --separate-stderr ./jbang -Duds.playground.interactive=true --interactive playground@catalog \
    <<<'System.out.println("received=" + received + ", server closed=" + server.isClosed())
server = AFUNIXServerSocket.bindOn(address); client = AFUNIXSocket.connectTo(address); accepted = server.accept()
System.out.println("listening again: " + rows("@" + name).stream().anyMatch(row -> row.contains(" 00010000 0001 01 ")))
ss("@" + name)
/exit'
  assert_success
  assert_stderr ""
  assert_line --regexp "^Your turn: "
  name=$(playground_name "$output")
  [ -n "$name" ]
  pid=${name#@playground-}
  # After the prompt, JShell's line editor may echo what it read (or part of it, or a backspace),
  # depending on timing: only the end of the line is what the snippet printed.
  assert_line --regexp "jshell> .*received=Hello, abstract socket!, server closed=true\$"
  assert_line --regexp "jshell> .*listening again: true\$"
  # ss() printed the listener twice: once in the playground, once at the prompt.
  run grep -cE "^u_str +LISTEN +[0-9]+ +$name +\"[a-z]+\",pid=$pid,fd=[0-9]+\$" <<<"$output"
  assert_output 2
  assert [ -z "$(proc_net_unix_row "$name")" ]
}

# bats test_tags=jdk-neutral
@test "--interactive without the property runs the playground as a script: it cannot tell, and exits before the prompt" {
  run --separate-stderr ./jbang --interactive scripts/playground.jsh <<<'System.out.println("never run")
/exit 3'
  assert_playground_ran
  refute_output --partial "jshell>"
}
