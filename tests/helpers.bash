bats_require_minimum_version 1.5.0

# Shared by every suite: where the kit is, how to run its scripts, and how to start, wait for and
# stop servers as real processes. Servers run in their own session (setsid), so stopping one stops
# everything it started; their output goes to a log that is shown when a test fails.

KIT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
FIXTURES=$BATS_TEST_DIRNAME/fixtures
# bats-support, then bats-assert: their files sourced directly, as their load.bash files do, but
# without a `dirname` process for each file (every test loads them: 0.2 s a test on this machine).
for library in "$BATS_TEST_DIRNAME"/node_modules/bats-support/src/*.bash "$BATS_TEST_DIRNAME"/node_modules/bats-assert/src/*.bash; do
  # shellcheck source=/dev/null # two libraries of bats-core, pinned in package.json
  source "$library"
done
unset library

# How long a server may take to get ready: the first run of a script compiles it.
READY_TIMEOUT=${READY_TIMEOUT:-60}

# The lessons: every script but the kit's tools (uds and bench, which share lib/). uds, a JDK 17
# program, holds every lesson as a subcommand, but those that need the FFM API (`//JAVA 22+`), which
# are in FFM_LESSONS and run on a JDK 22+ (ffm_java_home).
# Every test loads this file: the //JAVA line (a lesson's second) is read by bash itself, not grep
# (a process per lesson and test, 30 ms a test).
LESSONS=()
FFM_LESSONS=()
for lesson in "$KIT"/scripts/*.java; do
  case ${lesson##*/} in
    uds.java | bench.java) continue ;;
  esac
  java_line=
  while IFS= read -r java_line && [[ $java_line != //JAVA\ * ]]; do :; done <"$lesson"
  if [ "$java_line" = '//JAVA 22+' ]; then FFM_LESSONS+=("$lesson"); else LESSONS+=("$lesson"); fi
done
unset lesson java_line
# shellcheck source=tests/ffm-jdk.bash
source "$BATS_TEST_DIRNAME/ffm-jdk.bash"

# The Maven repository ./jbang fetched JBang into, also for tests that give JBang an empty HOME.
MAVEN_REPO=${JBANG_REPO:-$HOME/.m2/repository}

# use_stock_jbang [--new-cache]: from here on, `jbang` is the pinned JBang as it comes
# (tests/stock-jbang), with a HOME and JBANG_DIR of this test's own, as a new user has them. JBang
# takes its home from Java's user.home, not $HOME: its JVM gets the test's (in JBANG_JAVA_OPTIONS,
# which JBang's own launcher passes on too), and the run's archive of JBang's classes (setup_suite).
# Its cache is the run's, which holds the jars ./jbang built; --new-cache gives the test an empty
# one, where JBang resolves and compiles as on a first run. Maven's repository is shared.
use_stock_jbang() {
  mkdir -p "$BATS_TEST_TMPDIR/stock-bin" "$BATS_TEST_TMPDIR/home"
  ln -sf "$KIT/tests/stock-jbang" "$BATS_TEST_TMPDIR/stock-bin/jbang"
  export PATH=$BATS_TEST_TMPDIR/stock-bin:$PATH HOME=$BATS_TEST_TMPDIR/home JBANG_REPO=$MAVEN_REPO
  export JBANG_DIR=$BATS_TEST_TMPDIR/jbang-dir JBANG_CACHE_DIR=$STOCK_JBANG_CACHE JBANG_NO_VERSION_CHECK=true
  [ "${1:-}" != --new-cache ] || JBANG_CACHE_DIR=$BATS_TEST_TMPDIR/jbang-cache
  export JBANG_JAVA_OPTIONS="-Duser.home=$HOME $STOCK_JBANG_JVM_OPTIONS"
}

# copy_alone LESSON: copies scripts/LESSON.java alone into an empty folder, prints the folder.
copy_alone() {
  local folder
  folder=$(mktemp -d "$BATS_TEST_TMPDIR/alone.XXXXXX")
  cp "$KIT/scripts/$1.java" "$folder/"
  echo "$folder"
}

# Runs a kit script the way a reader does: ./jbang scripts/NAME.java ARGS.
run_script() {
  local name=$1
  shift
  run --separate-stderr "$KIT/jbang" "$KIT/scripts/$name.java" "$@"
}

# copy_kit FOLDER: the kit's tracked files as they are in the working tree (a symlink stays one), in
# FOLDER: the kit as a new clone of it has it, without what tests/run installs.
copy_kit() {
  (cd "$KIT" && git ls-files -z | xargs -0 cp -P --parents -t "$1")
}

# use_translated_locale: from here on the test's programs run in German (LC_ALL=de_DE.UTF-8), where
# strerror's words differ from English ("Verbindungsaufbau abgelehnt"): what a script decides must
# not hang on them. Where glibc has no German messages (tests/run adds them as root), the test runs
# as it would in C, and says so.
use_translated_locale() {
  # strerror(ECONNREFUSED) after setlocale(LC_ALL, ""), as a JVM calls it (python3's os.strerror does not)
  if [ "$(LC_ALL=de_DE.UTF-8 python3 -c 'import ctypes; libc = ctypes.CDLL(None); libc.setlocale(6, b""); libc.strerror.restype = ctypes.c_char_p; print(libc.strerror(111).decode())')" = "Connection refused" ]; then
    echo "# no translated locale here (de_DE.UTF-8 with libc-l10n): this test ran in C" >&3
    return 0
  fi
  export LC_ALL=de_DE.UTF-8
}

# A name or file name no other test, run or user has: abstract names are global to the machine.
unique() {
  echo "uds-kit-test-$$-${BATS_SUITE_TEST_NUMBER}-$1"
}

# A socket path unique to this test (short enough for sun_path).
socket_path() {
  echo "$BATS_TEST_TMPDIR/$1"
}

# Where servers write their logs: the test's folder, or in setup_file (servers a file's tests share,
# stopped by teardown_file with stop_servers) the file's.
server_logs() {
  echo "${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}"
}

# start_server LABEL COMMAND...: starts COMMAND in the background in its own session; its pid is
# then in ${SERVER_PID[LABEL]} and its output in $BATS_TEST_TMPDIR/LABEL.log.
declare -gA SERVER_PID=()
start_server() {
  local label=$1 log
  shift
  # The log is emptied here, not only by the background job's redirection, which may come after the
  # caller's first look: a server started again under the same label must not be taken for ready
  # by the line its predecessor printed.
  log=$(server_logs)/$label.log
  : >"$log"
  # env --default-signal: a background job of a script starts with SIGINT ignored; a terminal's does not.
  setsid env --default-signal=INT "$@" >"$log" 2>&1 </dev/null 3>&- 4>&- &
  SERVER_PID[$label]=$!
}

# start_script_server LABEL SCRIPT ARGS...: a kit script as a server.
start_script_server() {
  local label=$1 name=$2
  shift 2
  start_server "$label" "$KIT/jbang" "$KIT/scripts/$name.java" "$@"
}

# classpath_of SCRIPT: the class path ./jbang runs scripts/SCRIPT.java with, as JBang's `info
# classpath` says it (a JVM of a second): asked once a run and JDK, then kept in the run's folder.
classpath_of() {
  local kept=$BATS_RUN_TMPDIR/classpath.$1.${JAVA_HOME##*/}
  # Written aside, then renamed: a test running beside this one never reads half of it. (The name is
  # made before the redirection: there, $BASHPID would be the forked command's.)
  local writing=$kept.$BASHPID
  if [ ! -s "$kept" ]; then
    "$KIT/jbang" info classpath "$KIT/scripts/$1.java" >"$writing" && mv "$writing" "$kept"
  fi
  cat "$kept"
}

# java_options SCRIPT: what follows `java` to run SCRIPT's built classes directly, so that a test can
# give the JVM options of its own first (java -Xmx32m $(java_options pathname-server) ARGS).
java_options() {
  local main
  main=$(sed -n 's/^class \([A-Za-z]*\) .*/\1/p' "$KIT/scripts/$1.java" | head -n 1)
  echo "--enable-native-access=ALL-UNNAMED -cp $(classpath_of "$1") $main"
}

server_log() {
  cat "$(server_logs)/$1.log"
}

# wait_for_output LABEL REGEX: waits until the server's log has a line matching REGEX (its
# readiness line), failing at once if the server exits first, or after READY_TIMEOUT seconds.
wait_for_output() {
  local label=$1 regex=$2 log pid=${SERVER_PID[$1]}
  log=$(server_logs)/$1.log
  local deadline=$((SECONDS + READY_TIMEOUT))
  until grep -qaE -- "$regex" "$log"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      grep -qaE -- "$regex" "$log" && return 0
      echo "server '$label' exited before printing /$regex/; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "server '$label' did not print /$regex/ within ${READY_TIMEOUT}s; its log:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.05
  done
}

# wait_server LABEL: waits for the server to exit; its exit code is then in $SERVER_STATUS.
# shellcheck disable=SC2034 # SERVER_STATUS is read by the tests
wait_server() {
  SERVER_STATUS=0
  { wait "${SERVER_PID[$1]}"; } 2>/dev/null || SERVER_STATUS=$? # no "Killed" notice in the log
  unset "SERVER_PID[$1]"
}

# stop_server LABEL [SIGNAL]: signals the server's whole session and waits for it.
stop_server() {
  kill -"${2:-TERM}" -- "-${SERVER_PID[$1]}" 2>/dev/null || true
  wait_server "$1"
}

# Every test's teardown: stops what the test left running, removes what it made outside its
# own folder (CLEANUP), and shows the servers' logs on failure.
CLEANUP=()
teardown() {
  [ ${#CLEANUP[@]} -eq 0 ] || rm -rf -- "${CLEANUP[@]}"
  rm -rf -- "$CLASSPATH_PREFIX"*
  stop_servers
  if [ -z "${BATS_TEST_COMPLETED:-}" ]; then
    for log in "$BATS_TEST_TMPDIR"/*.log; do
      [ -f "$log" ] && { echo "--- ${log##*/} (lines cut at 300 characters)"; cut -c 1-300 "$log"; }
    done
  fi
  return 0
}

# stop_servers: stops every server started here (and so, from teardown_file, those setup_file started).
stop_servers() {
  local label
  for label in "${!SERVER_PID[@]}"; do
    stop_server "$label" KILL
  done
}

# wait_until DESCRIPTION COMMAND...: polls COMMAND until it succeeds, for READY_TIMEOUT seconds.
wait_until() {
  local description=$1 deadline=$((SECONDS + READY_TIMEOUT))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "waited ${READY_TIMEOUT}s in vain for: $description"
    sleep 0.05
  done
}

# option_help OPTION: OPTION's first sentence in the --help held in $output, as one line (picocli
# wraps it over several), starting with OPTION as the help writes it: how a test reads a default.
option_help() {
  local joined rest
  joined=$(tr '\n' ' ' <<<"$output" | tr -s ' ')
  rest=${joined#*"$1 "}
  [ "$rest" != "$joined" ] || { echo "no option $1 in the help" >&2; return 1; }
  echo "$1 ${rest%%.*}."
}

# assert_took_less LIMIT START WHAT: less than LIMIT seconds went by since START (a $SECONDS taken
# before WHAT began), or the test fails saying how long WHAT took. For a limit set by a knob: the
# message that quotes the knob would still pass if the code waited out the default instead.
assert_took_less() {
  local took=$((SECONDS - $2))
  [ "$took" -lt "$1" ] || fail "$3 took $took s, not less than $1"
}

# The run's JDK: JAVA_HOME's java (CI's second run), else the one on PATH, as ./jbang takes it.
RUN_JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java

# The java command for a script's JVM run as another user (nobody), from readable_classpath's copy:
# the run's JDK, the scripts' own option, and -XX:-UsePerfData (a JVM of nobody's makes
# /tmp/hsperfdata_nobody, which would stay behind after the run).
JAVA_FOR_NOBODY=("$RUN_JAVA" --enable-native-access=ALL-UNNAMED -XX:-UsePerfData)

# readable_classpath SCRIPT: copies the built script and its dependencies into a folder that any
# user may read (JBang's cache is root's), and prints a classpath for `java -cp`.
# Called in $(...), it cannot add to CLEANUP: its folders carry the test's own prefix instead.
CLASSPATH_PREFIX=/tmp/uds-kit-classpath-${BATS_RUN_TMPDIR##*-}-${BATS_SUITE_TEST_NUMBER:-0}-
readable_classpath() {
  local folder parts
  folder=$(mktemp -d "${CLASSPATH_PREFIX}XXXXXX")
  IFS=: read -ra parts <<<"$(classpath_of "$1")"
  cp -- "${parts[@]}" "$folder/"
  chmod -R a+rX "$folder"
  echo "$folder/*"
}

# assert_post_pathname_demo SERVER: the post's first demo against the pathname server script SERVER.
# The kit's client sends the post's message; the server prints the post's lines, serves that one
# client, exits 0 and removes its socket file; nothing is printed on stderr (no warning, on any JDK).
assert_post_pathname_demo() {
  local path
  path=$(socket_path s.sock)
  start_script_server server "$1" --path "$path"
  wait_for_output server "^Server listening on $path\$"

  run_script pathname-client --path "$path"
  assert_success
  assert_output "Connected to server at $path"
  assert_stderr ""

  wait_server server
  [ "$SERVER_STATUS" -eq 0 ]
  run server_log server
  assert_output "Server listening on $path
Accepted connection from client
Received data from client: Hello, server! This is the client."
  assert [ ! -e "$path" ]
}

# The inode of the listening socket at ADDRESS (a path or @name), as `ss -x -l` shows it: a server's
# accepted connections carry its address too.
listener_inode() {
  ss -x -l -n | awk -v address="$1" '$5 == address { print $6; exit }'
}

# The inode of the socket bound to ADDRESS (a path or @name) as `ss -x -a` shows it.
ss_inode() {
  ss -x -a -n | awk -v address="$1" '$5 == address { print $6; exit }'
}

# assert_witnessed_listener ADDRESS PID BACKLOG: the post's two checks, and the kernel's table. ss
# lists a stream listener at ADDRESS (a path or @name) with BACKLOG; PID's /proc/PID/fd links to the
# inode ss shows; /proc/net/unix has it as listening (flags 00010000) and stream (type 0001).
assert_witnessed_listener() {
  local address=$1 pid=$2 backlog=$3 inode fd
  run ss -l -x -A unix_stream
  assert_line --regexp "^LISTEN +0 +$backlog +$address [0-9]+ "
  inode=$(ss_inode "$address")
  [ -n "$inode" ]
  run ls -l "/proc/$pid/fd"
  assert_output --regexp " [0-9]+ -> socket:\[$inode\]"
  # Not fd 3 as in the post: the JVM opened its own files first.
  # shellcheck disable=SC2154 # bats' run sets output
  fd=$(sed -n "s/.* \([0-9]*\) -> socket:\[$inode\]\$/\1/p" <<<"$output")
  [ "$fd" -gt 3 ]
  run proc_net_unix_row "$address"
  assert_output --regexp "^[0-9a-f]+: [0-9A-F]{8} 00000000 00010000 0001 01 +$inode $address\$"
}

# The row of /proc/net/unix for ADDRESS (a path or @name), or nothing.
proc_net_unix_row() {
  awk -v address="$1" 'NR > 1 && $8 == address' /proc/net/unix
}

# The post's Python scripts, copied from tests/fixtures with this test's address in place of the
# post's, so a test never touches the address a reader may be using.
python_fixture() {
  local script=$1 from=$2 to=$3
  sed "s|$from|$to|" "$FIXTURES/$script" >"$BATS_TEST_TMPDIR/$script"
  echo "$BATS_TEST_TMPDIR/$script"
}

# start_listener LABEL ADDRESS [TYPE]: a plain python3 listener on ADDRESS (a path, or @name for
# an abstract one) that accepts nobody: a live address that no kit script owns. TYPE is
# SOCK_STREAM (the default) or SOCK_SEQPACKET.
start_listener() {
  start_server "$1" python3 -c '
import signal, socket, sys
address, kind = sys.argv[1], getattr(socket, sys.argv[2])
listener = socket.socket(socket.AF_UNIX, kind)
listener.bind("\0" + address[1:] if address.startswith("@") else address)
listener.listen()
print("listening", flush=True)
signal.pause()' "$2" "${3:-SOCK_STREAM}"
  wait_for_output "$1" "^listening\$"
}

# register_bad_input_cases: the table-driven bad-input check. Reads a table on stdin, one case a line,
#   SCRIPT|ARGUMENTS|STATUS|EXPECTED
# and makes each case a test: ARGUMENTS are shell words, evaluated in the test (so a case may name
# variables the suite's setup sets); the script must exit STATUS, print nothing on stdout and one
# line on stderr matching "SCRIPT: EXPECTED"; and the suite's own `snapshot` must still print what
# setup saved in $before: nothing around the case was removed, changed or taken over.
register_bad_input_cases() {
  local script arguments status expected
  while IFS='|' read -r script arguments status expected; do
    [ -n "$script" ] || continue
    bats_test_function --description "$script ${arguments//\$/\\\$} -> exit $status" \
      -- bad_input "$script" "$arguments" "$status" "$expected"
  done
}

bad_input() {
  local script=$1 arguments=$2 status=$3 expected=$4 # not "stderr": run sets that
  eval "set -- $arguments"
  # A case must end by itself: one that serves instead (it took the address) fails after 30 s, with
  # timeout's status 124, rather than at the run's limit for a test.
  run --separate-stderr timeout 30 "$KIT/jbang" "$KIT/scripts/$script.java" "$@"
  assert_failure "$status"
  assert_output ""
  # shellcheck disable=SC2154 # run --separate-stderr sets stderr_lines
  assert_equal "${#stderr_lines[@]}" 1
  assert_stderr --regexp "^$script: $expected"
  # shellcheck disable=SC2154 # the suite's setup sets before
  assert_equal "$(snapshot)" "$before"
}

# make_stale_socket PATH: a socket file whose socket is gone, as a killed server leaves it.
make_stale_socket() {
  python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$1"
}

# assert_gigabyte_counted LABEL PATH BYTE ESCAPE: sends 1 GiB of BYTE (a Python bytes literal) to the
# server LABEL listening at PATH, in one message, and checks that the server ended well and printed it
# as the kit's servers print a message larger than what they keep: its first 64 KiB (each byte shown
# as ESCAPE), "...", and the count of all its bytes.
assert_gigabyte_counted() {
  local label=$1 path=$2 byte=$3 escape=$4 line shown expected
  python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
chunk = eval(sys.argv[2]) * (1 << 20)
for _ in range(1024):
    s.sendall(chunk)' "$path" "$byte"
  wait_server "$label"
  [ "$SERVER_STATUS" -eq 0 ]
  line=$(sed -n 3p "$BATS_TEST_TMPDIR/$label.log")
  # The first 64 KiB, each byte as escaped: 65536 spaces, each replaced (a loop of 65536 commands takes
  # 16 s under bats, which traps every command).
  printf -v shown '%65536s' ''
  shown=${shown// /"$escape"}
  expected="$(sed -n 's/^\(Received data[^:]*: \).*/\1/p' "$BATS_TEST_TMPDIR/$label.log")$shown... (1073741824 bytes)"
  [ "$line" = "$expected" ] || fail "line 3 is ${#line} characters: ${line:0:60}...${line: -40}"
  [ "$(wc -l <"$BATS_TEST_TMPDIR/$label.log")" -eq 3 ]
}

# assert_replaced_file_kept LABEL PATH: the server LABEL listens at PATH; its socket file is replaced
# by a regular file, and the server, stopped, must leave that file as it is.
assert_replaced_file_kept() {
  rm "$2"
  echo "someone else's" >"$2"
  stop_server "$1" TERM
  run cat "$2"
  assert_output "someone else's"
}

# assert_reads_back LOG PREFIX BYTES: the first line of LOG that starts with PREFIX, read back with
# tests/fixtures/unescape.py, is exactly BYTES (a Python bytes literal): same SHA-256, same length.
assert_reads_back() {
  run python3 "$FIXTURES/unescape.py" "$1" "$2"
  assert_output "$(python3 -c 'import hashlib, sys; data = eval(sys.argv[1]); print(hashlib.sha256(data).hexdigest(), len(data))' "$3")"
}
