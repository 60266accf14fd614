#!/usr/bin/env bash
# The container's entrypoint: one role per container (compose.yaml), the same scripts systemd runs.
#   web | worker | scheduler  - bin/web, bin/worker, bin/scheduler
#   migrate                   - check --deploy, migrations and the cache table, then exit
#   backup                    - manage.py backup now, then every BACKUP_INTERVAL seconds (default a day)
#   manage ARGS...            - any management command
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${TILLI_VENV:-.venv}/bin/python"
role="${1:-web}"
[ $# -gt 0 ] && shift
case "$role" in
  web) exec bin/web ;;
  worker) exec bin/worker "$@" ;;
  scheduler) exec bin/scheduler "$@" ;;
  migrate)
    $PY manage.py check --deploy --fail-level "${CHECK_FAIL_LEVEL:-WARNING}"
    $PY manage.py migrate --noinput
    exec $PY manage.py createcachetable ;;
  backup)
    while true; do
      $PY manage.py backup || echo "backup failed; next try in ${BACKUP_INTERVAL:-86400} s" >&2
      sleep "${BACKUP_INTERVAL:-86400}"
    done ;;
  manage) exec $PY manage.py "$@" ;;
  *) echo "unknown role: $role (web, worker, scheduler, migrate, backup, manage)" >&2; exit 64 ;;
esac
