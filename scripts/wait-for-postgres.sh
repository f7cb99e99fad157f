#!/usr/bin/env bash
# Waits up to 60 s for the PostgreSQL server of a URL to accept TCP connections; on this
# machine kind it starts the local cluster when nothing listens.
set -euo pipefail
url="${1:-postgres://postgres@127.0.0.1:5432/postgres}"
hostport="${url#*://}"; hostport="${hostport#*@}"; hostport="${hostport%%/*}"
host="${hostport%%:*}"; port="${hostport##*:}"; [[ "$port" == "$host" ]] && port=5432

listening() { (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; }

if ! listening && [[ "$host" == 127.0.0.1 || "$host" == localhost ]] && command -v pg_ctlcluster >/dev/null; then
    echo "wait-for-postgres: starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
fi
for _ in $(seq 1 60); do
    if listening; then exit 0; fi
    sleep 1
done
echo "wait-for-postgres: nothing accepts connections at $host:$port; start PostgreSQL or set DATABASE_URL" >&2
exit 1
