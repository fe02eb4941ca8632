#!/usr/bin/env bash
# The database servers the Moodle-database tests start themselves
# (tests/db/): PostgreSQL and MariaDB, server and client, from Debian.
# No service is left running: the tests run their own instances in a
# temporary directory.
set -euo pipefail

need=()
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
command -v mariadbd >/dev/null 2>&1 || need+=(mariadb-server)
command -v mariadb >/dev/null 2>&1 || need+=(mariadb-client)

"$(dirname "$0")/../apt-install" "${need[@]}"
