#!/bin/sh
# The listener's integration tests drive the real senders: nginx's syslog
# target and rsyslog's omfwd (octet-counted TCP) and omuxsock.
set -e
need=""
command -v nginx >/dev/null 2>&1 || need="$need nginx"
command -v rsyslogd >/dev/null 2>&1 || need="$need rsyslog"
command -v logger >/dev/null 2>&1 || need="$need bsdutils"
if [ -n "$need" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get -qq -o DPkg::Lock::Timeout=600 update
    # shellcheck disable=SC2086
    apt-get -qq -o DPkg::Lock::Timeout=600 install -y --no-install-recommends $need >/dev/null
fi
