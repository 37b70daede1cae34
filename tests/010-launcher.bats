#!/usr/bin/env bats
# ./jbang: the pinned JBang, fetched once with Maven, with JBang's own arguments, output and exit
# codes; and the clear line it prints when Java, Maven or JBang is missing.
# (011: its fast path, an unchanged script run again without JBang; 012 and 013: the class-data
# archive and library it prepares for a script's JVM.)
# The tests tagged jdk-neutral test the launcher's own logic (fetching JBang, finding JBang without
# Maven), which is the same whatever the JDK: CI's second run, on JDK 25, leaves them out.

load helpers

# A PATH holding only the tools the launcher itself uses, plus what a test adds to it.
bare_path() {
  bin=$BATS_TEST_TMPDIR/bin
  mkdir -p "$bin"
  local tool
  for tool in bash env sed head readlink sha256sum cut touch mkdir mv rm "$@"; do
    ln -sf "$(command -v "$tool")" "$bin/$tool"
  done
  echo "$bin"
}

@test "runs the pinned JBang 0.132.1" {
  run --separate-stderr "$KIT/jbang" --version
  assert_success
  assert_stderr "0.132.1"
}

@test "JBANG_DIR, JBANG_REPO and JBANG_CACHE_DIR set to nothing are taken as not set (JBang would fill the current folder)" {
  # A HOME whose Maven repository and JBang cache are the run's, so nothing is fetched or built.
  mkdir -p "$BATS_TEST_TMPDIR/home/.m2" "$BATS_TEST_TMPDIR/home/.jbang" "$BATS_TEST_TMPDIR/here"
  ln -s "$MAVEN_REPO" "$BATS_TEST_TMPDIR/home/.m2/repository"
  ln -s "${JBANG_CACHE_DIR:-${JBANG_DIR:-$HOME/.jbang}/cache}" "$BATS_TEST_TMPDIR/home/.jbang/cache"
  cd "$BATS_TEST_TMPDIR/here"
  HOME=$BATS_TEST_TMPDIR/home JBANG_DIR= JBANG_REPO= JBANG_CACHE_DIR= run --separate-stderr "$KIT/jbang" info classpath "$KIT/scripts/pathname-server.java"
  assert_success
  assert_output --partial /info/picocli/picocli/4.7.7/picocli-4.7.7.jar
  assert_equal "$(ls -A)" ""
}

@test "passes the script's output and exit codes through" {
  run_script pathname-server --version
  assert_success
  assert_output "uds-kit 0.1.0"
  run_script pathname-server --no-such-option
  assert_failure 2
}

@test "an empty argument reaches the script (JBang alone would drop it)" {
  path=$(socket_path s.sock)
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  run_script pathname-client --path "$path" ""
  assert_success
  wait_server server
  run server_log server
  assert_line --index 2 "Received data from client: "
}

# bats test_tags=jdk-neutral
@test "fetches JBang with Maven into an empty local repository, and checks its checksum" {
  repo=$BATS_TEST_TMPDIR/repo
  JBANG_REPO=$repo run --separate-stderr "$KIT/jbang" --version
  assert_success
  assert_stderr --partial "fetching JBang 0.132.1 with Maven into $repo"
  assert [ -f "$repo/dev/jbang/jbang-cli/0.132.1/jbang-cli-0.132.1-all.jar" ]
}

@test "a jar that does not match the pinned checksum is refused" {
  repo=$BATS_TEST_TMPDIR/repo
  jar=$repo/dev/jbang/jbang-cli/0.132.1/jbang-cli-0.132.1-all.jar
  mkdir -p "$(dirname "$jar")"
  echo "not JBang" >"$jar"
  JBANG_REPO=$repo run --separate-stderr "$KIT/jbang" --version
  assert_failure 1
  assert_stderr --regexp "^jbang \(uds-kit\): $jar has SHA-256 [0-9a-f]{64}, expected f977075849cff866f45b27997f5671ab8a336a5dd3cf9e702b3479128338f3a7: delete it and run again\$"
}

@test "without Java: one line saying what to install" {
  path=$(bare_path)
  run --separate-stderr env PATH="$path" JAVA_HOME= "$KIT/jbang" --version
  assert_failure 1
  assert_stderr "jbang (uds-kit): no Java found: install a JDK 17 or newer (or set JAVA_HOME to one)"
}

@test "with a Java older than 17: one line saying what to install" {
  old_java=$BATS_TEST_TMPDIR/old-jdk
  mkdir -p "$old_java/bin"
  # A stand-in for an old JDK: the launcher only reads what `java -version` prints.
  printf '#!/bin/sh\necho %s >&2\n' "'openjdk version \"11.0.2\" 2019-01-15'" >"$old_java/bin/java"
  chmod +x "$old_java/bin/java"
  JAVA_HOME=$old_java run --separate-stderr "$KIT/jbang" --version
  assert_failure 1
  assert_stderr "jbang (uds-kit): $old_java/bin/java is Java 11: install a JDK 17 or newer (or set JAVA_HOME to one)"
}

# bats test_tags=jdk-neutral
@test "without Maven, a jbang on PATH is used, and it says so" {
  path=$(bare_path java)
  # The user's own JBang: here the same pinned one, reached through a different file.
  printf '#!/usr/bin/env bash\nJBANG_REPO=%q exec %q "$@"\n' "${JBANG_REPO:-$HOME/.m2/repository}" "$KIT/jbang" >"$path/jbang"
  chmod +x "$path/jbang"
  run --separate-stderr env PATH="$path" JBANG_REPO="$BATS_TEST_TMPDIR/empty" "$KIT/jbang" "$KIT/scripts/pathname-server.java" --version
  assert_success
  assert_output "uds-kit 0.1.0"
  assert_stderr "jbang (uds-kit): Maven is not installed, so running $path/jbang instead of the pinned JBang 0.132.1"
}

@test "without Maven or JBang: one line saying what to install" {
  path=$(bare_path java)
  run --separate-stderr env PATH="$path" JBANG_REPO="$BATS_TEST_TMPDIR/empty" "$KIT/jbang" --version
  assert_failure 1
  assert_stderr "jbang (uds-kit): neither Maven nor JBang found: install Maven (to fetch JBang 0.132.1) or JBang"
}
