#!/bin/sh
# One night of a regression run: convpipe run JOB with --incremental (only what
# changed is computed; a night with nothing changed keeps the output as it is),
# --resume (a night stopped by a signal or a crash picks up where it stopped),
# --keep-going (one bad image does not cost the night), compared with the last
# good output OUT_DIR/last-good.h5 (--golden). The first night has nothing to
# compare with and makes it from its output when it exits 0; after that the
# reference changes only when you accept a night's new numbers:
# cp OUT_DIR/<job>.h5 OUT_DIR/last-good.h5 (a passing night matches it already,
# and replacing it would make the next night compare every item again).
#
#   scripts/nightly.sh JOB.json [OUT_DIR]      (CONVPIPE=path/to/convpipe to choose the binary)
#
# Writes OUT_DIR/<job>.h5, OUT_DIR/<job>-<date>T<time>-<pid>.jsonl (the log, one per run)
# and OUT_DIR/<job>-summary.json (the summary: "output_kept" says whether the night
# changed nothing); exits with convpipe's status (0 every check passed, 1 a check or
# golden comparison failed, 2 invalid job, 3 input or output unreadable, 4 items
# failed, 130/143 stopped by a signal).
set -u
job=${1:?usage: nightly.sh JOB.json [OUT_DIR]}
out=${2:-out}
convpipe=${CONVPIPE:-convpipe}
name=$(basename "$job" .json)
mkdir -p "$out" || exit 3
set -- run "$job" --output "$out/$name.h5" --incremental --resume --keep-going \
  --log "$out/$name-$(date +%FT%H%M%S)-$$.jsonl" --report "$out/$name-summary.json" --quiet
first=true
if [ -f "$out/last-good.h5" ]; then set -- "$@" --golden "$out/last-good.h5"; first=false; fi
"$convpipe" "$@"
status=$?
if [ "$status" -eq 0 ] && [ "$first" = true ]; then
  cp "$out/$name.h5" "$out/last-good.h5.tmp" && mv "$out/last-good.h5.tmp" "$out/last-good.h5"
fi
exit "$status"
