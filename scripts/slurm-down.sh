#!/usr/bin/env bash
# scripts/slurm-down.sh — stop what scripts/slurm-up.sh started, and nothing else.
#
# Usage (as root):   scripts/slurm-down.sh [-v]
#
# Prints one line and exits 0:   "slurm down: stopped slurmd(PID) slurmctld(PID) munged(PID)"
#                            or  "slurm down: nothing started by slurm-up.sh was running"
# Exits 1 (after doing what it can) if a daemon survives SIGKILL or job processes are left over.
#
#   1. Jobs: if slurmctld was started by slurm-up.sh and answers, every job still pending or running
#      is cancelled (this one-node cluster exists only for the tests) and it waits until none is
#      running or completing, at most KillWait + 20 s. Otherwise the jobs' processes (slurmstepd and
#      the batch scripts) would outlive slurmd, and slurmctld would restore them as jobs at the next
#      slurm-up.sh. Job processes still left (slurmd had died, or a job outlasted the wait) are found
#      with "scontrol listpids" (works without slurmd) and get SIGTERM, then SIGKILL after 10 s.
#   2. Daemons: slurmd, slurmctld, munged, in that order, each only if the pid slurm-up.sh recorded in
#      $CONVPIPE_SLURM_STATE/<daemon>.pid is still that daemon (never by name): SIGTERM, SIGKILL after
#      30 s. A daemon slurm-up.sh found already running was not recorded and is left alone.
#   3. The daemons' own pid files (/run/slurmctld.pid, /run/slurmd.pid, /run/munge/munged.pid) are
#      removed when they name a daemon stopped here: a stale /run/slurmctld.pid makes the prerm of
#      the slurmctld package run scancel, which fails, so "apt-get remove" would fail.
# Nothing else is removed: packages, /etc/slurm/slurm.conf, the munge key, the job state in
# /var/spool/slurmctld (job ids keep counting up) and the logs stay, so slurm-up.sh is quick again.
#
# Environment: CONVPIPE_SLURM_STATE (default /run/convpipe-slurm), as for slurm-up.sh;
#              CONVPIPE_SLURM_VERBOSE=1 (or -v) prints progress on stderr.
# Run by sh (dash on Debian) instead of bash: start again under bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}" LC_ALL=C

STATE=${CONVPIPE_SLURM_STATE:-/run/convpipe-slurm}
VERBOSE=${CONVPIPE_SLURM_VERBOSE:-0}
[ "${1:-}" = -v ] && VERBOSE=1
declare -A PIDFILE=([munged]=/run/munge/munged.pid [slurmctld]=/run/slurmctld.pid [slurmd]=/run/slurmd.pid)

T0=$EPOCHREALTIME
say() { [ "$VERBOSE" = 1 ] && printf 'slurm-down: %5.1fs %s\n' "$(awk "BEGIN {print $EPOCHREALTIME - $T0}")" "$*" >&2; return 0; }
[ "$(id -u)" = 0 ] || { echo "slurm down: FAILED: must run as root" >&2; exit 1; }
[ -d "$STATE" ] || { echo "slurm down: nothing started by slurm-up.sh was running"; exit 0; }
exec 9>"$STATE/lock"
flock -w 300 9 || { echo "slurm down: FAILED: another slurm-up.sh/slurm-down.sh holds $STATE/lock for 300 s" >&2; exit 1; }

alive() { [ -n "${1:-}" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
pid_in() { [ -r "$1" ] && tr -dc '0-9' <"$1"; }
ours() { alive "$(pid_in "$STATE/$1.pid")" "$1"; }
any_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }

rc=0
# ----------------------------------------------------------------------------- 1. cancel the jobs
active() { timeout 10 squeue -h -t PENDING,CONFIGURING,RUNNING,SUSPENDED,COMPLETING -o %A 2>/dev/null | sort -u; }
if ours slurmctld && timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; then
  jobs=$(active)
  if [ -n "$jobs" ]; then
    say "cancelling jobs: $(echo $jobs)"
    timeout 30 scancel $jobs >/dev/null 2>&1
    # the cancel reaches the job processes through slurmd: without it, wait no longer than needed
    kw=$(timeout 10 scontrol show config 2>/dev/null | sed -n 's/^KillWait *= *\([0-9]*\).*/\1/p')
    if ours slurmd; then deadline=$((SECONDS + ${kw:-30} + 20)); else deadline=$((SECONDS + 2)); fi
    while [ -n "$(active)" ] && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.5; done
  fi
fi
# Job processes still running on this node (slurmd had been stopped or had died, or a job ignored
# SIGTERM and the wait above ran out): "scontrol listpids" gets them from the slurmstepd sockets in
# SlurmdSpoolDir, which works without slurmd. Only when slurm-up.sh started this node's slurmd.
if [ -f "$STATE/slurmd.pid" ]; then
  jobpids=$(timeout 10 scontrol listpids 2>/dev/null | awk 'NR > 1 && $1 ~ /^[0-9]+$/ {print $1}' | sort -un)
  if [ -n "$jobpids" ]; then
    say "terminating job processes left on the node: $(echo $jobpids)"
    kill -TERM $jobpids 2>/dev/null
    for _ in $(seq 50); do any_alive $jobpids || break; sleep 0.2; done
    kill -KILL $jobpids 2>/dev/null
  fi
  # each slurmstepd exits once its job's processes are gone
  for _ in $(seq 50); do ps -eo comm= | grep -qx slurmstepd || break; sleep 0.2; done
fi

# --------------------------------------------------------------------------------- 2. daemons
stopped=()
for name in slurmd slurmctld munged; do
  f="$STATE/$name.pid"
  [ -f "$f" ] || continue
  pid=$(pid_in "$f")
  if alive "$pid" "$name"; then
    say "stopping $name ($pid)"
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 150); do alive "$pid" "$name" || break; sleep 0.2; done
    if alive "$pid" "$name"; then
      say "$name ($pid) ignored SIGTERM for 30 s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null
      for _ in $(seq 25); do alive "$pid" "$name" || break; sleep 0.2; done
      alive "$pid" "$name" && { echo "slurm down: $name (pid $pid) survived SIGKILL" >&2; rc=1; continue; }
    fi
    stopped+=("$name($pid)")
  fi
  # ---------------------------------------------------------------------- 3. stale pid files
  [ -n "$pid" ] && [ "$(pid_in "${PIDFILE[$name]}")" = "$pid" ] && rm -f "${PIDFILE[$name]}"
  rm -f "$f"
done

# job processes left behind (slurmd was stopped with jobs running): report, never kill by name
strays=$(ps -eo pid=,comm= | awk '$2 == "slurmstepd" {print $1}' | tr '\n' ' ')
if [ -n "$strays" ] && [ ${#stopped[@]} -gt 0 ]; then
  echo "slurm down: slurmstepd processes still running (pids $strays): their jobs were not cancelled" >&2; rc=1
fi

say "done"
if [ ${#stopped[@]} -gt 0 ]; then echo "slurm down: stopped ${stopped[*]}"
else echo "slurm down: nothing started by slurm-up.sh was running"; fi
exit $rc
