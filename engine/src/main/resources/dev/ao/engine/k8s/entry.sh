# ao's entry point in a Kubernetes pod (sh /ao/entry.sh INTERPRETER... SCRIPT ARGS...).
# Kubernetes keeps one log for both streams: stdout lines pass as they are, stderr lines and, at the end, the
# summary and outputs the script wrote carry the run's marker, so that ao can put each back in its own file.
# The exit status is the script's: ao reads it from the container's terminated state, not from this log.
M="$AO_K8S_MARKER"
mkdir -p "$AO_ARTIFACTS" 2>/dev/null
: > "$AO_SUMMARY"
: > "$AO_OUTPUT"
tag() {
  while IFS= read -r l || [ -n "$l" ]; do printf '%s %s %s\n' "$M" "$1" "$l"; done
}
rcf="$AO_IO/.rc"
echo 1 > "$rcf"
{ { "$@" 2>&1 1>&3 3>&-; echo $? > "$rcf"; } | tag E; } 3>&1
rc=$(cat "$rcf" 2>/dev/null)
case "$rc" in ''|*[!0-9]*) rc=1 ;; esac
tag S < "$AO_SUMMARY"
tag O < "$AO_OUTPUT"
# the end mark: a last stdout line without its newline ends here, not inside a tagged line
printf '%s X %s\n' "$M" "$rc"
exit "$rc"
