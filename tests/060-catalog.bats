#!/usr/bin/env bats
# The ways a reader runs a script: a catalog alias (with and without @catalog) from the kit's
# folder, and the script file itself, run by a jbang on PATH or as a program.

load helpers

setup() {
  cd "$KIT" || return 1
}

@test "every script has a catalog alias with a description, and runs by it" {
  for script in scripts/*.java; do
    name=$(basename "$script" .java)
    # catalog.json read by a real JSON parser: the alias points at the script and says what it is.
    run python3 -c 'import json, sys; alias = json.load(open("catalog.json"))["aliases"][sys.argv[1]]; print(alias["script-ref"]); print(bool(alias["description"].strip()))' "$name"
    assert_output "$script
True"
    run ./jbang "$name@catalog" --version
    assert_success
    assert_output "uds-kit 0.1.0"
    run ./jbang "$name" --version
    assert_success
    assert_output "uds-kit 0.1.0"
  done
}

@test "an alias runs the script: abstract-server@catalog and abstract-client@catalog talk" {
  name=$(unique abstract)
  start_server server ./jbang abstract-server@catalog --name "$name" --count 1
  wait_for_output server "^Server is listening for connections on abstract socket: $name\$"
  run ./jbang abstract-client@catalog --name "$name"
  assert_success
  wait_server server
  run server_log server
  assert_line "Received data: Hello, abstract socket!"
}

@test "with jbang on PATH, a script runs as jbang scripts/X.java and as ./scripts/X.java" {
  bin=$BATS_TEST_TMPDIR/bin
  mkdir "$bin"
  ln -s "$KIT/jbang" "$bin/jbang"
  for script in scripts/*.java; do
    [ -x "$script" ]
    PATH=$bin:$PATH run jbang "$script" --version
    assert_output "uds-kit 0.1.0"
    PATH=$bin:$PATH run "./$script" --version
    assert_output "uds-kit 0.1.0"
  done
}

@test "every script and lib file pins the same versions of its dependencies" {
  run bash -c "grep -h '^//DEPS' scripts/*.java lib/*.java | sort -u | sed 's/:[^:]*\$//' | uniq -d"
  assert_output ""
}

@test "every script answers --help with its usage and an example, and every lib file it names exists" {
  for script in scripts/*.java; do
    name=$(basename "$script" .java)
    run ./jbang "$script" --help
    assert_success
    assert_line --index 0 --regexp "^Usage: $name "
    assert_line --regexp "^Examples?:\$"
    for source in $(sed -n 's|^//SOURCES ||p' "$script"); do
      [ -f "scripts/$source" ]
    done
  done
}
