#!/usr/bin/env bats
# A database over its unix socket: the postgres-over-unix lesson (pgjdbc with junixsocket's socket
# factory) against a real PostgreSQL (Debian's package, which tests/run installs). The file starts ONE
# private cluster: initdb as an unprivileged user (nobody, when the tests run as root), data and
# socket in a folder of its own, no TCP (listen_addresses=''), pg_hba.conf `local all all peer` only;
# stopped and removed at the end. No system cluster is touched. psql is the yardstick.

load helpers

# as_owner COMMAND...: COMMAND as the cluster's owner (root may not run PostgreSQL's server).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

setup_file() {
  local initdb
  initdb=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1)
  export PG_BIN=${initdb%/initdb} OWNER=nobody ME
  ME=$(id -un)
  [ "$(id -u)" -eq 0 ] || OWNER=$ME
  # Outside the run's folder: root's 0700 temporary folder is closed to the cluster's owner.
  export PG_FOLDER
  PG_FOLDER=$(mktemp -d /tmp/uds-kit-pg.XXXXXX)
  chown "$OWNER" "$PG_FOLDER"
  export PG_SOCKET=$PG_FOLDER/.s.PGSQL.5432
  as_owner "$PG_BIN/initdb" -D "$PG_FOLDER/data" -U "$OWNER" -A peer -E UTF8 --locale=C --no-sync >/dev/null
  echo "local all all peer" >"$PG_FOLDER/pg_hba.conf" # peer only: nothing but the kernel's word on who connects
  cp "$PG_FOLDER/pg_hba.conf" "$PG_FOLDER/data/pg_hba.conf"
  # A cheap start: no fsync, small buffers; a socket only, in the folder.
  as_owner "$PG_BIN/pg_ctl" -D "$PG_FOLDER/data" -l "$PG_FOLDER/server.log" -w -s start \
    -o "-c listen_addresses='' -c unix_socket_directories=$PG_FOLDER -c fsync=off -c shared_buffers=8MB -c max_connections=10" 3>&- 4>&-
  # A role for the tests' own OS user (the owner's exists), and one that no OS user here is called.
  [ "$ME" = "$OWNER" ] || as_owner psql -h "$PG_FOLDER" -U "$OWNER" -d postgres -qc "CREATE ROLE \"$ME\" LOGIN"
  as_owner psql -h "$PG_FOLDER" -U "$OWNER" -d postgres -qc "CREATE ROLE uds_kit_other LOGIN"
}

teardown_file() {
  as_owner "$PG_BIN/pg_ctl" -D "$PG_FOLDER/data" -m immediate -w -s stop || true
  rm -rf -- "$PG_FOLDER"
}

# psql_rows QUERY: the rows psql gives for QUERY, as ROLE ME over the socket: fields joined by |, NULL spelled out.
psql_rows() {
  psql -h "$PG_FOLDER" -d postgres -AtF '|' -P null=NULL -c "$1"
}

# table_rows: the lesson's table (on stdin) as psql_rows prints its rows: the header, rule and count dropped.
table_rows() {
  sed '1,2d;$d' | sed 's/ *| /|/g'
}

# The socket file as the file system has it: inode, type and mode, owner and group.
socket_state() {
  stat -c '%i %F %a %U %G' "$PG_SOCKET"
}

@test "alone, with stock JBang: the same rows as psql, the default query and another; inet_client_addr() is NULL on a unix socket" {
  use_stock_jbang
  cd "$(copy_alone postgres-over-unix)"
  run --separate-stderr jbang postgres-over-unix.java --socket "$PG_FOLDER"
  assert_success
  assert_stderr ""
  assert_line --index 0 --regexp '^current_user +\| version +\| inet_client_addr$'
  assert_line --index 1 --regexp '^-+\+-+\+-+$'
  assert_line --index 2 --regexp "^$ME +\| PostgreSQL [0-9.]+ .* \| NULL\$"
  assert_line --index 3 "(1 row)"
  assert_equal "$(table_rows <<<"$output")" "$(psql_rows 'SELECT current_user, version(), inet_client_addr()')"

  query="SELECT datname, datallowconn, NULL AS nothing FROM pg_database ORDER BY datname"
  run --separate-stderr jbang postgres-over-unix.java --socket "$PG_SOCKET" --user "$ME" --database template1 "$query"
  assert_success
  assert_line --index 0 --regexp '^datname +\| datallowconn \| nothing$'
  assert_line --index 5 "(3 rows)"
  assert_equal "$(table_rows <<<"$output")" "$(psql_rows "$query")"
}

@test "peer authentication: a role that is not the OS user's is refused, with who the server saw and how to map it" {
  run_script postgres-over-unix --socket "$PG_FOLDER" --user uds_kit_other "SELECT 1"
  assert_failure 1
  assert_output ""
  assert_stderr "postgres-over-unix: the server refused role uds_kit_other to OS user $ME (Peer authentication failed for user \"uds_kit_other\"): peer authentication lets an OS user in as the role of its own name only: create role $ME (createuser $ME), or map $ME to uds_kit_other in pg_ident.conf and add map=NAME to pg_hba.conf's local line"
  run as_owner cat "$PG_FOLDER/server.log"
  assert_line --partial "Peer authentication failed for user \"uds_kit_other\""
}

@test "no server, a stale socket file, not a socket, a SQL error: one line on stderr, exit 1 (decided by type and SQLState, also in German)" {
  use_translated_locale
  run_script postgres-over-unix --socket "$BATS_TEST_TMPDIR" --port 5999
  assert_failure 1
  assert_output ""
  assert_stderr "postgres-over-unix: no server: $BATS_TEST_TMPDIR/.s.PGSQL.5999 does not exist (is PostgreSQL running, with this folder in unix_socket_directories?)"

  make_stale_socket "$BATS_TEST_TMPDIR/.s.PGSQL.5432"
  run_script postgres-over-unix --socket "$BATS_TEST_TMPDIR"
  assert_failure 1
  assert_output ""
  assert_stderr "postgres-over-unix: no server: nothing listens on $BATS_TEST_TMPDIR/.s.PGSQL.5432 (connection refused: a stale socket file, its server is gone)"

  echo "not a socket" >"$BATS_TEST_TMPDIR/file"
  run_script postgres-over-unix --socket "$BATS_TEST_TMPDIR/file"
  assert_failure 1
  assert_stderr "postgres-over-unix: $BATS_TEST_TMPDIR/file is not a socket file"

  run_script postgres-over-unix --socket "$PG_SOCKET" "SELECT nothing FROM pg_database"
  assert_failure 1
  assert_output ""
  assert_stderr 'postgres-over-unix: the server answered 42703: column "nothing" does not exist'
  # The server's message is text from others: it cannot move the cursor.
  run_script postgres-over-unix --socket "$PG_SOCKET" "SELECT E'\\033[2J'::int"
  assert_failure 1
  assert_stderr 'postgres-over-unix: the server answered 22P02: invalid input syntax for type integer: "\x1b[2J"'
}

@test "--repeat N: the rows once, then N more round trips on the connection, timed; --host over TCP where nothing listens; a bad --repeat" {
  run_script postgres-over-unix --socket "$PG_FOLDER" --repeat 3 "SELECT 1"
  assert_success
  assert_line --index 0 "?column?"
  assert_line --index 1 "--------"
  assert_line --index 2 "1"
  assert_line --index 3 "(1 row)"
  assert_line --index 4 --regexp "^3 round trips over $PG_SOCKET: median [0-9]+\\.[0-9]{3} ms, 99th percentile [0-9]+\\.[0-9]{3} ms\$"
  assert_equal "${#lines[@]}" 5

  # A port nothing listens on (free a moment ago): connect() is refused.
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  run_script postgres-over-unix --host 127.0.0.1 --port "$port"
  assert_failure 1
  assert_output ""
  assert_stderr "postgres-over-unix: no server: nothing listens on 127.0.0.1:$port (connection refused)"

  run_script postgres-over-unix --socket "$PG_FOLDER" --repeat -1
  assert_failure 2
  assert_stderr "postgres-over-unix: --repeat must be 0 or more, not -1"
}

@test "tests/perf/postgres-roundtrips: its own cluster, the same query over the unix socket and over TCP loopback with a password, then nothing left" {
  before=$(compgen -G '/tmp/uds-kit-pg-bench.*' || true)
  run --separate-stderr "$KIT/tests/perf/postgres-roundtrips" --repeat 5 --rounds 1
  assert_success
  assert_stderr ""
  assert_line --index 0 --regexp '^round 1, unix: 5 round trips over /tmp/uds-kit-pg-bench\.[^/]+/\.s\.PGSQL\.[0-9]+: median [0-9.]+ ms, 99th percentile [0-9.]+ ms$'
  assert_line --index 1 --regexp '^round 1, tcp: 5 round trips over TCP 127\.0\.0\.1:[0-9]+: median [0-9.]+ ms, 99th percentile [0-9.]+ ms$'
  assert_line --index 2 --regexp '^query: SELECT 1; PostgreSQL [0-9.]+'
  assert_equal "$(compgen -G '/tmp/uds-kit-pg-bench.*' || true)" "$before"
}

@test "through the spy in the server's place: the same rows; the startup message, the query and the answer in its log; the socket file as it was after SIGTERM, and after SIGKILL with --restore" {
  before=$(socket_state)
  query="SELECT current_user, 'through the spy' AS note"
  run_script postgres-over-unix --socket "$PG_FOLDER" "$query"
  assert_success
  direct=$output

  start_script_server spy spy "$PG_SOCKET"
  wait_for_output spy '^Spy listening on '
  [ "$(socket_state)" != "$before" ] # the spy's socket at the clients' path, the server's moved aside
  run_script postgres-over-unix --socket "$PG_FOLDER" "$query"
  assert_success
  assert_output "$direct"
  wait_for_output spy '^#1 \+[0-9.]+ closed: '
  stop_server spy TERM
  run server_log spy
  assert_line "Put the server's socket file back at $PG_SOCKET"
  # The server is postgres, run by the cluster's owner; the startup message names the role and database;
  # the query goes as a Parse message; the row comes back in a DataRow.
  assert_line --regexp "^#1 \+[0-9.]+ open: client pid=[0-9]+ uid=$(id -u) gid=[0-9]+ command=java -> server pid=[0-9]+ uid=$(id -u "$OWNER") gid=[0-9]+ command=postgres\$"
  assert_line --regexp "^#1 \+[0-9.]+ > [0-9]+ bytes: .*user\\\\x00$ME\\\\x00database\\\\x00postgres\\\\x00"
  assert_line --regexp "^#1 \+[0-9.]+ > [0-9]+ bytes: P.*\\\\x00SELECT current_user, 'through the spy' AS note\\\\x00"
  assert_line --regexp "^#1 \+[0-9.]+ < [0-9]+ bytes: .*D.*$ME.*through the spy"
  assert_equal "$(socket_state)" "$before"

  # SIGKILL leaves the server's file aside, under the name the spy gave it; --restore puts it back.
  start_script_server spy2 spy "$PG_SOCKET"
  wait_for_output spy2 '^Spy listening on '
  stop_server spy2 KILL
  [ "$(stat -c %i "$PG_SOCKET.uds-spy-original")" = "${before%% *}" ]
  run_script spy --restore "$PG_SOCKET"
  assert_success
  assert_equal "$(socket_state)" "$before"
  [ ! -e "$PG_SOCKET.uds-spy-original" ]
  run psql_rows "$query"
  assert_output "$ME|through the spy"
}
