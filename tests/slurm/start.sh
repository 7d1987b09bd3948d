#!/usr/bin/env bash
# Start a real single-node SLURM cluster on this machine (for tests and CI).
#
#   bash tests/slurm/start.sh      # idempotent: a second call while running returns at once
#   bash tests/slurm/stop.sh       # stop it again
#
# As root it installs Debian's slurmctld slurmd slurm-client munge if missing,
# creates a munge key if absent, starts munged, writes /etc/slurm/slurm.conf
# from tests/slurm/slurm.conf.in for this host (real CPU count and memory,
# reported by `slurmd -C`), starts slurmctld and slurmd, and waits (bounded)
# until `sinfo` shows the node idle.
#
# Exit codes:
#   0  SLURM is up and the node is usable
#   1  SLURM could not be started (reason printed on stderr)
#   3  SLURM unavailable: not root and no cluster is answering (tests skip)
#
# Environment:
#   L1L2_SLURM_WAIT   seconds to wait for the node to become idle (default 60)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TEMPLATE="$HERE/slurm.conf.in"
CONF=/etc/slurm/slurm.conf
WAIT="${L1L2_SLURM_WAIT:-60}"
PACKAGES=(slurmctld slurmd slurm-client munge)

say() { echo "start.sh: $*"; }
die() {
    echo "start.sh: ERROR: $*" >&2
    exit 1
}

show_logs() {
    for f in /var/log/slurm/slurmctld.log /var/log/slurm/slurmd.log /var/log/munge/munged.log; do
        if [[ -r $f ]]; then
            echo "---- last lines of $f ----" >&2
            tail -n 15 "$f" >&2 || true
        fi
    done
}

# State of the node(s) as sinfo reports them, e.g. "idle"; empty if no answer.
node_state() {
    timeout 10 sinfo -h -N -o '%T' 2>/dev/null | sort -u | paste -sd, - || true
}

node_usable() {
    local s
    s="$(node_state)"
    [[ -n $s ]] || return 1
    # idle, or busy with jobs (mixed/allocated/completing) when already running;
    # never drained/down/unknown/not responding (trailing '*').
    [[ $s =~ ^(idle|mixed|allocated|completing)(,(idle|mixed|allocated|completing))*$ ]]
}

# 1. Already running? (also the only option when not root)
if command -v sinfo >/dev/null 2>&1 && node_usable; then
    if [[ $(id -u) -ne 0 ]] || [[ ! -f $CONF ]] || ! grep -q 'tests/slurm/start.sh' "$CONF"; then
        say "SLURM already running (node: $(node_state)); nothing to do"
        exit 0
    fi
fi
if [[ $(id -u) -ne 0 ]]; then
    echo "start.sh: SLURM unavailable: no running cluster answers sinfo and not root, so cannot start one" >&2
    exit 3
fi

# 2. Packages (new machine: nothing installed yet).
missing=()
for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
    command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand"
    say "installing ${missing[*]} (apt-get) ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null >/tmp/l1l2-slurm-apt.log 2>&1 ||
        {
            tail -n 20 /tmp/l1l2-slurm-apt.log >&2
            die "apt-get update failed (log: /tmp/l1l2-slurm-apt.log)"
        }
    apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null >>/tmp/l1l2-slurm-apt.log 2>&1 ||
        {
            tail -n 20 /tmp/l1l2-slurm-apt.log >&2
            die "apt-get install ${missing[*]} failed (log: /tmp/l1l2-slurm-apt.log)"
        }
    say "installed ${missing[*]}"
fi
for c in munged slurmctld slurmd sinfo scontrol sbatch squeue; do
    command -v "$c" >/dev/null || die "'$c' not found after installing ${PACKAGES[*]}"
done

# 3. munge: key + daemon.
mkdir -p /etc/munge /var/lib/munge /var/log/munge /run/munge
if [[ ! -s /etc/munge/munge.key ]]; then
    say "creating munge key /etc/munge/munge.key"
    if command -v mungekey >/dev/null; then
        mungekey --create --keyfile=/etc/munge/munge.key --force
    else
        dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 status=none
    fi
fi
MUNGE_USER=root
id munge >/dev/null 2>&1 && MUNGE_USER=munge
chown -R "$MUNGE_USER:" /etc/munge /var/lib/munge /var/log/munge /run/munge
chmod 0700 /etc/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
chmod 0400 /etc/munge/munge.key
if ! munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; then
    say "starting munged (as $MUNGE_USER)"
    rm -f /run/munge/munged.pid
    if [[ $MUNGE_USER == root ]]; then
        /usr/sbin/munged --force </dev/null || die "munged failed to start (see /var/log/munge/munged.log)"
    else
        runuser -u munge -- /usr/sbin/munged </dev/null || die "munged failed to start (see /var/log/munge/munged.log)"
    fi
    for _ in $(seq 1 20); do
        munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 && break
        sleep 0.25
    done
    munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1 || {
        show_logs
        die "munge credential round trip fails"
    }
fi

# 4. slurm.conf for this host.
HOST="$(hostname -s)"
ADDR="$(getent ahostsv4 "$HOST" 2>/dev/null | awk 'NR==1{print $1}')"
[[ -n $ADDR ]] || ADDR=127.0.0.1
# `slurmd -C` prints this machine's real layout, e.g.
# NodeName=vm CPUs=2 Boards=1 SocketsPerBoard=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=24105
NODELINE="$(slurmd -C 2>/dev/null | grep '^NodeName=' | head -n1 || true)"
if [[ -z $NODELINE ]]; then
    NODELINE="NodeName=$HOST CPUs=$(nproc) RealMemory=$(free -m | awk '/^Mem:/{print $2}')"
fi
# Keep a little memory back for the daemons, and pin the address.
mem="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$NODELINE")"
if [[ -n $mem ]] && ((mem > 2048)); then
    NODELINE="$(sed "s/RealMemory=[0-9]*/RealMemory=$((mem - 512))/" <<<"$NODELINE")"
fi
NODELINE="$(sed "s/^NodeName=[^ ]*/NodeName=$HOST NodeAddr=$ADDR/" <<<"$NODELINE") State=UNKNOWN"
[[ -r $TEMPLATE ]] || die "template $TEMPLATE not found"
mkdir -p /etc/slurm /var/lib/slurm/slurmctld /var/lib/slurm/slurmd /var/log/slurm /run/slurm
newconf="$(mktemp)"
trap 'rm -f "$newconf"' EXIT
sed -e "s/@HOST@/$HOST/g" -e "s/@ADDR@/$ADDR/g" -e "s|@NODELINE@|$NODELINE|" "$TEMPLATE" >"$newconf"
restart=0
if ! cmp -s "$newconf" "$CONF" 2>/dev/null; then
    say "writing $CONF for $HOST ($NODELINE)"
    install -m 0644 "$newconf" "$CONF"
    restart=1
fi

daemon_running() { # pidfile
    [[ -s $1 ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

if ((restart)); then
    # Config changed: stop what this script started before, then start fresh.
    for pf in /run/slurm/slurmd.pid /run/slurm/slurmctld.pid; do
        if daemon_running "$pf"; then
            kill "$(cat "$pf")" 2>/dev/null || true
            for _ in $(seq 1 40); do
                daemon_running "$pf" || break
                sleep 0.25
            done
        fi
    done
fi

# 5. Daemons.
if ! daemon_running /run/slurm/slurmctld.pid; then
    say "starting slurmctld"
    slurmctld </dev/null || {
        show_logs
        die "slurmctld failed to start"
    }
fi
for _ in $(seq 1 40); do
    timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP' && break
    sleep 0.25
done
timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP' || {
    show_logs
    die "slurmctld does not answer 'scontrol ping'"
}
if ! daemon_running /run/slurm/slurmd.pid; then
    say "starting slurmd"
    slurmd </dev/null || {
        show_logs
        die "slurmd failed to start"
    }
fi

# 6. Wait until the node is idle.
say "waiting up to ${WAIT}s for node $HOST to be idle ..."
t0=$SECONDS
resumed=0
while ((SECONDS - t0 < WAIT)); do
    if node_usable; then
        say "SLURM is up: $(sinfo -h -o '%P %a %D %T %c CPUs %m MB' | head -n1) (after $((SECONDS - t0))s)"
        exit 0
    fi
    s="$(node_state)"
    # A node left down/drained by an earlier run comes back with 'resume'.
    if ((resumed == 0)) && [[ $s =~ (down|drain) ]]; then
        scontrol update NodeName="$HOST" State=RESUME 2>/dev/null || true
        resumed=1
    fi
    sleep 1
done
show_logs
sinfo -N -l >&2 || true
die "node $HOST not idle after ${WAIT}s (state: '$(node_state)')"
