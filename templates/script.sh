#!/usr/bin/env bash
# Template: do one operation for every item, record per-item failures, hand back one summary.
#
# Runs as-is:  bash script.sh --items alpha --items beta --dry-run
# Parameters come from $AO_PARAMS (JSON, read with jq) when set, else from CLI arguments
# (--name value, booleans as bare flags, arrays by repeating the flag); ao passes both.
# To make it yours: edit the parameter list, collect_items (gather ALL inputs first) and
# process_item (one item; return non-zero to mark it failed). The rest is the ao contract.
# Exit 0 all succeeded, 1 any item failed, 2 bad input.
set -u -o pipefail          # no `set -e`: one failing item must not stop the loop

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

# --- parameters (mirror script.json) --------------------------------------------------
ITEMS=()
DRY_RUN=false
if [[ -n "${AO_PARAMS:-}" ]]; then
  [[ -r "$AO_PARAMS" ]] || die "cannot read AO_PARAMS $AO_PARAMS"
  command -v jq >/dev/null || die "jq is needed to read AO_PARAMS"
  jq -e 'type == "object"' "$AO_PARAMS" >/dev/null 2>&1 || die "AO_PARAMS $AO_PARAMS must hold a JSON object"
  mapfile -t ITEMS < <(jq -r '(.items // ["alpha","beta","gamma"]) | if type == "array" then .[] else . end' "$AO_PARAMS")
  DRY_RUN=$(jq -r 'if .dry_run == true then "true" else "false" end' "$AO_PARAMS")
else
  while (($#)); do
    case "$1" in
      --items) (($# >= 2)) || die "--items needs a value"; ITEMS+=("$2"); shift 2 ;;
      --dry-run) DRY_RUN=true; shift ;;
      --no-dry-run) DRY_RUN=false; shift ;;
      -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
      *) die "unrecognized argument: $1" ;;
    esac
  done
  ((${#ITEMS[@]})) || ITEMS=(alpha beta gamma)
fi

# --- ao runtime contract ---------------------------------------------------------------
WORKSPACE="${AO_WORKSPACE:-$PWD}"
# the workspace is removed after the run; $AO_ARTIFACTS is kept with it (ao runs show <id>)
RAW_LOG="${AO_ARTIFACTS:-$WORKSPACE}/raw.log"
: >"$RAW_LOG"

finish() {  # finish <exit-code>; summary text in $SUMMARY, outputs in $OUTPUTS
  local text
  text=$(printf '%s\n' "$SUMMARY" | head -n 40 | head -c 4000)
  if [[ -n "${AO_SUMMARY:-}" ]]; then printf '%s\n' "$text" >"$AO_SUMMARY"; else printf '%s\n' "$text"; fi
  if [[ -n "${AO_OUTPUT:-}" ]]; then printf '%s\n' "$OUTPUTS" >>"$AO_OUTPUT"; fi
  exit "$1"
}

# --- the operation ---------------------------------------------------------------------
collect_items() {  # gather every input first; fail here (exit 2) on bad input
  local item
  for item in "${ITEMS[@]}"; do
    [[ -n "$item" ]] || die "items must not contain empty strings"
  done
}

process_item() {  # process_item <item>: do the work for ONE item; non-zero = failed
  local item="$1" out rc
  if [[ "$DRY_RUN" == true ]]; then return 0; fi
  out=$(echo "processed $item" 2>&1); rc=$?
  printf '### %s (exit %s)\n%s\n' "$item" "$rc" "$out" >>"$RAW_LOG"
  if ((rc != 0)); then LAST_ERROR="${out%%$'\n'*}"; return "$rc"; fi
}

collect_items
echo "processing ${#ITEMS[@]} items"
DONE=()
FAILED=()
for item in "${ITEMS[@]}"; do
  LAST_ERROR=""
  if process_item "$item"; then
    DONE+=("$item")
  else
    FAILED+=("$item: ${LAST_ERROR:-failed}")
  fi
done

VERB=processed
[[ "$DRY_RUN" == true ]] && VERB="would process"
SUMMARY="# Template run$([[ "$DRY_RUN" == true ]] && echo ' (dry run)')
$VERB ${#DONE[@]} of ${#ITEMS[@]} items, ${#FAILED[@]} failed."
if ((${#FAILED[@]})); then
  SUMMARY+=$'\n\nFailed:'
  for line in "${FAILED[@]:0:15}"; do SUMMARY+=$'\n'"- $line"; done
fi
if ((${#DONE[@]})); then
  SUMMARY+=$'\n\n'"$VERB: $(IFS=,; echo "${DONE[*]:0:30}" | sed 's/,/, /g')"
fi
if [[ -n "${AO_ARTIFACTS:-}" ]]; then
  SUMMARY+=$'\n\n'"Raw output: \`raw.log\` in the run's artifacts (\`ao runs show ${AO_RUN_ID:-}\`)"
else
  SUMMARY+=$'\n\n'"Raw output: $RAW_LOG"
fi
OUTPUTS="total=${#ITEMS[@]}
succeeded=${#DONE[@]}
failed=${#FAILED[@]}"
if ((${#FAILED[@]})); then finish 1; else finish 0; fi
