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

if [ "${#need[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Debian's maintainer scripts start the services; keep them from doing so.
  policy=/usr/sbin/policy-rc.d
  created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    created_policy=1
  fi
  apt-get -qq -o DPkg::Lock::Timeout=600 update >/dev/null
  apt-get -qq -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${need[@]}" >/dev/null
  if [ "$created_policy" = 1 ]; then
    rm -f "$policy"
  fi
fi
