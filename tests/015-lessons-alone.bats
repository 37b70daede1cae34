#!/usr/bin/env bats
# A lesson is one complete file: copied alone into an empty folder, it runs with stock JBang, as a
# reader who pastes it into a blog tutorial runs it. The few methods lessons repeat on purpose are
# the same in every copy.

# bats file_tags=jdk-neutral

load helpers

@test "no lesson sources another file: each is complete" {
  [ "${#LESSONS[@]}" -ge 13 ]
  run grep -l '^//SOURCES' "${LESSONS[@]}" "${FFM_LESSONS[@]}"
  assert_failure
  assert_output ""
}

@test "the methods lessons repeat are the same in every copy (and in lib/'s)" {
  run python3 "$FIXTURES/repeated_methods.py" "${LESSONS[@]}" "${FFM_LESSONS[@]}" "$KIT"/lib/*.java
  assert_success
  # Each is repeated somewhere, so that the comparison can fail.
  for method in escaped fail main removeStaleSocketFile removeOwnSocketFile listedInKernelTable unixAddress bindListener sunPath WholeNumber commandName libc invoke close ErrnoException; do
    assert_line --regexp "^$method: ([2-9]|[1-9][0-9]+) copies\$"
  done
}

@test "a copy that drifts is caught, with the line that differs" {
  cp "$KIT/scripts/abstract-server.java" "$KIT/scripts/pathname-client.java" "$BATS_TEST_TMPDIR/"
  sed -i 's/c < 0x80 /c < 0x81 /' "$BATS_TEST_TMPDIR/pathname-client.java"
  run ! cmp -s "$KIT/scripts/pathname-client.java" "$BATS_TEST_TMPDIR/pathname-client.java"
  run python3 "$FIXTURES/repeated_methods.py" "$BATS_TEST_TMPDIR/abstract-server.java" "$BATS_TEST_TMPDIR/pathname-client.java"
  assert_failure 1
  assert_line --partial "pathname-client.java differs from"
  assert_line --regexp '^\+.*c < 0x81 '
}

# lesson_alone LESSON: scripts/LESSON.java, copied alone into an empty folder, runs with stock JBang.
lesson_alone() {
  use_stock_jbang # the run's cache: each lesson finds the jar its own content was built into
  cd "$(copy_alone "$1")"
  run --separate-stderr jbang "$1.java" --help
  assert_success
  assert_line --index 0 --regexp "^Usage: $1 "
}

# One test for each lesson (all of them in one test took 105-148 s of bats' 180 under CI's load).
# bats gives the file's tags to @test functions only.
for lesson in "${LESSONS[@]}"; do
  lesson=$(basename "$lesson" .java)
  bats_test_function --description "the lesson $lesson, copied alone into an empty folder, runs with stock JBang" --tags jdk-neutral -- lesson_alone "$lesson"
done
unset lesson

@test "alone: the pathname server and client talk to each other, and to the post's Python scripts" {
  use_stock_jbang
  path=$(socket_path s.sock)
  cd "$(copy_alone pathname-server)"
  cp "$KIT/scripts/pathname-client.java" .

  start_server server jbang pathname-server.java --path "$path"
  wait_for_output server "^Server listening on $path\$"
  run --separate-stderr jbang pathname-client.java --path "$path"
  assert_output "Connected to server at $path"
  wait_server server
  run server_log server
  assert_output "Server listening on $path
Accepted connection from client
Received data from client: Hello, server! This is the client."

  server_py=$(python_fixture server.py /tmp/test/pathname_socket.sock "$path")
  start_server python python3 -u "$server_py"
  wait_for_output python "^Server listening on"
  run --separate-stderr jbang pathname-client.java --path "$path"
  assert_success
  wait_server python
  run server_log python
  assert_line "Received data from client: Hello, server! This is the client."

  client_py=$(python_fixture client.py /tmp/test/pathname_socket.sock "$path")
  start_server server jbang pathname-server.java --path "$path"
  wait_for_output server "^Server listening on"
  run python3 "$client_py"
  assert_success
  wait_server server
  run server_log server
  assert_line "Received data from client: Hello, server! This is the client."
  assert [ ! -e "$path" ]
}

@test "alone: the abstract server and client talk to each other, and to the post's Python scripts (JBang's first build of each, in an empty cache)" {
  use_stock_jbang --new-cache
  name=$(unique alone)
  cd "$(copy_alone abstract-server)"
  cp "$KIT/scripts/abstract-client.java" .
  jbang build abstract-server.java 2>/dev/null
  jbang build abstract-client.java 2>/dev/null

  start_server server jbang abstract-server.java --name "$name"
  wait_for_output server "^Server is listening for connections on abstract socket: $name\$"
  run --separate-stderr jbang abstract-client.java --name "$name"
  assert_success
  client_py=$(python_fixture client_abstract.py abstract_socket "$name")
  run python3 "$client_py"
  assert_success
  wait_for_output server "^Received data: Hello, abstract socket!\$"
  stop_server server
  run server_log server
  assert_output "Server is listening for connections on abstract socket: $name
Accepted connection from client
Received data: Hello, abstract socket!
Accepted connection from client
Received data: Hello, abstract socket!"

  server_py=$(python_fixture server_abstract.py abstract_socket "$name")
  start_server python python3 -u "$server_py"
  wait_for_output python "^Server is listening"
  run --separate-stderr jbang abstract-client.java --name "$name"
  assert_success
  wait_for_output python "^Received data: Hello, abstract socket!\$"
}
