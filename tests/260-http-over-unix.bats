#!/usr/bin/env bats
# HTTP over a unix socket from Java: the http-over-unix lesson (OkHttp with junixsocket's socket
# factory) against tests/fixtures/http_unix.py, which answers as Docker's API does, on a path and on
# an abstract name. curl --unix-socket is the yardstick: the lesson prints what curl prints. The
# fixture logs each request with the number of its connection: the witness of keep-alive.

load helpers

setup_file() {
  export path=$BATS_FILE_TMPDIR/api.sock name
  name=$(unique api)
  start_server http-path python3 -u "$FIXTURES/http_unix.py" "$path"
  start_server http-name python3 -u "$FIXTURES/http_unix.py" "@$name"
  wait_for_output http-path "^listening\$"
  wait_for_output http-name "^listening\$"
}

teardown_file() {
  stop_servers
}

# curl_at ADDRESS CURL-ARGUMENTS...: what curl prints, asking the server at ADDRESS (a path or @name),
# with its CRs dropped (the lesson ends the lines it prints itself as Java does).
curl_at() {
  local address=$1
  shift
  if [[ $address == @* ]]; then
    curl -s --abstract-unix-socket "${address#@}" "$@" | tr -d '\r'
  else
    curl -s --unix-socket "$address" "$@" | tr -d '\r'
  fi
}

# assert_one_connection LOG REQUEST...: the fixture's last requests are REQUEST... (as "GET /x -> 200"),
# all on one connection.
assert_one_connection() {
  local log=$BATS_FILE_TMPDIR/$1.log request expected= number
  shift
  number=$(tail -n $# "$log" | sed -n '1s/^connection \([0-9]*\): .*/\1/p')
  for request in "$@"; do
    expected+="connection $number: ${request/ -> / HTTP/1.1 -> }"$'\n'
  done
  run tail -n $# "$log"
  assert_output "${expected%$'\n'}"
}

@test "alone, with stock JBang, on a path and on @name: -i, a chunked answer and a 404 on one connection, as curl prints them" {
  use_stock_jbang
  cd "$(copy_alone http-over-unix)"
  for server in http-path http-name; do
    address=$path
    [ "$server" = http-path ] || address=@$name
    expected=$(curl_at "$address" -i http://localhost/_ping http://localhost/events http://localhost/missing)
    [[ $expected == *"Transfer-Encoding: chunked"*'{"status":"create","id":"3"}'*"HTTP/1.1 404 Not Found"* ]]
    run --separate-stderr jbang http-over-unix.java "$address" -i /_ping /events /missing
    assert_success
    assert_stderr ""
    assert_output "$expected"
    assert_one_connection "$server" "GET /_ping -> 200" "GET /events -> 200" "GET /missing -> 404"
  done
}

@test "alone, with stock JBang, on a path and on @name: POST with -d, and --fail on a 404 after it: exit 1" {
  use_stock_jbang
  cd "$(copy_alone http-over-unix)"
  for server in http-path http-name; do
    address=$path
    [ "$server" = http-path ] || address=@$name
    expected=$(curl_at "$address" -f -d 'name=demo' http://localhost/containers/create)
    assert_equal "$expected" "Received 9 bytes"
    run --separate-stderr jbang http-over-unix.java "$address" --fail -d 'name=demo' /containers/create /missing
    assert_failure 1
    assert_output "$expected"
    assert_stderr "http-over-unix: POST /missing: the server answered 404"
    assert_one_connection "$server" "POST /containers/create -> 200" "POST /missing -> 404"
  done
}

@test "the body as it came into a pipe, escaped on a terminal" {
  run_script http-over-unix "$path" /terminal
  assert_success
  assert_output $'\e[31mred\e[0m, and a bell\a'
  # script(1) gives the lesson a terminal for its standard output.
  run bash -c 'script -qec "$1" /dev/null | tr -d "\r"' bash "$KIT/jbang $KIT/scripts/http-over-unix.java $path /terminal"
  assert_success
  assert_output '\x1b[31mred\x1b[0m, and a bell\x07'
}

@test "through uds spy: the same output; its log shows the requests, a header sent, and the answers, on one connection" {
  start_script_server spy spy "@$name" --listen "@$name-spy" --count 1
  wait_for_output spy '^Spy listening on '
  run_script http-over-unix "@$name" -i -H 'X-Registry-Auth: e30=' /_ping /version
  assert_success
  direct=$output
  run_script http-over-unix "@$name-spy" -i -H 'X-Registry-Auth: e30=' /_ping /version
  assert_success
  assert_output "$direct"
  wait_server spy
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log spy
  assert_line --regexp '^#1 \+[0-9.]+ > [0-9]+ bytes: GET /_ping HTTP/1\.1\\x0d\\n.*X-Registry-Auth: e30=\\x0d\\n'
  assert_line --regexp '^#1 \+[0-9.]+ < [0-9]+ bytes: HTTP/1\.1 200 OK\\x0d\\n.*\\x0d\\n\\x0d\\nOK$'
  assert_line --regexp '^#1 \+[0-9.]+ > [0-9]+ bytes: GET /version HTTP/1\.1\\x0d\\n'
  assert_line --regexp '^#1 \+[0-9.]+ < [0-9]+ bytes: HTTP/1\.1 200 OK\\x0d\\n.*"ApiVersion": "1\.47"'
  refute_line --regexp '^#2 '
}

@test "no server, or one that closes mid-response: one line on stderr, exit 1 (decided by type, also in German)" {
  use_translated_locale
  run_script http-over-unix "$BATS_TEST_TMPDIR/none.sock" /_ping
  assert_failure 1
  assert_output ""
  assert_equal "${#stderr_lines[@]}" 1
  [[ $stderr == "http-over-unix: $BATS_TEST_TMPDIR/none.sock: "?* ]]
  run_script http-over-unix "@$name-none" /_ping
  assert_failure 1
  assert_output ""
  assert_equal "${#stderr_lines[@]}" 1
  [[ $stderr == "http-over-unix: @$name-none: "?* ]]
  # /cut promises 100 bytes and closes after 10: what came is printed, then the line; /version is never asked.
  run_script http-over-unix "$path" /_ping /cut /version
  assert_failure 1
  assert_output "OK0123456789"
  assert_stderr "http-over-unix: GET /cut: the answer broke off (unexpected end of stream)"
  assert_one_connection http-path "GET /_ping -> 200" "GET /cut -> 200"
}

@test "bad usage: one line on stderr, exit 2, and nothing sent" {
  requests=$(wc -l <"$BATS_FILE_TMPDIR/http-path.log")
  run_script http-over-unix
  assert_failure 2
  assert_stderr "http-over-unix: Missing required parameter: 'ADDRESS'"
  run_script http-over-unix "$path" _ping
  assert_failure 2
  assert_stderr "http-over-unix: PATH must start with / and make a URL: _ping"
  run_script http-over-unix "$path" -H 'no colon' /
  assert_failure 2
  assert_stderr "http-over-unix: Unexpected header: no colon"
  run_script http-over-unix "$path" -X GET -d x /
  assert_failure 2
  assert_stderr "http-over-unix: method GET must not have a request body."
  run_script http-over-unix "@$(printf 'n%.0s' $(seq 108))"
  assert_failure 2
  assert_output ""
  assert_stderr "http-over-unix: ADDRESS must be @NAME or a path, in 1 to 107 bytes"
  assert_equal "$(wc -l <"$BATS_FILE_TMPDIR/http-path.log")" "$requests"
}
