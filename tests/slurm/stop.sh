#!/usr/bin/env bash
# Stop the single-node SLURM cluster started by tests/slurm/start.sh.
# Idempotent: succeeds if nothing is running. Leaves packages, key and config in place.
set -uo pipefail

say() { echo "stop.sh: $*"; }
if [[ $(id -u) -ne 0 ]]; then
    echo "stop.sh: not root; cannot stop SLURM daemons" >&2
    exit 3
fi

stop_pidfile() { # name pidfile
    local name=$1 pf=$2 pid
    [[ -s $pf ]] || return 0
    pid="$(cat "$pf")"
    if kill -0 "$pid" 2>/dev/null; then
        say "stopping $name (pid $pid)"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.25
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "$name still alive; sending SIGKILL"
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    rm -f "$pf"
}

stop_pidfile slurmd /run/slurm/slurmd.pid
stop_pidfile slurmctld /run/slurm/slurmctld.pid
stop_pidfile munged /run/munge/munged.pid
say "SLURM stopped"
