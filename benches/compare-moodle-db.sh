#!/usr/bin/env bash
# Moodle's database, live: export rate of `anonlog moodle export` side by
# side with `psql -c "\copy (SELECT ...) TO STDOUT CSV HEADER" | anonlog
# anonymize`, stats rows/s, and how long the chunked retention deletion
# holds its locks, on PostgreSQL and MariaDB with N generated rows.
#
# Steps:
#   1. build anonlog in release mode (or take the binary named by ANONLOG);
#   2. start PostgreSQL and MariaDB in a temporary directory (as `nobody`
#      when run as root), on a unix socket and a free port of 127.0.0.1, with
#      Moodle's logstore_standard_log (columns and indexes of Moodle's
#      install.xml) and ROWS generated rows spread over 60 days: 20 000
#      users, 400 courses, JSON `other` with a user name, IPv4 addresses;
#   3. time (best of RUNS) on each server, output to /dev/null:
#        anonlog moodle export                              (the database)
#        psql \copy ... CSV HEADER | anonlog anonymize      (PostgreSQL)
#        mariadb -e "SELECT ..." (tab-separated) | anonlog anonymize
#                                                           (MariaDB)
#        anonlog stats --moodle-config                      (rows/s)
#   4. run `anonlog rotate` with a moodle-db source (window 30d, chunk_rows
#      CHUNK): half the rows are older than the window. Every statement's
#      duration is logged by the server (PostgreSQL log_min_duration_statement
#      = 0, MariaDB's slow query log with long_query_time = 0); the longest
#      DELETE (a chunk's locks are held from its DELETE to its COMMIT, which
#      follows at once) and the whole run's time are printed.
#   5. stop the servers and remove the directory.
#
# Usage: benches/compare-moodle-db.sh                 (1 000 000 rows)
#        ROWS=10000000 RUNS=3 CHUNK=10000 benches/compare-moodle-db.sh
#        ANONLOG=path/to/anonlog benches/compare-moodle-db.sh
#        SERVERS=pg benches/compare-moodle-db.sh      (pg, maria or both)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

rows=${ROWS:-1000000}
runs=${RUNS:-1}
chunk=${CHUNK:-10000}
servers=${SERVERS:-pg maria}
target_dir=${CARGO_TARGET_DIR:-$root/target}

if [ -z "${ANONLOG:-}" ]; then
  cargo build --release --quiet
  ANONLOG=$target_dir/release/anonlog
fi
anonlog=$(cd "$(dirname "$ANONLOG")" && pwd)/$(basename "$ANONLOG")

work=$(mktemp -d /tmp/anonlog-dbbench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$work"
}
trap cleanup EXIT

as_db() {
  if [ "$(id -u)" = 0 ]; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env "$@"
  else
    "$@"
  fi
}
own() { if [ "$(id -u)" = 0 ]; then chown -R nobody:nogroup "$@"; fi; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

best() { # best wall time of RUNS runs of "$@" (stdout to /dev/null), seconds
  local best_t=""
  for _ in $(seq 1 "$runs"); do
    local t0 t1 t
    t0=$(date +%s.%N)
    "$@" >/dev/null
    t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc -l)
    if [ -z "$best_t" ] || [ "$(echo "$t < $best_t" | bc -l)" = 1 ]; then best_t=$t; fi
  done
  printf '%.2f' "$best_t"
}

rate() { printf '%.0f' "$(echo "$rows / $1" | bc -l)"; }

"$anonlog" key init "$work/key" >/dev/null 2>&1
pw="bench-pw-$$"
now=1800000000
start=$((now - 60 * 86400))
span=$((60 * 86400))
cols="id, eventname, component, action, target, objecttable, objectid, crud, edulevel, contextid, contextlevel, contextinstanceid, userid, courseid, relateduserid, anonymous, other, timecreated, origin, ip, realuserid"

printf '%s rows, %s run(s) each, %s cores, chunk_rows %s\n' "$rows" "$runs" "$(nproc)" "$chunk"
printf '%-9s %-52s %9s %12s\n' server command seconds rows/s

bench_pg() {
  local bin d port
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort | tail -1)
  d=$work/pg; mkdir -p "$d"; own "$d"
  printf '%s' "$pw" >"$d/pw"; own "$d/pw"
  as_db "$bin/initdb" -D "$d/data" -U postgres -A scram-sha-256 --pwfile="$d/pw" -E UTF8 --locale=C --no-sync >/dev/null
  port=$(free_port)
  as_db "$bin/postgres" -D "$d/data" -k "$d" -p "$port" -c listen_addresses=127.0.0.1 \
    -c log_min_duration_statement=0 -c logging_collector=off -c shared_buffers=256MB \
    >"$d/log" 2>&1 &
  pids+=($!)
  export PGPASSWORD=$pw
  local psql=(psql -X -q -h 127.0.0.1 -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1)
  for _ in $(seq 1 100); do "${psql[@]}" -c 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
  "${psql[@]}" >/dev/null <<SQL
CREATE TABLE mdl_logstore_standard_log (
  id BIGSERIAL PRIMARY KEY, eventname VARCHAR(255) NOT NULL DEFAULT '',
  component VARCHAR(100) NOT NULL DEFAULT '', action VARCHAR(100) NOT NULL DEFAULT '',
  target VARCHAR(100) NOT NULL DEFAULT '', objecttable VARCHAR(50), objectid BIGINT,
  crud VARCHAR(1) NOT NULL DEFAULT '', edulevel SMALLINT NOT NULL, contextid BIGINT NOT NULL,
  contextlevel BIGINT NOT NULL, contextinstanceid BIGINT NOT NULL, userid BIGINT NOT NULL,
  courseid BIGINT, relateduserid BIGINT, anonymous SMALLINT NOT NULL DEFAULT 0, other TEXT,
  timecreated BIGINT NOT NULL, origin VARCHAR(10), ip VARCHAR(45), realuserid BIGINT);
INSERT INTO mdl_logstore_standard_log (${cols#id, })
SELECT '\mod_forum\event\discussion_viewed', 'mod_forum', 'viewed', 'discussion',
  'forum_discussions', g % 5000, 'r', 2, 100 + g % 800, 70, 300 + g % 800, 2 + g % 20000,
  2 + g % 400, CASE WHEN g % 10 = 0 THEN 2 + (g * 7) % 20000 END, 0,
  '{"forumid":' || (g % 300) || ',"username":"user' || (g % 20000) || '"}',
  $start + (g::bigint * $span / $rows), 'web',
  '10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || (g % 251), NULL
FROM generate_series(1, $rows) g;
CREATE INDEX mdl_logsstanlog_tim_ix ON mdl_logstore_standard_log (timecreated);
CREATE INDEX mdl_logsstanlog_couanotim_ix ON mdl_logstore_standard_log (courseid, anonymous, timecreated);
CREATE INDEX mdl_logsstanlog_useconconcr_ix ON mdl_logstore_standard_log (userid, contextlevel, contextinstanceid, crud, edulevel, timecreated);
CREATE INDEX mdl_logsstanlog_con_ix ON mdl_logstore_standard_log (contextid);
CREATE TABLE mdl_user (id BIGSERIAL PRIMARY KEY, deleted SMALLINT NOT NULL DEFAULT 0,
  username VARCHAR(100) NOT NULL DEFAULT '', idnumber VARCHAR(255) NOT NULL DEFAULT '',
  firstname VARCHAR(100) NOT NULL DEFAULT '', lastname VARCHAR(100) NOT NULL DEFAULT '',
  email VARCHAR(100) NOT NULL DEFAULT '', middlename VARCHAR(255), alternatename VARCHAR(255));
CREATE TABLE mdl_course (id BIGSERIAL PRIMARY KEY, visible SMALLINT NOT NULL DEFAULT 1);
VACUUM ANALYZE mdl_logstore_standard_log;
SQL
  cat >"$work/pg.php" <<PHP
<?php
\$CFG->dbtype = 'pgsql';
\$CFG->dbhost = '127.0.0.1';
\$CFG->dbname = 'postgres';
\$CFG->dbuser = 'postgres';
\$CFG->dbpass = '$pw';
\$CFG->prefix = 'mdl_';
\$CFG->dboptions = array('dbport' => $port);
PHP
  local t
  t=$(best "$anonlog" moodle export -q -k "$work/key" --moodle-config "$work/pg.php")
  printf '%-9s %-52s %9s %12s\n' PostgreSQL "anonlog moodle export" "$t" "$(rate "$t")"
  t=$(best bash -c "psql -X -q -h 127.0.0.1 -p $port -U postgres -d postgres -c '\\copy (SELECT * FROM mdl_logstore_standard_log ORDER BY id) TO STDOUT CSV HEADER' | '$anonlog' anonymize -q -k '$work/key' --format moodle-logstore")
  printf '%-9s %-52s %9s %12s\n' PostgreSQL "psql \\copy ... CSV HEADER | anonlog anonymize" "$t" "$(rate "$t")"
  t=$(best bash -c "psql -X -q -h 127.0.0.1 -p $port -U postgres -d postgres -c '\\copy (SELECT * FROM mdl_logstore_standard_log ORDER BY id) TO STDOUT CSV HEADER'")
  printf '%-9s %-52s %9s %12s\n' PostgreSQL "psql \\copy ... CSV HEADER (alone)" "$t" "$(rate "$t")"
  t=$(best "$anonlog" stats -k "$work/key" --out "$work/stats-pg" --moodle-config "$work/pg.php")
  printf '%-9s %-52s %9s %12s\n' PostgreSQL "anonlog stats --moodle-config" "$t" "$(rate "$t")"
  rotate_bench PostgreSQL "$work/pg.php" "$d/log" pg
}

bench_maria() {
  local d port sock
  d=$work/maria; mkdir -p "$d"; own "$d"
  as_db "$(command -v mariadb-install-db)" --no-defaults --datadir="$d/data" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >"$work/maria-install.log" 2>&1 ||
    { cat "$work/maria-install.log" >&2; return 1; }
  port=$(free_port)
  sock=$d/my.sock
  as_db "$(command -v mariadbd)" --no-defaults --datadir="$d/data" --socket="$sock" --port="$port" \
    --bind-address=127.0.0.1 --skip-name-resolve --pid-file="$d/pid" --log-error="$d/err" \
    --innodb-buffer-pool-size=512M --innodb-flush-log-at-trx-commit=2 \
    --slow-query-log=1 --slow-query-log-file="$d/slow" --long-query-time=0 >/dev/null 2>&1 &
  pids+=($!)
  for _ in $(seq 1 300); do mariadb --no-defaults -S "$sock" -u root -e 'select 1' >/dev/null 2>&1 && break; sleep 0.2; done
  if ! mariadb --no-defaults -S "$sock" -u root -e 'select 1' >/dev/null 2>&1; then
    echo "MariaDB did not start:" >&2
    cat "$d/err" "$d/install.log" >&2 2>/dev/null || true
    return 1
  fi
  local my=(mariadb --no-defaults -S "$sock" -u root)
  "${my[@]}" <<SQL
SET GLOBAL slow_query_log = 0;
CREATE DATABASE moodle CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER 'bench'@'127.0.0.1' IDENTIFIED BY '$pw';
GRANT ALL ON moodle.* TO 'bench'@'127.0.0.1';
USE moodle;
CREATE TABLE mdl_logstore_standard_log (
  id BIGINT(10) NOT NULL AUTO_INCREMENT, eventname VARCHAR(255) NOT NULL DEFAULT '',
  component VARCHAR(100) NOT NULL DEFAULT '', action VARCHAR(100) NOT NULL DEFAULT '',
  target VARCHAR(100) NOT NULL DEFAULT '', objecttable VARCHAR(50) DEFAULT NULL,
  objectid BIGINT(10) DEFAULT NULL, crud VARCHAR(1) NOT NULL DEFAULT '',
  edulevel TINYINT(1) NOT NULL, contextid BIGINT(10) NOT NULL, contextlevel BIGINT(10) NOT NULL,
  contextinstanceid BIGINT(10) NOT NULL, userid BIGINT(10) NOT NULL,
  courseid BIGINT(10) DEFAULT NULL, relateduserid BIGINT(10) DEFAULT NULL,
  anonymous TINYINT(1) NOT NULL DEFAULT 0, other LONGTEXT, timecreated BIGINT(10) NOT NULL,
  origin VARCHAR(10) DEFAULT NULL, ip VARCHAR(45) DEFAULT NULL, realuserid BIGINT(10) DEFAULT NULL,
  PRIMARY KEY (id)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
INSERT INTO mdl_logstore_standard_log (${cols#id, })
SELECT '\\\\mod_forum\\\\event\\\\discussion_viewed', 'mod_forum', 'viewed', 'discussion',
  'forum_discussions', seq % 5000, 'r', 2, 100 + seq % 800, 70, 300 + seq % 800, 2 + seq % 20000,
  2 + seq % 400, IF(seq % 10 = 0, 2 + (seq * 7) % 20000, NULL), 0,
  CONCAT('{"forumid":', seq % 300, ',"username":"user', seq % 20000, '"}'),
  $start + (seq * $span DIV $rows), 'web',
  CONCAT('10.', seq % 256, '.', (seq DIV 256) % 256, '.', seq % 251), NULL
FROM seq_1_to_$rows;
ALTER TABLE mdl_logstore_standard_log
  ADD KEY mdl_logsstanlog_tim_ix (timecreated),
  ADD KEY mdl_logsstanlog_couanotim_ix (courseid, anonymous, timecreated),
  ADD KEY mdl_logsstanlog_useconconcr_ix (userid, contextlevel, contextinstanceid, crud, edulevel, timecreated),
  ADD KEY mdl_logsstanlog_con_ix (contextid);
CREATE TABLE mdl_user (id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY);
CREATE TABLE mdl_course (id BIGINT(10) NOT NULL AUTO_INCREMENT PRIMARY KEY, visible TINYINT(1) NOT NULL DEFAULT 1);
SQL
  cat >"$work/maria.php" <<PHP
<?php
\$CFG->dbtype = 'mariadb';
\$CFG->dbhost = '127.0.0.1';
\$CFG->dbname = 'moodle';
\$CFG->dbuser = 'bench';
\$CFG->dbpass = '$pw';
\$CFG->prefix = 'mdl_';
\$CFG->dboptions = array('dbport' => $port);
PHP
  local t
  t=$(best "$anonlog" moodle export -q -k "$work/key" --moodle-config "$work/maria.php")
  printf '%-9s %-52s %9s %12s\n' MariaDB "anonlog moodle export" "$t" "$(rate "$t")"
  # The mariadb client's batch output (tab-separated, backslash escapes) is
  # what a shell pipeline gets; anonlog reads it as a MySQL dump with a
  # header. NULL is the word NULL there.
  t=$(best bash -c "mariadb --no-defaults -S '$sock' -u root -B -e 'SELECT * FROM moodle.mdl_logstore_standard_log ORDER BY id' | '$anonlog' anonymize -q -k '$work/key' --format moodle-logstore")
  printf '%-9s %-52s %9s %12s\n' MariaDB "mariadb -B -e 'SELECT ...' | anonlog anonymize" "$t" "$(rate "$t")"
  t=$(best bash -c "mariadb --no-defaults -S '$sock' -u root -B -e 'SELECT * FROM moodle.mdl_logstore_standard_log ORDER BY id'")
  printf '%-9s %-52s %9s %12s\n' MariaDB "mariadb -B -e 'SELECT ...' (alone)" "$t" "$(rate "$t")"
  t=$(best "$anonlog" stats -k "$work/key" --out "$work/stats-maria" --moodle-config "$work/maria.php")
  printf '%-9s %-52s %9s %12s\n' MariaDB "anonlog stats --moodle-config" "$t" "$(rate "$t")"
  "${my[@]}" -e 'SET GLOBAL slow_query_log = 1'
  rotate_bench MariaDB "$work/maria.php" "$d/slow" maria
}

rotate_bench() { # server php log kind
  local name=$1 php=$2 log=$3 kind=$4 cfg=$work/rotate-$4.toml t0 t1 longest
  cat >"$cfg" <<TOML
audit_log = "$work/audit-$kind.jsonl"
lock_file = "$work/rotate-$kind.lock"
[[source]]
name = "moodle-db"
kind = "moodle-db"
window = "30d"
action = "delete"
moodle_config = "$php"
chunk_rows = $chunk
time_budget = "1h"
TOML
  : >"$log.mark"
  local before
  before=$(wc -l <"$log")
  t0=$(date +%s.%N)
  "$anonlog" rotate -q --config "$cfg" --now "@$now"
  t1=$(date +%s.%N)
  if [ "$kind" = pg ]; then
    longest=$(tail -n +"$before" "$log" | grep -E 'duration: [0-9.]+ ms .*DELETE FROM' |
      sed -E 's/.*duration: ([0-9.]+) ms.*/\1/' | sort -g | tail -1)
  else
    longest=$(tail -n +"$before" "$log" | grep -B3 '^DELETE FROM' | grep -E '^# Query_time' |
      sed -E 's/# Query_time: ([0-9.]+).*/\1/' | awk '{printf "%.1f\n", $1 * 1000}' | sort -g | tail -1)
  fi
  local chunks deleted
  chunks=$(wc -l <"$work/audit-$kind.jsonl")
  deleted=$(grep -o '"records":[0-9]*' "$work/audit-$kind.jsonl" | cut -d: -f2 | paste -sd+ | bc)
  printf '%-9s %-52s %9.2f %12s\n' "$name" "rotate: delete $deleted rows in $chunks chunks" \
    "$(echo "$t1 - $t0" | bc -l)" "$(printf '%.0f' "$(echo "$deleted / ($t1 - $t0)" | bc -l)")"
  printf '%-9s %-52s %9s ms\n' "$name" "  longest DELETE (locks held)" "${longest:-?}"
}

for s in $servers; do
  case $s in
    pg) bench_pg ;;
    maria) bench_maria ;;
  esac
done
