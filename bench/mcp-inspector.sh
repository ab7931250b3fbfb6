#!/usr/bin/env bash
# ao mcp against a client nobody here wrote: the MCP Inspector's CLI lists ao's tools over stdio.
# Usage: bench/mcp-inspector.sh [--method tools/list | --method tools/call --tool-name search_skills --tool-arg query=logs]
# The inspector is installed into bench/target/inspector (npm registry), never into the repository.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
"$here/ao" --version >/dev/null   # builds the jar (and its class-data archive) if needed
dir="$here/bench/target/inspector"
if [ ! -x "$dir/node_modules/.bin/mcp-inspector" ]; then
  mkdir -p "$dir"
  npm install --silent --no-audit --no-fund --prefix "$dir" @modelcontextprotocol/inspector >&2
fi
[ "$#" -gt 0 ] || set -- --method tools/list
cd "$here"   # the project ao serves: its skills, its .ao run store
exec "$dir/node_modules/.bin/mcp-inspector" --cli "$here/ao" mcp "$@"
