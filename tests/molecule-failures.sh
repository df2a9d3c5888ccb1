#!/usr/bin/env bash
# Prints, for each failed Molecule log under DIR, what its cleanup's diagnostics said, then the
# play, task, first lines and msg of its last failures that were not ignored, in a few lines: a
# CI report often keeps only the end of a long make test output. The logs are also kept
# outside the checkout (AUDITLOG_FAILED_RUNS, by default under ~/.local/state), since a CI
# checkout is removed with them: the newest five runs that failed.
set -uo pipefail
dir=${1:?usage: molecule-failures.sh DIR}
kept_runs=${AUDITLOG_FAILED_RUNS:-${XDG_STATE_HOME:-$HOME/.local/state}/auditlog.fleet/failed-runs}
plain=$(mktemp)
trap 'rm -f "$plain"' EXIT
shopt -s nullglob

logs=("$dir"/*.log)
kept="$kept_runs/$(date -u +%Y%m%dT%H%M%SZ)-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
if [ ${#logs[@]} -gt 0 ] && mkdir -p "$kept" && cp "${logs[@]}" "$kept"/; then
    gzip -q "$kept"/*.log
    ls -1d "$kept_runs"/*/ | head -n -5 | xargs -r rm -rf
else
    kept=""
fi
for log in "$dir"/*.log; do
    sed -e 's/\x1b\[[0-9;]*m//g' "$log" >"$plain"
    # Molecule's closing summary counts a scenario whose idempotence failed as successful; the
    # action's own line does not. A run that ended without either (killed, or Molecule's own
    # error) is a failure too. grep reads a file, not a pipe: a pipe's writer that grep -q
    # leaves early dies of SIGPIPE, and pipefail then took a failed log for a clean one.
    if ! grep -q -E 'Executed: Failed|^CRITICAL ' "$plain" \
        && grep -q -E '^INFO +Molecule executed 1 scenario \(1 successful\)' "$plain"; then
        continue
    fi
    # What the hosts' services said (a scenario's cleanup.yml) first: what failed is printed
    # last, so that a report that keeps only the end of the output still shows it.
    sed -n '/^TASK \[Diagnostics: /,/^PLAY RECAP/p' "$plain" | cut -c1-300 | head -n 250
    echo "=== $(basename "$log" .log) failed (the whole log: $log)"
    if ! grep -q -E 'Executed: Failed|^CRITICAL ' "$plain"; then
        echo "Molecule did not say what failed; the log ends:"
        tail -n 60 "$plain" | cut -c1-300
        continue
    fi
    sed -e 's/^ *│ \{0,1\}//' "$plain" | awk '
        function flush() {
            if (block != "" && !ignored) { blocks[++count] = block }
            block = ""; ignored = 0; lines = 0
        }
        # The plays before the failed one name the check it belongs to when the failed play is
        # one of a shared playbook (verify.yml has four).
        /^PLAY \[/ {
            flush()
            if (play != "") {
                name = play; sub(/^PLAY \[/, "", name); sub(/\] \**$/, "", name)
                for (i = 1; i < 6; i++) { before[i] = before[i + 1] }
                before[6] = substr(name, 1, 60)
            }
            play = $0; next
        }
        /^TASK \[/ { flush(); task = $0; next }
        /^\.\.\.ignoring/ { ignored = 1; next }
        /^(fatal|failed): / {
            flush()
            earlier = ""
            for (i = 1; i <= 6; i++) { if (before[i] != "") { earlier = earlier (earlier == "" ? "" : " | ") before[i] } }
            block = "after: " earlier "\n" play "\n" task "\n" substr($0, 1, 400)
            lines = 1
            next
        }
        /^$/ { flush(); next }
        /^ERROR +Ansible return code/ { flush(); command = $0; next }
        # An idempotence failure names the tasks that changed on the second run.
        /^CRITICAL Idempotence test failed/ { flush(); idempotence = $0; listing = 1; next }
        listing && /^\*  => / { idempotence = idempotence "\n" $0; next }
        { listing = 0 }
        block != "" && lines < 6 { block = block "\n" substr($0, 1, 400); lines++; next }
        # An assertion says what it found in its msg, after the item it was given.
        block != "" && /^    "?msg"?: / { block = block "\n" substr($0, 1, 1500) }
        END {
            flush()
            for (i = (count > 2 ? count - 1 : 1); i <= count; i++) { print blocks[i] }
            if (idempotence != "") { print idempotence }
            if (command != "") { print command }
        }'
done
if [ -n "$kept" ]; then
    echo "The logs are kept in $kept"
fi
