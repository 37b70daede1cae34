#!/usr/bin/env bats
# The Java scripts against the post's own Python scripts (tests/fixtures), both ways: the same
# protocol on the same kind of socket, so a reader can mix them.

load helpers

@test "Java pathname client -> the post's server.py" {
  path=$(socket_path s.sock)
  server=$(python_fixture server.py /tmp/test/pathname_socket.sock "$path")
  start_server server python3 -u "$server"
  wait_for_output server "^Server listening on $path\$"

  run_script pathname-client --path "$path"
  assert_success
  assert_output "Connected to server at $path"

  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_line "Received data from client: Hello, server! This is the client."
}

@test "the post's client.py -> Java pathname server" {
  path=$(socket_path s.sock)
  client=$(python_fixture client.py /tmp/test/pathname_socket.sock "$path")
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"

  run python3 "$client"
  assert_success
  assert_output "Connected to server at $path"

  wait_server server
  run server_log server
  assert_output "Server listening on $path
Accepted connection from client
Received data from client: Hello, server! This is the client."
}

@test "Java abstract client -> the post's server_abstract.py" {
  name=$(unique abstract)
  server=$(python_fixture server_abstract.py abstract_socket "$name")
  start_server server python3 -u "$server"
  wait_for_output server "^Server is listening for connections on abstract socket: .*$name\$"

  run_script abstract-client --name "$name"
  assert_success
  wait_for_output server "^Received data: Hello, abstract socket!\$"
}

@test "the post's client_abstract.py -> Java abstract server" {
  name=$(unique abstract)
  client=$(python_fixture client_abstract.py abstract_socket "$name")
  start_script_server server abstract-server --name "$name"
  wait_for_output server "^Server is listening"

  run python3 "$client"
  assert_success
  wait_for_output server "^Received data: Hello, abstract socket!\$"
  run server_log server
  assert_line --index 1 "Accepted connection from client"
}
