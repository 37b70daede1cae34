#!/usr/bin/env bats
# Bad input, one case a line: one clear line on stderr, the right exit code (2: usage, 1: failure),
# nothing on stdout, and nothing around it removed, changed or taken over.
#
# The cases share a folder $dir holding a regular file, a folder, symlinks, a stale socket and a
# live listener's socket (live.sock; @$held is a live abstract name), made once for the file: each
# case checks that it is still exactly as it was. $long is a 108-byte path, $long_name a 108-byte
# name, $free an abstract name nobody holds.

load helpers

# shellcheck disable=SC2034 # the cases use these variables, through eval
setup_file() {
  export dir=$BATS_FILE_TMPDIR/d
  mkdir "$dir" "$dir/folder"
  echo "keep me" >"$dir/file"
  ln -s file "$dir/link-to-file"
  ln -s live.sock "$dir/link-to-live"
  make_stale_socket "$dir/stale.sock"
  export held free long long_name
  held=$(unique held)
  free=$(unique free)
  start_listener live "$dir/live.sock"
  start_listener held "@$held"
  long=$dir/$(printf 'x%.0s' $(seq $((108 - ${#dir} - 1))))
  long_name=$(printf 'n%.0s' $(seq 108))
}

teardown_file() {
  stop_servers
}

setup() {
  before=$(snapshot)
}

# What must not change: every file's type, inode, size and content, and the two listeners' sockets.
snapshot() {
  find "$dir" -printf '%p %y %i %s\n' | sort
  cat "$dir/file"
  proc_net_unix_row "$dir/live.sock"
  proc_net_unix_row "@$held"
}

register_bad_input_cases <<'CASES'
pathname-server|--path ''|2|--path must name a file in 1 to 107 bytes$
pathname-server|--path "$long"|2|--path must name a file in 1 to 107 bytes$
pathname-server|--path /|2|--path must name a file in 1 to 107 bytes$
pathname-server|--path "$dir/file"|1|.*/d/file exists and is not a socket: left untouched$
pathname-server|--path "$dir/folder"|1|.*/d/folder exists and is not a socket: left untouched$
pathname-server|--path "$dir/link-to-file"|1|.*/d/link-to-file exists and is not a socket: left untouched$
pathname-server|--path "$dir/link-to-live"|1|.*/d/link-to-live exists and is not a socket: left untouched$
pathname-server|--path "$dir/live.sock"|1|.*/d/live.sock is a live socket: left untouched$
pathname-server|--path "$dir/file/x.sock"|1|.*/d/file: already exists$
pathname-server|--path|2|Missing required parameter for option '--path'
pathname-server|--bogus|2|Unknown option: '--bogus'
pathname-server|extra|2|Unmatched argument at index 0: 'extra'
pathname-client|--path ''|2|--path must name a file in 1 to 107 bytes$
pathname-client|--path "$long"|2|--path must name a file in 1 to 107 bytes$
pathname-client|--path "$dir/none.sock"|1|cannot connect to .*/d/none.sock: No such file or directory$
pathname-client|--path "$dir/stale.sock"|1|cannot connect to .*/d/stale.sock: Connection refused$
pathname-client|--path "$dir/file"|1|cannot connect to .*/d/file: Connection refused$
pathname-client|one two|2|Unmatched argument at index 1: 'two'
pathname-client|--path "$dir/missing/x.sock"|1|cannot connect to .*/d/missing/x.sock: No such file or directory$
abstract-server|--name ''|2|--name must be 1 to 107 bytes, --count 0 or more, and --idle 1 to 86400$
abstract-server|--name "$long_name"|2|--name must be 1 to 107 bytes, --count 0 or more, and --idle 1 to 86400$
abstract-server|--name "$held"|1|@uds-kit-test-.*-held is already in use$
abstract-server|--count -5|2|--name must be 1 to 107 bytes, --count 0 or more, and --idle 1 to 86400$
abstract-server|--count 99999999999999999999|2|Invalid value for option '--count': '99999999999999999999' is not a long$
abstract-server|--count many|2|Invalid value for option '--count': 'many' is not a long$
abstract-server|--idle 0|2|--name must be 1 to 107 bytes, --count 0 or more, and --idle 1 to 86400$
abstract-server|--idle 86401|2|--name must be 1 to 107 bytes, --count 0 or more, and --idle 1 to 86400$
abstract-client|--name ''|2|--name must be 1 to 107 bytes$
abstract-client|--name "$long_name"|2|--name must be 1 to 107 bytes$
abstract-client|--name "$free"|1|cannot connect to @uds-kit-test-.*-free: Connection refused$
abstract-client|--name|2|Missing required parameter for option '--name'
uds|bogus|2|Unmatched argument at index 0: 'bogus'
uds|server|2|ADDRESS is missing: @NAME or a path \(or start it under socket activation, which sets LISTEN_FDS\)
uds|server @|2|Invalid value for positional parameter at index 0 \(ADDRESS\): an abstract name must be 1 to 107 bytes \(sun_path holds 108, with the leading NUL\), not 0
uds|server "@$long_name"|2|Invalid value for positional parameter at index 0 \(ADDRESS\): an abstract name must be 1 to 107 bytes .*, not 108
uds|server "$long"|2|Invalid value for positional parameter at index 0 \(ADDRESS\): a socket path must be 1 to 107 bytes .*, not 108
uds|server /|2|Invalid value for positional parameter at index 0 \(ADDRESS\): a socket path must name a file, not /
uds|server '@a\q'|2|Invalid value for positional parameter at index 0 \(ADDRESS\): a backslash starts an escape: .*, not \\\\q
uds|server "@$held"|1|@uds-kit-test-.*-held is already in use$
uds|server "$dir/live.sock"|1|.*/d/live.sock is a live socket: left untouched$
uds|server "$dir/file"|1|.*/d/file exists and is not a socket: left untouched$
uds|server "@$free" --mode 600|2|--mode is for a socket file: an abstract name has no permissions
uds|server "$dir/new.sock" --mode 9|2|Invalid value for option '--mode': '9' is not a mode in octal, such as 600
uds|server "$dir/new.sock" --count -1|2|Invalid value for option '--count': must be 0 or more, not -1
uds|server "$dir/new.sock" --count 99999999999|2|Invalid value for option '--count': 99999999999 is too large \(at most 2147483647\)
uds|server "$dir/new.sock" --max-clients 0|2|Invalid value for option '--max-clients': must be 1 or more, not 0
uds|server "$dir/new.sock" --idle NaN|2|Invalid value for option '--idle': 'NaN' is not a whole number
uds|client "$dir/file"|1|cannot connect to .*/d/file: Connection refused$
uds|client "@$free"|1|cannot connect to @uds-kit-test-.*-free: Connection refused$
uds|tour --name ''|2|Invalid value for option '--name': an abstract name must be 1 to 107 bytes
CASES
