#!/usr/bin/env bash
# Brings up a real single-node Slurm cluster (Debian 12: slurm-wlm 22.05 + munge) on this machine for the
# Slurm tests (tests/integration/slurm-*.test.ts), without systemd: the daemons are started directly.
# Idempotent: when the cluster already answers and runs a job, it changes nothing (about a second).
# Runs as root. On failure it prints the daemons' logs and exits non-zero.
#
#   .ci/slurm-up.sh            # install when missing, configure, start, wait until a job runs
#
# Accounting is off (no slurmdbd): sacct does not work here, and nothing in tidepool depends on it.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

CONF_DIR=/etc/slurm
CONF="$CONF_DIR/slurm.conf"
MUNGE_KEY=/etc/munge/munge.key
STATE_DIR=/var/lib/slurm/slurmctld
SPOOL_DIR=/var/lib/slurm/slurmd
LOG_DIR=/var/log/slurm
WAIT_SECONDS="${SLURM_UP_WAIT_SECONDS:-60}"

log() { echo "slurm-up: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (it installs packages, writes $CONF and starts munged, slurmctld and slurmd)"
  exit 1
fi

show_logs() {
  for file in /var/log/munge/munged.log "$LOG_DIR/slurmctld.log" "$LOG_DIR/slurmd.log"; do
    if [ -f "$file" ]; then echo "---- last lines of $file" >&2; tail -n 40 "$file" >&2; fi
  done
  echo "---- sinfo" >&2; sinfo 2>&1 | tail -n 5 >&2 || true
}

# Answers when the controller is up, the node can take work, and a trivial batch job runs to the end.
cluster_works() {
  local states
  states="$(timeout 10 sinfo -h -o %T 2>/dev/null)" || return 1
  grep -qE '^(idle|mixed|allocated|completing)' <<<"$states" || return 1
  timeout 30 sbatch --wait --quiet --job-name=tidepool-slurm-up --output=/dev/null --wrap=true >/dev/null 2>&1
}

# One run at a time (parallel test workers may each call this script): the others wait, then find it up.
exec 9>/run/lock/tidepool-slurm-up.lock 2>/dev/null || exec 9>/tmp/tidepool-slurm-up.lock
flock 9

# 1. Packages (apt-get update only when something is missing).
missing=()
for pkg in slurm-wlm munge; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. slurm.conf (rewritten only when its content would change).
host="$(hostname)"
mem_mb="$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)"
cpus="$(nproc)"
# Both daemons and every client use 127.0.0.1: a container's hostname may not resolve to a reachable address.
desired="$(cat <<EOF
# Written by tidepool's .ci/slurm-up.sh: a single-node cluster for tests. Rerunning the script rewrites it.
ClusterName=tidepool
SlurmctldHost=${host}(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=${STATE_DIR}
SlurmdSpoolDir=${SPOOL_DIR}
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=${LOG_DIR}/slurmctld.log
SlurmdLogFile=${LOG_DIR}/slurmd.log
# No cgroups in a container: plain process tracking, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
# Schedule every second, not every minute, so test jobs start at once.
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1,sched_min_interval=100000
MessageTimeout=10
SlurmdTimeout=60
InactiveLimit=0
KillWait=5
MinJobAge=300
NodeName=${host} NodeAddr=127.0.0.1 CPUs=${cpus} RealMemory=${mem_mb} State=UNKNOWN
PartitionName=main Nodes=${host} Default=YES MaxTime=INFINITE State=UP
EOF
)"
conf_changed=0
mkdir -p "$CONF_DIR" "$STATE_DIR" "$SPOOL_DIR" "$LOG_DIR"
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$desired" ]; then
  printf '%s\n' "$desired" > "$CONF.tmp"
  mv "$CONF.tmp" "$CONF"
  conf_changed=1
  log "wrote $CONF"
fi

# 3. munge: a key in munge's default key file, and munged running as the munge user.
if [ ! -s "$MUNGE_KEY" ]; then
  install -d -o munge -g munge -m 700 /etc/munge
  if command -v mungekey >/dev/null; then mungekey --create --keyfile="$MUNGE_KEY" --force
  else dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none; fi
  chown munge:munge "$MUNGE_KEY"
  chmod 400 "$MUNGE_KEY"
  log "created $MUNGE_KEY"
fi
if ! pgrep -x munged >/dev/null; then
  install -d -o munge -g munge -m 755 /run/munge
  install -d -o munge -g munge -m 700 /var/log/munge /var/lib/munge
  # 9>&-: a daemon must not inherit the lock's descriptor, or it holds the lock for as long as it lives
  # and every later run of this script waits forever.
  runuser -u munge -- /usr/sbin/munged 9>&-
  log "started munged"
fi

# 4. The daemons (each forks into the background), or a reconfigure when only the config changed.
if [ "$conf_changed" -eq 0 ] && pgrep -x slurmctld >/dev/null && pgrep -x slurmd >/dev/null && cluster_works; then
  exit 0
fi
if ! pgrep -x slurmctld >/dev/null; then slurmctld 9>&-; log "started slurmctld"
elif [ "$conf_changed" -eq 1 ]; then scontrol reconfigure || true; fi
if ! pgrep -x slurmd >/dev/null; then slurmd 9>&-; log "started slurmd"; fi

# 5. Wait (bounded) until a job runs. A node left DOWN/DRAIN by an earlier run is resumed once.
deadline=$((SECONDS + WAIT_SECONDS))
resumed=0
until cluster_works; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    log "the cluster did not run a trivial job within ${WAIT_SECONDS}s"
    show_logs
    exit 1
  fi
  if [ "$resumed" -eq 0 ] && sinfo -h -o %T 2>/dev/null | grep -qE '^(down|drain|drained|draining|fail)'; then
    scontrol update NodeName="$host" State=RESUME 2>/dev/null || true
    resumed=1
  fi
  sleep 1
done
log "cluster up: $(sinfo -h -o '%P %T %c CPUs %m MB' | head -n 1)"
