#!/usr/bin/env bash
# The web servers and log tools the deployment tests (tests/deploy.rs) run
# themselves (and the listener tests' senders): Apache (with rotatelogs from
# apache2-utils), nginx, logrotate, rsyslog, curl and logger, from Debian. No
# service is started or left running: the tests start their own instances on 127.0.0.1 with configs in a temporary
# directory. systemd may be absent.
set -euo pipefail

need=()
command -v apache2 >/dev/null 2>&1 || [ -x /usr/sbin/apache2 ] || need+=(apache2)
command -v rotatelogs >/dev/null 2>&1 || [ -x /usr/bin/rotatelogs ] || need+=(apache2-utils)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need+=(nginx-light)
command -v logrotate >/dev/null 2>&1 || [ -x /usr/sbin/logrotate ] || need+=(logrotate)
command -v rsyslogd >/dev/null 2>&1 || [ -x /usr/sbin/rsyslogd ] || need+=(rsyslog)
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v logger >/dev/null 2>&1 || need+=(bsdutils)

"$(dirname "$0")/../apt-install" "${need[@]}"

# Where a package started its daemon anyway (no policy-rc.d honoured, an
# init system that ignores it), stop it: the tests need :80 free of
# surprises and no stray server.
for pidfile in /run/apache2/apache2.pid /run/nginx.pid /run/rsyslogd.pid; do
  if [ -s "$pidfile" ]; then
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill "$pid" 2>/dev/null || true
      for _ in 1 2 3 4 5 6 7 8 9 10; do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
      done
    fi
  fi
done

# nginx's syslog target drops a message, silently, when the receiver's queue
# is full; a unix datagram socket queues net.unix.max_dgram_qlen datagrams
# (10 by default). README's syslog recipes raise it, and so does CI. The
# value is read when a socket is created.
qlen=/proc/sys/net/unix/max_dgram_qlen
if [ -w "$qlen" ] && [ "$(cat "$qlen")" -lt 512 ]; then
  echo 512 >"$qlen"
fi
