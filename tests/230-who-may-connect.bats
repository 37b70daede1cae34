#!/usr/bin/env bats
# Beyond the post: "hidden, private"? who-may-connect starts real clients, as the user nobody and in a
# new network namespace, and says what the kernel did. The witness here is the kernel too: each run
# is traced (strace -f), and tests/fixtures/traced_clients.py tells for each client process its uid
# (setresuid), the namespaces it made (unshare), what its connect() returned and its exit status.
# The lesson runs as root, as root without CAP_SETUID and CAP_SYS_ADMIN (as in a container), as nobody,
# and as nobody where no user namespace can be made; and with tools that lie, to see it fail.

load helpers

setup() {
  command -v strace >/dev/null || fail "strace is needed: it witnesses what the kernel did"
  nobody=$(id -u nobody)
  as_nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
  before=$(leftovers)
}

# What a run could leave behind: its folders in /tmp, its abstract names, its client processes.
leftovers() {
  ls -d /tmp/uds-who-* 2>/dev/null
  grep -o ' @uds-who-[0-9]*$' /proc/net/unix
  pgrep -f 'WhoMayConnect --client'
  return 0
}

# traced COMMAND...: `run --separate-stderr COMMAND` under strace; then the kernel's account of each
# client is in $BATS_TEST_TMPDIR/clients, one line each, as traced_clients.py prints it.
traced() {
  run --separate-stderr strace -f --seccomp-bpf -v -s 4096 -o "$BATS_TEST_TMPDIR/trace" \
    -e trace=execve,clone,clone3,vfork,fork,connect,unshare,setresuid "$@"
  python3 "$FIXTURES/traced_clients.py" "$BATS_TEST_TMPDIR/trace" >"$BATS_TEST_TMPDIR/clients"
}

# Sets the array `lesson`: the lesson's JVM from a class path that nobody may read, to run as nobody.
lesson_for_nobody() {
  lesson=("$(command -v "$RUN_JAVA")" "${JAVA_FOR_NOBODY[@]:1}" -cp "$(readable_classpath who-may-connect)" WhoMayConnect)
  cd /tmp || return 1 # nobody may not enter the test's own folder
}

# The run's path and name, as its clients were given them (the kernel's account, not the lesson's words).
find_address() {
  path=$(grep -o '/tmp/uds-who-[0-9]*/socket' "$BATS_TEST_TMPDIR/clients" | head -n 1)
  name=$(grep -o '@uds-who-[0-9]*' "$BATS_TEST_TMPDIR/clients" | head -n 1)
  [ -n "$path" ] && [ -n "$name" ]
}

# The kernel's account with the pids, path and name written as PID, PATH and @NAME.
clients() {
  sed -E -e 's/^pid=[0-9]+ /pid=PID /' -e "s|$path|PATH|g" -e "s|$name|@NAME|g" "$BATS_TEST_TMPDIR/clients"
}

# The pid of the first process in the kernel's account whose line matches PATTERN.
client_pid() {
  grep -E -- "$1" "$BATS_TEST_TMPDIR/clients" | sed -n "1s/^pid=\([0-9]*\) .*/\1/p"
}

# The lesson's output with the path's folder, the name, the pids and the kernel's rows (their fields
# checked here: listening, stream, unconnected) written as FOLDER, @NAME, PID and ROW.
normalized_output() {
  sed -E -e "s|${path%/socket}|FOLDER|g" -e "s|$name|@NAME|g" -e 's/pid=[0-9]+ /pid=PID /' \
    -e 's/^  [0-9a-f]+: 00000002 00000000 00010000 0001 01 +[0-9]+ /  ROW: LISTENING STREAM /' <<<"$output"
}

# What the kernel did in a run as root, process by process, in the order they ran.
assert_clients_as_root() {
  find_address
  assert_equal "$(clients)" "pid=PID client PATH: uid=$nobody namespaces=none connect=EACCES exit=13
pid=PID grep ' @NAME\$': uid=$nobody namespaces=none exit=0
pid=PID client @NAME: uid=$nobody namespaces=none connect=0 exit=0
pid=PID client @NAME: uid=$nobody namespaces=none connect=0 exit=3
pid=PID client @NAME: uid=same namespaces=none connect=0 exit=0
pid=PID grep ' @NAME\$': uid=same namespaces=none exit=0
pid=PID grep ' @NAME\$': uid=same namespaces=net exit=1
pid=PID client @NAME: uid=same namespaces=net connect=ECONNREFUSED exit=111
pid=PID grep ' PATH\$': uid=same namespaces=none exit=0
pid=PID grep ' PATH\$': uid=same namespaces=net exit=1
pid=PID client PATH: uid=same namespaces=net connect=0 exit=0"
}

# What the kernel did in a run without another user, whose new network namespaces came with a user namespace.
assert_clients_with_user_namespace() {
  find_address
  assert_equal "$(clients)" "pid=PID grep ' @NAME\$': uid=same namespaces=none exit=0
pid=PID client @NAME: uid=same namespaces=none connect=0 exit=0
pid=PID grep ' @NAME\$': uid=same namespaces=none exit=0
pid=PID grep ' @NAME\$': uid=same namespaces=user,net exit=1
pid=PID client @NAME: uid=same namespaces=user,net connect=ECONNREFUSED exit=111
pid=PID grep ' PATH\$': uid=same namespaces=none exit=0
pid=PID grep ' PATH\$': uid=same namespaces=user,net exit=1
pid=PID client PATH: uid=same namespaces=user,net connect=0 exit=0"
}

# Run as nobody, the lesson says that another user needs root, and what it would have shown.
assert_no_other_user() {
  assert_line --index 0 "Who may connect, and where is a name visible? This process is uid $nobody; each client below"
  assert_line "Only root may start a process as another user, and this process is uid $nobody: the parts that"
  assert_line "need one are not shown. As root, the lesson runs them so: setpriv --reuid=nobody --regid=nogroup --clear-groups java ..."
  assert_line "drwx------ nobody ${path%/socket}"
  assert_line "Not shown here: nobody's client refused: it would exit 13 (EACCES), stopped at the folder."
  assert_line "Not shown here: nobody's client served: it would connect and be served, as any user's client would."
  assert_line "Not shown here: nobody's client sent away: the kernel would let it in, the server send it away (exit 3)."
  refute_output --partial "setpriv: " # nor does it try: a user may not become another
}

assert_nothing_left() {
  assert_equal "$(leftovers)" "$before"
  for pid in $(sed -n 's/^pid=\([0-9]*\) .*/\1/p' "$BATS_TEST_TMPDIR/clients"); do
    run kill -0 "$pid"
    assert_failure
  done
}

@test "as root: nobody refused at the private folder (EACCES), let in by the abstract name, sent away by SO_PEERCRED; a new network namespace neither lists nor reaches the name, and reaches the path" {
  # The launcher's first run, with a JBang cache of its own (the jar built beforehand): it prepares
  # its archive while the lesson runs, traced too; the grep it runs then is not the lesson's.
  export JBANG_CACHE_DIR=$BATS_TEST_TMPDIR/jbang-cache
  "$KIT/jbang" build "$KIT/scripts/who-may-connect.java" 2>/dev/null
  traced "$KIT/jbang" "$KIT/scripts/who-may-connect.java"
  assert_success
  assert_stderr "" # no warning, on any JDK (the clients' own output is in stdout)
  assert_clients_as_root
  # SO_PEERCRED, as the server printed it, against the traced processes.
  assert_line "Server: serves pid=$(client_pid "client @uds-who-[0-9]+: uid=$nobody .* exit=0\$") uid=$nobody gid=$(id -g nobody) (SO_PEERCRED)"
  assert_line "Server: sends away pid=$(client_pid "exit=3\$") uid=$nobody gid=$(id -g nobody) (SO_PEERCRED): not uid 0"
  assert_line "Server: serves pid=$(client_pid "client @uds-who-[0-9]+: uid=same .* exit=0\$") uid=0 gid=0 (SO_PEERCRED)"
  assert_line "Server: serves pid=$(client_pid "client /tmp/.* namespaces=net .* exit=0\$") uid=0 gid=0 (SO_PEERCRED)"
  normalized=$(normalized_output)
  assert_equal "$normalized" "$(cat <<EOF
Who may connect, and where is a name visible? This process is uid 0; each client below
is a process of its own, and its exit status says what the kernel did at its connect().

=== Part 1. Who may connect: another user tries
Another user, nobody, runs the clients marked so: setpriv --reuid=nobody --regid=nogroup --clear-groups
== Step 1. A pathname socket in a private folder: the kernel refuses the other user
Server (uid 0) listening on FOLDER/socket
drwx------ root FOLDER
srw-rw-rw- root FOLDER/socket  (open to all: the folder alone keeps others out)
\$ setpriv --reuid=nobody --regid=nogroup --clear-groups java ... WhoMayConnect --client=FOLDER/socket
  client (uid $nobody): connect(): Permission denied
  exit status 13: EACCES, permission denied
The kernel refused nobody at connect() (EACCES): the server never saw it.

== Step 2. An abstract socket: the other user connects, though nothing gave it the name
Server (uid 0) listening on @NAME
No file: no owner, no permission bits. And the kernel lists the name in a file that every
user may read: -r--r--r-- root /proc/net/unix
\$ setpriv --reuid=nobody --regid=nogroup --clear-groups grep ' @NAME\$' /proc/net/unix
  ROW: LISTENING STREAM @NAME
  exit status 0: listed
\$ setpriv --reuid=nobody --regid=nogroup --clear-groups java ... WhoMayConnect --client=@NAME
Server: serves pid=PID uid=$nobody gid=$(id -g nobody) (SO_PEERCRED)
  client (uid $nobody): connected; the server answered: hello, uid $nobody
  exit status 0: served
The user nobody read the name, connected and was served: only the server itself could say no.

== Step 3. The defence: the server asks who connected (SO_PEERCRED) and sends other users away
Server (uid 0) listening on @NAME
It serves uid 0 only: the kernel recorded each client's uid at connect(), the client cannot forge it.
\$ setpriv --reuid=nobody --regid=nogroup --clear-groups java ... WhoMayConnect --client=@NAME
Server: sends away pid=PID uid=$nobody gid=$(id -g nobody) (SO_PEERCRED): not uid 0
  client (uid $nobody): connected, and the server closed without a word
  exit status 3: let in, then sent away by the server
\$ java ... WhoMayConnect --client=@NAME
Server: serves pid=PID uid=0 gid=0 (SO_PEERCRED)
  client (uid 0): connected; the server answered: hello, uid 0
  exit status 0: served
The kernel let each client in; the server chose whom to serve, on the kernel's word.

So: for anything privileged, listen on a pathname socket in a private folder (700, or 750 and a
group of your choice): the kernel keeps strangers out before your server runs a line. An abstract
name has no owner and no permission bits: anyone in its network namespace may connect, or take the
name first. Where you must use one, check SO_PEERCRED on every connection, and mind what a uid
proves: containerd-shim let in uid 0 only, and root in a container is uid 0 too (CVE-2020-15257).

=== Part 2. Where a name is visible: another network namespace tries
A new network namespace (the file system stays shared) for the clients marked so: unshare --net
== Step 4. An abstract socket, from another network namespace: neither listed nor reachable
Server (uid 0) listening on @NAME
\$ grep ' @NAME\$' /proc/net/unix
  ROW: LISTENING STREAM @NAME
  exit status 0: listed
\$ unshare --net grep ' @NAME\$' /proc/net/unix
  exit status 1: not listed
\$ unshare --net java ... WhoMayConnect --client=@NAME
  client (uid 0): connect(): Connection refused
  exit status 111: ECONNREFUSED, no one listens there
The new namespace has a table of its own, without the name: connect() finds no one (ECONNREFUSED).

== Step 5. A pathname socket, from another network namespace: not listed there, yet reachable
Server (uid 0) listening on FOLDER/socket
\$ grep ' FOLDER/socket\$' /proc/net/unix
  ROW: LISTENING STREAM FOLDER/socket
  exit status 0: listed
\$ unshare --net grep ' FOLDER/socket\$' /proc/net/unix
  exit status 1: not listed
\$ unshare --net java ... WhoMayConnect --client=FOLDER/socket
Server: serves pid=PID uid=0 gid=0 (SO_PEERCRED)
  client (uid 0): connected; the server answered: hello, uid 0
  exit status 0: served
The server is in this namespace's table only; connect() found it through its file.

So: abstract names belong to a network namespace, socket files to the file system. A container with
a network namespace of its own (Docker's default) neither sees nor reaches the host's abstract names;
one run with --net=host shares the host's namespace and every abstract name in it: so containers
reached containerd-shim's API (CVE-2020-15257; it listens on a path since). A socket file reaches
into a container only where its folder is mounted in, and there its permissions still decide.

Every claim held, and nothing is left behind.
EOF
)"
  assert_nothing_left
}

@test "as nobody: what needs another user is said, not shown; a user namespace brings the new network namespace, and there the kernel answers as for root" {
  lesson_for_nobody
  traced "${as_nobody[@]}" "${lesson[@]}"
  assert_success
  assert_stderr ""
  assert_clients_with_user_namespace
  assert_no_other_user
  assert_line "A new network namespace (the file system stays shared) for the clients marked so: unshare --user --net"
  # The client from the new user and network namespace, as the server's SO_PEERCRED saw it.
  assert_line "Server: serves pid=$(client_pid "client /tmp/.* exit=0\$") uid=$nobody gid=$(id -g nobody) (SO_PEERCRED)"
  assert_line --index $((${#lines[@]} - 1)) "Every claim shown held (3 parts could not be shown here: see above), and nothing is left behind."
  assert_nothing_left
}

@test "as nobody where no user namespace can be made: the lesson says why, shows what it can, and exits 0" {
  lesson_for_nobody
  # The fixture runs the lesson as nobody in a user namespace where user.max_user_namespaces is 0.
  traced python3 "$FIXTURES/no_user_namespaces.py" "${lesson[@]}"
  assert_success
  assert_stderr ""
  find_address
  assert_equal "$(clients)" "pid=PID grep ' @NAME\$': uid=same namespaces=none exit=0
pid=PID client @NAME: uid=same namespaces=none connect=0 exit=0
pid=PID grep ' @NAME\$': uid=same namespaces=none exit=0
pid=PID grep ' PATH\$': uid=same namespaces=none exit=0"
  assert_no_other_user
  assert_line "\`unshare --user --net true\` fails here: unshare: unshare failed: No space left on device"
  assert_line "(A network namespace alone needs root with CAP_SYS_ADMIN; any other user needs a user namespace with it.)"
  assert_line "The parts that need one are not shown."
  assert_line "Not shown here: the name from another namespace: grep would exit 1 (not listed), the client 111 (ECONNREFUSED)."
  assert_line "Not shown here: the path from another namespace: grep would exit 1 (not listed), the client be served."
  assert_line --index $((${#lines[@]} - 1)) "Every claim shown held (5 parts could not be shown here: see above), and nothing is left behind."
  assert_nothing_left
}

@test "as root without CAP_SETUID and CAP_SYS_ADMIN, as in a container: nobody's parts are not shown, and a user namespace brings the network namespace" {
  traced setpriv --bounding-set=-setuid,-setgid,-sys_admin "$KIT/jbang" "$KIT/scripts/who-may-connect.java"
  assert_success
  assert_stderr ""
  assert_clients_with_user_namespace
  assert_line --regexp "^\`setpriv --reuid=nobody --regid=nogroup --clear-groups /.*/java -XX:-UsePerfData -version\` fails here: setpriv: setresuid failed: Operation not permitted\$"
  assert_line "The parts that need another user are not shown."
  assert_line "\`unshare --net true\` fails here: unshare: unshare failed: Operation not permitted"
  assert_line "A new network namespace (the file system stays shared) for the clients marked so: unshare --user --net"
  assert_line --index $((${#lines[@]} - 1)) "Every claim shown held (3 parts could not be shown here: see above), and nothing is left behind."
  assert_nothing_left
}

# fake_tool NAME: a NAME first on PATH that skips its options and runs the command as it is: no other
# user, no new namespace. The kernel then answers differently, and the lesson must say so.
fake_tool() {
  mkdir -p "$BATS_TEST_TMPDIR/fake"
  cat >"$BATS_TEST_TMPDIR/fake/$1" <<'SCRIPT'
#!/bin/sh
while [ "${1#--}" != "$1" ]; do shift; done
exec "$@"
SCRIPT
  chmod +x "$BATS_TEST_TMPDIR/fake/$1"
}

@test "the verdict is the kernel's: a setpriv that leaves the client root lets it through the folder, and the lesson exits 1" {
  fake_tool setpriv
  PATH=$BATS_TEST_TMPDIR/fake:$PATH traced "$KIT/jbang" "$KIT/scripts/who-may-connect.java"
  assert_failure 1
  assert_stderr "who-may-connect: the claim did not hold: the other user's connect() fails with EACCES (exit status 13, not 0)"
  run cat "$BATS_TEST_TMPDIR/clients"
  assert_output --regexp "^pid=[0-9]+ client /tmp/uds-who-[0-9]+/socket: uid=same namespaces=none connect=0 exit=0\$"
  assert_nothing_left
}

@test "the verdict is the kernel's: an unshare that makes no namespace lists the name, and the lesson exits 1" {
  fake_tool unshare
  PATH=$BATS_TEST_TMPDIR/fake:$PATH traced "$KIT/jbang" "$KIT/scripts/who-may-connect.java"
  assert_failure 1
  assert_stderr --regexp "^who-may-connect: the claim did not hold: /proc/net/unix does not list @uds-who-[0-9]+ in the new namespace \(grep's exit status 1, not 0\)\$"
  run tail -n 1 "$BATS_TEST_TMPDIR/clients"
  assert_output --regexp "^pid=[0-9]+ grep ' @uds-who-[0-9]+\\\$': uid=same namespaces=none exit=0\$"
  assert_nothing_left
}

@test "Ctrl-C half-way: the running client ends with the lesson, and nothing is left behind" {
  start_script_server lesson who-may-connect
  lesson_pid=${SERVER_PID[lesson]}
  wait_until "a client of the lesson runs" pgrep -P "$lesson_pid" -f -- '--client'
  client=$(pgrep -P "$lesson_pid" -f -- '--client' || true)
  kill -INT "$lesson_pid" # the lesson alone: a terminal's Ctrl-C would stop its client too
  wait_server lesson
  [ "$SERVER_STATUS" -eq 130 ]
  if [ -n "$client" ]; then
    run kill -0 "$client"
    assert_failure
  fi
  assert_equal "$(leftovers)" "$before"
}

@test "--client is the lesson's own client: its exit status is what connect() returned; bad input: one line, exit 2" {
  run_script who-may-connect --client "@$(unique nobody-here)"
  assert_failure 111
  assert_output "client (uid 0): connect(): Connection refused"
  assert_stderr ""

  run_script who-may-connect --client "$BATS_TEST_TMPDIR/no-such.sock"
  assert_failure 1
  assert_output "client (uid 0): connect(): No such file or directory"

  for address in "" "@" "@$(printf 'n%.0s' $(seq 108))" "$BATS_TEST_TMPDIR/$(printf 'p%.0s' $(seq 108))"; do
    run_script who-may-connect --client "$address"
    assert_failure 2
    assert_output ""
    assert_stderr "who-may-connect: --client must be @NAME or a path, in 1 to 107 bytes"
  done
  run_script who-may-connect extra
  assert_failure 2
  assert_stderr --regexp "^who-may-connect: Unmatched argument"
}

@test "uds who-may-connect is the same lesson: its clients, uds's own classes, do what the lesson's do, in German too" {
  use_translated_locale
  run_script uds --help
  assert_line --regexp "^  who-may-connect +Shows with real processes who may connect"
  traced "$KIT/jbang" "$KIT/scripts/uds.java" who-may-connect
  assert_success
  assert_stderr ""
  assert_clients_as_root
  assert_line --index $((${#lines[@]} - 1)) "Every claim held, and nothing is left behind."
  assert_nothing_left
}

# bats test_tags=jdk-neutral
@test "copied alone, it runs with stock JBang, as root, and every claim holds" {
  use_stock_jbang
  cd "$(copy_alone who-may-connect)"
  run --separate-stderr jbang who-may-connect.java
  assert_success
  assert_stderr ""
  assert_line --index $((${#lines[@]} - 1)) "Every claim held, and nothing is left behind."
  assert_equal "$(leftovers)" "$before"
}
