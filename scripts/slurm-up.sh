#!/usr/bin/env bash
# scripts/slurm-up.sh — bring up a one-node Slurm cluster on this machine, for convpipe's Slurm tests.
#
# Usage (as root):   scripts/slurm-up.sh [-v]
#
# Result, and the only thing printed when all goes well:
#   stdout: "slurm up: <node> <cpus> cpus"              exit 0  (the node accepts jobs now)
#   stderr: "slurm up: FAILED: <reason> (see <log>)"    exit 1
#   -v (or CONVPIPE_SLURM_VERBOSE=1) also prints what it does on stderr ("slurm-up: ..." lines).
#
# What it does, each step only when needed (so it is idempotent: when everything is already up it
# only checks, in well under a second):
#   1. apt-get install slurm-wlm munge (apt-get update and retry if the first attempt fails);
#   2. creates the munge key and the runtime directories an init system would create;
#   3. starts munged (as user munge);
#   4. writes /etc/slurm/slurm.conf: one node "$(hostname -s)" at 127.0.0.1 with the CPUs and memory
#      "slurmd -C" reports, partition "debug", CR_CPU (N one-CPU array tasks share the CPUs),
#      DependencyParameters=kill_invalid_depend, MinJobAge=300, no accounting, no cgroups;
#      if the file changes while daemons this script started are running, they are restarted;
#   5. starts slurmctld and slurmd, then waits until slurmd has registered and the node is idle.
# Daemons are started detached: stdin from /dev/null, stdout/stderr to log files, every other
# inherited file descriptor closed, so a caller that captures this script's output never hangs.
# The pid of every daemon it starts is written to $CONVPIPE_SLURM_STATE/<daemon>.pid; slurm-down.sh
# stops exactly those. A daemon that was already running (started by someone else) is used, not
# recorded, and never stopped by slurm-down.sh.
#
# Environment:
#   CONVPIPE_SLURM_STATE    state directory: pid files, lock, apt log   (default /run/convpipe-slurm)
#   CONVPIPE_SLURM_TIMEOUT  seconds to wait for the node to accept jobs  (default 60)
#   CONVPIPE_SLURM_VERBOSE  1 = print progress on stderr (same as -v)
# Files: /etc/slurm/slurm.conf, /etc/munge/munge.key, /var/spool/slurmctld (job state: job ids keep
# counting up across restarts), /var/spool/slurmd, logs in /var/log/slurm/ and /var/log/munge/.
# Written for Debian 12 (Slurm 22.05) without systemd; see scripts/README.md.
# Run by sh (dash on Debian) instead of bash: start again under bash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -u
export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
umask 022

STATE=${CONVPIPE_SLURM_STATE:-/run/convpipe-slurm}
TIMEOUT=${CONVPIPE_SLURM_TIMEOUT:-60}
VERBOSE=${CONVPIPE_SLURM_VERBOSE:-0}
[ "${1:-}" = -v ] && VERBOSE=1

LOGDIR=/var/log/slurm
CONF=/etc/slurm/slurm.conf
KEY=/etc/munge/munge.key
# the daemons' own pid files (named in slurm.conf; the munged one is its built-in default)
declare -A PIDFILE=([munged]=/run/munge/munged.pid [slurmctld]=/run/slurmctld.pid [slurmd]=/run/slurmd.pid)
MARK="# Written by convpipe scripts/slurm-up.sh"

fail() { echo "slurm up: FAILED: $*" >&2; exit 1; }
T0=$EPOCHREALTIME
say() { [ "$VERBOSE" = 1 ] && printf 'slurm-up: %5.1fs %s\n' "$(awk "BEGIN {print $EPOCHREALTIME - $T0}")" "$*" >&2; return 0; }

[ "$(id -u)" = 0 ] || fail "must run as root (installs packages, writes /etc/slurm, starts daemons)"
NODE=$(hostname -s 2>/dev/null)
[ -n "$NODE" ] || fail "hostname -s printed nothing"
mkdir -p "$STATE" || fail "cannot create state directory $STATE"

# One slurm-up.sh / slurm-down.sh at a time. The lock fd (9) is closed in everything started below.
exec 9>"$STATE/lock"
flock -w 300 9 || fail "another slurm-up.sh/slurm-down.sh holds $STATE/lock for 300 s"

# detached CMD...: run CMD with stdin /dev/null and every fd above 2 closed (stdout/stderr: the caller
# redirects them to a log file), and with no signal blocked or ignored: a caller started from a thread
# that blocks signals (libdispatch's worker threads block them all, and posix_spawn passes the mask on,
# as Swift's Process does from a test) would hand a blocked SIGTERM to the daemons, which then ignore
# slurm-down.sh's SIGTERM until its SIGKILL 30 s later (bash cannot unblock signals; perl-base is
# Essential in Debian). Used for everything that may leave a daemon behind.
detached() {
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"
    done
    cd / && exec perl -e 'use POSIX; sigprocmask(SIG_SETMASK, POSIX::SigSet->new);
      $SIG{$_} = "DEFAULT" for qw(HUP INT QUIT PIPE TERM USR1 USR2);
      exec { $ARGV[0] } @ARGV or die "$ARGV[0]: $!\n"' "$@"
  ) </dev/null
}
# alive PID NAME: PID is a live process called NAME (guards against a recycled pid)
alive() { [ -n "${1:-}" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
pid_in() { [ -r "$1" ] && tr -dc '0-9' <"$1"; }
running() { alive "$(pid_in "${PIDFILE[$1]}")" "$1"; }                 # NAME runs, says its pid file
ours() { local p; p=$(pid_in "$STATE/$1.pid"); alive "$p" "$1" && [ "$p" = "$(pid_in "${PIDFILE[$1]}")" ]; }
record() { local p; p=$(pid_in "${PIDFILE[$1]}"); alive "$p" "$1" && echo "$p" >"$STATE/$1.pid"; }
munge_ok() { munge -n </dev/null 2>/dev/null | unmunge >/dev/null 2>&1; }
lasterr() { grep -aE 'fatal|error' "$1" 2>/dev/null | grep -v pmix | tail -n 1 | sed -e 's/^\[[^]]*\] *//' -e 's/^error: //'; }

# ------------------------------------------------------------------------------------ 1. packages
pkg_ok() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
if ! pkg_ok slurm-wlm || ! pkg_ok munge || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  before=""; for d in munged slurmctld slurmd; do running "$d" && before="$before $d"; done
  say "installing slurm-wlm and munge (log: $STATE/apt.log)"
  apt_install() { detached apt-get install -y --no-install-recommends slurm-wlm munge >>"$STATE/apt.log" 2>&1; }
  : >"$STATE/apt.log"
  if ! apt_install; then
    say "apt-get install failed; apt-get update and retry"
    { detached apt-get update >>"$STATE/apt.log" 2>&1 && apt_install; } \
      || fail "apt-get install slurm-wlm munge: $(grep -E '^E:' "$STATE/apt.log" | tail -n 1) (see $STATE/apt.log)"
  fi
  pkg_ok slurm-wlm && pkg_ok munge || fail "slurm-wlm/munge not installed after apt-get (see $STATE/apt.log)"
  # Where no policy-rc.d forbids it, the postinst scripts start munged (and slurmd/slurmctld if a
  # slurm.conf exists) through /etc/init.d. Those were started on our behalf: record them.
  for d in munged slurmctld slurmd; do
    case " $before " in *" $d "*) ;; *) running "$d" && record "$d" && say "$d was started by the package install" ;; esac
  done
fi

# --------------------------------------------------------------------- 2. munge key, directories
if [ ! -s "$KEY" ]; then
  say "creating $KEY"
  install -d -o munge -g munge -m 0700 /etc/munge
  mungekey --create --keyfile="$KEY" >/dev/null 2>&1 || dd if=/dev/urandom of="$KEY" bs=1024 count=1 status=none
  [ -s "$KEY" ] || fail "could not create $KEY"
fi
# munged refuses a key it does not own or that others can read
[ "$(stat -c %U:%G:%a "$KEY")" = munge:munge:400 ] || { chown munge:munge "$KEY" && chmod 0400 "$KEY"; } \
  || fail "cannot set owner munge and mode 0400 on $KEY"
install -d -o munge -g munge -m 0755 /run/munge          # what systemd's RuntimeDirectory= would create
install -d -o munge -g munge -m 0700 /var/log/munge
install -d -o munge -g munge -m 0711 /var/lib/munge
mkdir -p "$LOGDIR" /var/spool/slurmctld /var/spool/slurmd /etc/slurm || fail "cannot create the slurm directories"

# ---------------------------------------------------------------------------------- 3. munged
if ! munge_ok; then
  running munged && fail "munged (pid $(pid_in "${PIDFILE[munged]}")) runs but 'munge -n | unmunge' fails (see /var/log/munge/munged.log)"
  say "starting munged"
  detached runuser -u munge -- /usr/sbin/munged >>"$LOGDIR/munged.stdout" 2>&1   # forks, writes its pid file
  for _ in $(seq 50); do munge_ok && break; sleep 0.1; done
  munge_ok || fail "munged did not start: $(tail -n 1 /var/log/munge/munged.log 2>/dev/null) (see /var/log/munge/munged.log)"
  record munged
fi

# ------------------------------------------------------------------------------- 4. slurm.conf
hw=$(slurmd -C 2>/dev/null | head -n 1)    # NodeName=vm CPUs=2 Boards=1 ... RealMemory=24105
hwspec=$(sed -e 's/^NodeName=[^ ]* //' -e 's/ *UpTime=.*//' -e 's/ *$//' <<<"$hw")
case "$hwspec" in
  *CPUs=*RealMemory=*) ;;
  *) hwspec="CPUs=$(nproc) RealMemory=$(( $(sed -n 's/^MemTotal: *\([0-9]*\) kB/\1/p' /proc/meminfo) / 1024 ))" ;;
esac
newconf=$(cat <<EOF
$MARK (regenerated on every run: edits are lost).
# One-node cluster: controller and compute node "$NODE" on this machine; no accounting, no cgroups.
ClusterName=convpipe
SlurmctldHost=$NODE(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
# CPUs are the only consumable: N tasks with --cpus-per-task=1 run side by side on N CPUs
# (CR_Core_Memory without DefMemPerCPU would give every job all the memory: one job at a time)
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
# a job whose --dependency can never be satisfied (afterok on a failed job) is cancelled, not left pending
DependencyParameters=kill_invalid_depend
# finished jobs stay visible to "scontrol show job" / "squeue -j" this many seconds (nothing keeps them after)
MinJobAge=300
# SIGTERM at the time limit or scancel, SIGKILL this many seconds later
KillWait=30
ReturnToService=2
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=${PIDFILE[slurmctld]}
SlurmdPidFile=${PIDFILE[slurmd]}
SlurmctldLogFile=$LOGDIR/slurmctld.log
SlurmdLogFile=$LOGDIR/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE NodeAddr=127.0.0.1 $hwspec State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
)
conf_changed=0
if [ "$(cat "$CONF" 2>/dev/null)" != "$newconf" ]; then
  conf_changed=1
  if [ -e "$CONF" ] && ! grep -qF "$MARK" "$CONF"; then
    cp -p "$CONF" "$CONF.before-convpipe" && say "kept the previous $CONF as $CONF.before-convpipe"
  fi
  printf '%s\n' "$newconf" >"$CONF.tmp" && mv -f "$CONF.tmp" "$CONF" || fail "cannot write $CONF"
  say "wrote $CONF ($NODE: $hwspec)"
fi

# ---------------------------------------------------------------------- 5. slurmctld, slurmd
stop_ours() {   # NAME: stop a daemon this script started (its config changed)
  local p; p=$(pid_in "$STATE/$1.pid")
  kill -TERM "$p" 2>/dev/null
  for _ in $(seq 150); do alive "$p" "$1" || break; sleep 0.2; done
  alive "$p" "$1" && kill -KILL "$p"
  rm -f "$STATE/$1.pid"
}
if [ "$conf_changed" = 1 ]; then
  for d in slurmd slurmctld; do
    running "$d" || continue
    ours "$d" || fail "$d (pid $(pid_in "${PIDFILE[$d]}")) was not started by this script and runs with another slurm.conf: stop it first"
    say "restarting $d for the new slurm.conf"; stop_ours "$d"
  done
fi

start_daemon() {   # NAME: start a slurm daemon (it forks into the background and writes its pid file)
  say "starting $1"
  rm -f "${PIDFILE[$1]}"
  detached "/usr/sbin/$1" >>"$LOGDIR/$1.stdout" 2>&1
  for _ in $(seq 100); do running "$1" && break; sleep 0.1; done
  running "$1" || fail "$1 exited at start: $(lasterr "$LOGDIR/$1.log") (see $LOGDIR/$1.log)"
  record "$1"
}
ctld_up() { timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP'; }

running slurmctld || start_daemon slurmctld
deadline=$((SECONDS + 30))
until ctld_up; do
  running slurmctld || fail "slurmctld exited: $(lasterr "$LOGDIR/slurmctld.log") (see $LOGDIR/slurmctld.log)"
  [ "$SECONDS" -ge "$deadline" ] && fail "slurmctld does not answer 'scontrol ping' after 30 s (see $LOGDIR/slurmctld.log)"
  sleep 0.2
done

slurmd_since=0   # when we started slurmd: slurmctld may show the "idle" it saved before a restart
if ! running slurmd; then slurmd_since=$(date +%s); start_daemon slurmd; fi
registered() {   # slurmd has registered since $slurmd_since
  [ "$slurmd_since" = 0 ] && return 0
  local t; t=$(timeout 10 scontrol show node "$NODE" 2>/dev/null | sed -n 's/.*SlurmdStartTime=\([0-9T:-]*\).*/\1/p')
  [ -n "$t" ] && [ "$(date -d "$t" +%s 2>/dev/null || echo 0)" -ge "$slurmd_since" ]
}

# -------------------------------------------------------------------- 6. wait until it takes jobs
state=""; last_resume=0; deadline=$((SECONDS + TIMEOUT))
while :; do
  state=$(timeout 10 sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n 1)
  case "$state" in
    idle|mixed|allocated|completing) registered && break ;;   # a busy node is up too
    down*|drain*|fail*)                                       # ReturnToService=2 clears most of these
      if [ $((SECONDS - last_resume)) -ge 5 ]; then
        timeout 10 scontrol update nodename="$NODE" state=resume >/dev/null 2>&1 && say "resumed node $NODE (was $state)"
        last_resume=$SECONDS
      fi ;;
  esac
  running slurmd || fail "slurmd exited: $(lasterr "$LOGDIR/slurmd.log") (see $LOGDIR/slurmd.log)"
  running slurmctld || fail "slurmctld exited: $(lasterr "$LOGDIR/slurmctld.log") (see $LOGDIR/slurmctld.log)"
  if [ "$SECONDS" -ge "$deadline" ]; then
    reason=$(timeout 10 sinfo -h -N -n "$NODE" -o '%E' 2>/dev/null | head -n 1)
    fail "node $NODE is '${state:-not listed}'${reason:+ ($reason)} after $TIMEOUT s (see $LOGDIR/slurmd.log, $LOGDIR/slurmctld.log)"
  fi
  sleep 0.2
done

cpus=$(timeout 10 sinfo -h -N -n "$NODE" -o '%c' 2>/dev/null | head -n 1)
say "ready"
echo "slurm up: $NODE ${cpus:-?} cpus"
