#!/usr/bin/env bash
# Makes sure the PostgreSQL the audit tests use answers on 127.0.0.1:5432 with a database "test":
# starts the local cluster if it is installed but stopped; installs it from Debian's packages if absent (as root).
set -euo pipefail
PGHOST=127.0.0.1
PGPORT=5432

ready() { command -v pg_isready >/dev/null && pg_isready -h "$PGHOST" -p "$PGPORT" -q; }

if ! ready; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ]; then
      echo "PostgreSQL is not installed and this is not root: install it (apt-get install postgresql) and re-run" >&2
      exit 1
    fi
    echo "Installing PostgreSQL from Debian's packages..."
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  echo "Starting PostgreSQL $version..."
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
  ready || { echo "PostgreSQL did not start on $PGHOST:$PGPORT" >&2; exit 1; }
fi

# The tests connect as "postgres" to database "test" without a password (trust for local TCP, as on these machines).
if ! psql -h "$PGHOST" -p "$PGPORT" -U postgres -d test -c 'select 1' >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v runuser >/dev/null; then
    runuser -u postgres -- psql -q -c "CREATE DATABASE test" 2>/dev/null || true
    hba=$(runuser -u postgres -- psql -At -c 'SHOW hba_file')
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
      runuser -u postgres -- psql -q -c 'SELECT pg_reload_conf()' >/dev/null
    fi
  fi
  psql -h "$PGHOST" -p "$PGPORT" -U postgres -d test -c 'select 1' >/dev/null \
    || { echo "cannot connect to postgresql://postgres@$PGHOST:$PGPORT/test" >&2; exit 1; }
fi
echo "PostgreSQL ready on $PGHOST:$PGPORT (database test)."
