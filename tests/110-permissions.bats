#!/usr/bin/env bats
# Who may do what: the scripts run as an ordinary user (nobody) next to root's sockets and folders.
# They fail with one clear line where the kernel says no, and touch nothing.

load helpers

# as_nobody SCRIPT ARGS...: runs a kit script as the user nobody, with the java command JBang
# would run (JBang's cache is root's, so its classes are copied somewhere nobody may read), on the
# run's JDK (JAVA_FOR_NOBODY); fails if the JVM left /tmp/hsperfdata_nobody where it was not before.
as_nobody() {
  local script=$1 main perf_folder=/tmp/hsperfdata_nobody there_before=no
  shift
  main=$(sed -n 's/^class \([A-Za-z]*\) .*/\1/p' "$KIT/scripts/$script.java")
  [ ! -e "$perf_folder" ] || there_before=yes
  run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env HOME="$nobody_home" "${JAVA_FOR_NOBODY[@]}" -cp "$(readable_classpath "$script")" "$main" "$@"
  [ "$there_before" = yes ] || [ ! -e "$perf_folder" ] || fail "the JVM left $perf_folder"
}

setup() {
  nobody_home=$(mktemp -d /tmp/uds-kit-nobody.XXXXXX)
  CLEANUP+=("$nobody_home")
  chmod 777 "$nobody_home"
}

@test "a server in a folder nobody may not write to: one line, exit 1, nothing made" {
  folder=$(mktemp -d /tmp/uds-kit-locked.XXXXXX)
  CLEANUP+=("$folder")
  chmod 755 "$folder"
  as_nobody pathname-server --path "$folder/s.sock"
  assert_failure 1
  assert_stderr "pathname-server: cannot bind $folder/s.sock: Permission denied"
  run ls -A "$folder"
  assert_output ""
}

@test "a client outside the server's 0700 folder is refused by the kernel" {
  folder=$(mktemp -d /tmp/uds-kit-private.XXXXXX)
  CLEANUP+=("$folder")
  path=$folder/private/s.sock # the server makes private/ with mode 0700
  start_script_server server pathname-server --path "$path"
  wait_for_output server "^Server listening on"
  chmod 755 "$folder"
  as_nobody pathname-client --path "$path"
  assert_failure 1
  assert_stderr "pathname-client: cannot connect to $path: Permission denied"
  run server_log server
  assert_output "Server listening on $path" # nobody got through
}

@test "uds server --mode 600 keeps other users out of a socket in an open folder; 666 lets them in" {
  folder=$(mktemp -d /tmp/uds-kit-open.XXXXXX)
  CLEANUP+=("$folder")
  chmod 755 "$folder"
  start_script_server closed uds server "$folder/closed.sock" --mode 600
  wait_for_output closed "^Server listening on"
  run stat -c %a "$folder/closed.sock"
  assert_output 600
  as_nobody pathname-client --path "$folder/closed.sock"
  assert_failure 1
  assert_stderr "pathname-client: cannot connect to $folder/closed.sock: Permission denied"

  start_script_server open uds server "$folder/open.sock" --mode 666
  wait_for_output open "^Server listening on"
  as_nobody pathname-client --path "$folder/open.sock" "from nobody"
  assert_success
  wait_server open
  run server_log open
  assert_line "Received data from client: from nobody"
}

@test "uds server --mode 600 holds from the first client on: a client racing the start as nobody never gets in" {
  folder=$(mktemp -d /tmp/uds-kit-race.XXXXXX)
  CLEANUP+=("$folder")
  chmod 777 "$folder"
  path=$folder/raced.sock
  # nobody tries to connect and send, as fast as it can, from before the server binds until told to stop.
  start_server racer setpriv --reuid=nobody --regid=nogroup --clear-groups /usr/bin/python3 -c '
import socket, sys, time
path, tries, inside = sys.argv[1], 0, 0
while True:
    tries += 1
    try:
        with socket.socket(socket.AF_UNIX) as s:
            s.connect(path)
            s.sendall(b"nobody got in")
            inside += 1
    except OSError:
        pass
    if tries % 2000 == 0:
        print("tries", tries, "connected", inside, flush=True)' "$path"
  wait_for_output racer "^tries 2000 "
  start_script_server server uds server "$path" --mode 600 --count 0
  wait_for_output server "^Server listening on"
  # Let it race on for 20000 more tries after the server listens.
  wait_for_output racer "^tries $(( $(tail -n 1 "$BATS_TEST_TMPDIR/racer.log" | cut -d ' ' -f 2) + 20000 )) "
  stop_server racer
  run_script uds client "$path" "root gets in"
  wait_for_output server "^Received data from client: root gets in\$"
  run server_log server
  refute_line --partial "nobody got in"
  # Whoever connected in the moment before chmod was refused, by its credentials.
  run grep -c "^Accepted connection" "$BATS_TEST_TMPDIR/server.log"
  assert_output 1
  run grep -vE "^(Server listening on|Accepted connection from client\$|Received data from client: root gets in\$|Refused connection from client \(pid=[0-9]+ uid=65534 gid=65534\): mode 600 does not let it connect\$)" "$BATS_TEST_TMPDIR/server.log"
  assert_output ""
}

@test "no script runs a shell command, so no user input can reach one" {
  run grep -nE 'Runtime\.getRuntime\(\)\.exec|"(ba)?sh", *"-c"|ProcessBuilder\("(ba)?sh"' "$KIT"/scripts/*.java "$KIT"/lib/*.java
  assert_failure
  assert_output ""
}
