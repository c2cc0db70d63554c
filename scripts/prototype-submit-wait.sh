#!/usr/bin/env bash
# scripts/prototype-submit-wait.sh — PROTOTYPE, not used by convpipe or its tests.
#
# A bash model of what `convpipe submit JOB --slurm --tasks N --output OUT.h5 --wait` is meant to do,
# written to try the wait design recommended in scripts/README.md ("How a client should wait")
# against a real Slurm (scripts/slurm-up.sh). No accounting (sacct) needed.
#
# Usage:  prototype-submit-wait.sh [--dry-run] [--sbatch ARG]... N TASK_SCRIPT MERGE_SCRIPT
#   submits TASK_SCRIPT as an array job of N tasks (SLURM_ARRAY_TASK_ID = 0..N-1, one CPU each),
#   then MERGE_SCRIPT with --dependency=afterok:<array> --kill-on-invalid-dep=yes, both run in the
#   current directory with output in ./slurm-logs/%A_%a.out and ./slurm-logs/merge-%j.out;
#   then polls "scontrol show job -o <merge>" every CONVPIPE_POLL seconds (default 1) and reports.
# Exit status and last line on stdout:
#   0  "merge <id>: COMPLETED exit 0"
#   K  "merge <id>: FAILED exit K"                        the merge ran and exited with K (1 if killed by a signal)
#   4  "merge <id>: CANCELLED (DependencyNeverSatisfied); tasks failed: <k>=<STATE>:<exit>:<signal> ..."
#   5  "merge <id>: <STATE> ..."                          cancelled by someone, timeout, node failure, ...
#   6  submission failed, or the merge job's record vanished (purged after MinJobAge) before we saw its end
set -u
poll=${CONVPIPE_POLL:-1}
dry=0; extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry=1; shift ;;
    --sbatch) extra+=("$2"); shift 2 ;;
    --) shift; break ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[ $# = 3 ] || { echo "usage: $0 [--dry-run] [--sbatch ARG]... N TASK_SCRIPT MERGE_SCRIPT" >&2; exit 2; }
n=$1; task=$2; merge=$3
mkdir -p slurm-logs   # Slurm does not create the directory of --output: the job would fail (ExitCode=0:53)

array_cmd=(sbatch --parsable --array=0-$((n - 1)) --cpus-per-task=1 --chdir="$PWD"
           --job-name=proto-shard --output=slurm-logs/%A_%a.out "${extra[@]}" "$task")
merge_cmd=(sbatch --parsable --dependency=afterok:ARRAY --kill-on-invalid-dep=yes --chdir="$PWD"
           --job-name=proto-merge --output=slurm-logs/merge-%j.out "${extra[@]}" "$merge")
if [ "$dry" = 1 ]; then printf '%q ' "${array_cmd[@]}"; echo; printf '%q ' "${merge_cmd[@]}"; echo; exit 0; fi

# field NAME LINE: first NAME=value of a "scontrol show job -o" line (JobState, Reason, ExitCode and
# ArrayTaskId never contain spaces; JobName does, so keep it free of " JobState=" and the like)
field() { grep -oE "(^| )$1=[^ ]*" <<<"$2" | head -n 1 | sed -E "s/^ ?$1=//"; }
# submit: sbatch --parsable prints "<id>" or "<id>;<cluster>"
submit() { local out; out=$("$@" 2>&1) || { echo "submission failed: $out" >&2; return 1; }; echo "${out%%;*}"; }

A=$(submit "${array_cmd[@]}") || exit 6
merge_cmd=("${merge_cmd[@]/afterok:ARRAY/afterok:$A}")
M=$(submit "${merge_cmd[@]}") || { scancel "$A"; exit 6; }
echo "submitted: array $A ($n tasks), merge $M"

# ------------------------------------------------------------------------------------------ wait
errors_since=""
while :; do
  if ! line=$(scontrol show job -o "$M" 2>&1); then
    case "$line" in
      *"Invalid job id"*) echo "merge $M: no longer known to slurmctld (purged after MinJobAge?)"; exit 6 ;;
    esac
    # controller unreachable or busy: keep trying for 5 minutes before giving up
    errors_since=${errors_since:-$SECONDS}
    [ $((SECONDS - errors_since)) -gt 300 ] && { echo "merge $M: scontrol failing for 5 min: $line"; exit 6; }
    sleep "$poll"; continue
  fi
  errors_since=""
  state=$(field JobState "$line"); reason=$(field Reason "$line")
  case "$state" in
    PENDING)
      # only reachable where neither kill_invalid_depend nor --kill-on-invalid-dep took effect
      if [ "$reason" = DependencyNeverSatisfied ]; then scancel "$M"; state=CANCELLED; else sleep "$poll"; continue; fi ;;
    COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|PREEMPTED|BOOT_FAIL|DEADLINE|OUT_OF_MEMORY) ;;
    *) sleep "$poll"; continue ;;    # RUNNING, CONFIGURING, COMPLETING, SUSPENDED, REQUEUED, ...
  esac
  break
done

# ------------------------------------------------------------------------------------------ report
ec=$(field ExitCode "$line")          # "<exit status>:<signal>"
status=${ec%%:*}; sig=${ec##*:}
case "$state" in
  COMPLETED) echo "merge $M: COMPLETED exit $status"; exit 0 ;;
  FAILED)    [ "$sig" != 0 ] && status=1
             echo "merge $M: FAILED exit ${ec%%:*} signal $sig"; exit "$status" ;;
  CANCELLED)
    if [ "$reason" = DependencyNeverSatisfied ]; then
      # one call lists every task of the array (a never-started range shows as one record, e.g. ArrayTaskId=2-3)
      failed=""
      while read -r t; do
        [ -n "$t" ] || continue
        ts=$(field JobState "$t"); [ "$ts" = COMPLETED ] && continue
        failed="$failed $(field ArrayTaskId "$t")=$ts:$(field ExitCode "$t")"
      done < <(scontrol show job -o "$A" 2>/dev/null)
      echo "merge $M: CANCELLED (DependencyNeverSatisfied); tasks failed:${failed:- (array $A no longer known)}"
      exit 4
    fi ;;
esac
echo "merge $M: $state (Reason=$reason ExitCode=$ec)"
exit 5
