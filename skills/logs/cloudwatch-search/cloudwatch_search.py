#!/usr/bin/env python3
"""Search CloudWatch Logs groups with a filter pattern; count matches per group and per message type.

Calls `aws logs filter-log-events` per group, following nextToken explicitly. Raw events go
to events.jsonl in the workspace; the summary holds counts and the top message types.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import sys

try:
    import ao_skill  # the ao contract; `ao run` puts its folder on PYTHONPATH and in AO_LIB
except ImportError:  # run by hand: AO_LIB names that folder, else say what to do (one line, exit 1)
    sys.path.insert(0, os.environ.get("AO_LIB") or sys.exit(f"{os.path.basename(sys.argv[0])}: ao_skill.py not found: run with `ao run`, or set PYTHONPATH to its folder"))
    import ao_skill

PARAMS = {
    "log_groups": {"type": "array", "default": []},
    "prefix": {"type": "string", "default": ""},
    "filter_pattern": {"type": "string", "default": ""},
    "start": {"type": "string", "default": "1h"},
    "end": {"type": "string", "default": "now"},
    "region": {"type": "string", "default": ""},
    "top": {"type": "integer", "default": 10, "minimum": 1, "maximum": 20},
    "max_events": {"type": "integer", "default": 100000, "minimum": 1},
}

TIME_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
MAX_TYPES = 5000    # distinct message types kept; the rest count as "(other)"

# --- message grouping (same rules as logs/error-summary) ---
EXC_RE = re.compile(
    r"(?<![\w$.])((?:[A-Za-z_$][\w$]*\.)*[A-Z][\w$]*(?:Exception|Error|Fault|Throwable|Panic))\b")
EXC_HINT_RE = re.compile("Exception|Error|Fault|Throwable|Panic")
LEVEL_RE = re.compile(r"\b(?:ERROR|ERR|FATAL|CRIT(?:ICAL)?|SEVERE|ALERT|EMERG|WARN(?:ING)?|INFO|DEBUG|TRACE)\b[\]:|]?\s*")
LEADING_TAGS_RE = re.compile(r"^(?:\[[^\]]*\]\s*|\([^)]*\)\s*)+")
VARIABLE_PARTS = [
    ("TS", r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?|\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"),
    ("UUID", r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b"),
    ("URL", r"\b[a-z][a-z0-9+.-]*://[^\s\"')]+"),
    ("EMAIL", r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    ("IP", r"\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b"),
    ("PATH", r"(?<![\w.])(?:~|\.{1,2})?(?:/[\w.@%+-]+){2,}/?"),
    ("N", r"\b[0-9a-fA-F]{8,}\b|\b\w*\d\w*\b"),
]
VARIABLE_RE = re.compile("|".join(f"(?P<{name}>{rx})" for name, rx in VARIABLE_PARTS))
QUOTED_RE = re.compile(r"\"[^\"]{0,120}\"|'[^']{0,120}'")


def message_key(message: str) -> str:
    """Exception class if named, else the message with ids/numbers/timestamps normalised."""
    first = message.strip().splitlines()[0] if message.strip() else ""
    match = EXC_RE.search(message) if EXC_HINT_RE.search(message) else None
    if match:
        return match.group(1)
    level = LEVEL_RE.search(first)
    text = first[level.end():] if level and level.start() < 120 else first
    text = LEADING_TAGS_RE.sub("", text.strip())
    if '"' in text or "'" in text:
        text = QUOTED_RE.sub("<STR>", text)
    text = " ".join(tok if tok.isalpha() else VARIABLE_RE.sub(lambda m: f"<{m.lastgroup}>", tok)
                    for tok in text.split())
    return text[:160] or "(empty message)"


def parse_time(text: str, now: dt.datetime, name: str) -> dt.datetime:
    """'now', relative ('90s', '15m', '1h', '2d', '1h30m': that long ago), epoch s/ms, or ISO 8601."""
    value = text.strip()
    if value.lower() == "now":
        return now
    if re.fullmatch(r"(?:\d+[smhdw])+", value):
        seconds = sum(int(n) * TIME_UNITS[u] for n, u in re.findall(r"(\d+)([smhdw])", value))
        return now - dt.timedelta(seconds=seconds)
    if re.fullmatch(r"\d{10}|\d{13}", value):
        number = int(value)
        return dt.datetime.fromtimestamp(number / 1000 if len(value) == 13 else number, dt.timezone.utc)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        ao_skill.fail_usage(f"parameter {name}: {text!r} is not ISO 8601, epoch, 'now' or a duration like 1h/30m/2d")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def search_group(group, params, start_ms, end_ms, sink, messages) -> dict:
    """Page through one group's matches; returns {'matches', 'truncated', 'pages'}."""
    base = ["logs", "filter-log-events", "--log-group-name", group, "--start-time", str(start_ms),
            "--end-time", str(end_ms), "--no-paginate"]
    if params["filter_pattern"]:
        base += ["--filter-pattern", params["filter_pattern"]]
    matches = pages = 0
    token, seen_tokens = None, set()
    while True:
        page = ao_skill.aws(base + (["--next-token", token] if token else []), params["region"])
        pages += 1
        for event in page.get("events", []):
            message = event.get("message", "")
            matches += 1
            sink.write(json.dumps({"group": group, "stream": event.get("logStreamName"),
                                   "timestamp": event.get("timestamp"), "message": message}) + "\n")
            key = message_key(message)
            if key not in messages and len(messages) >= MAX_TYPES:
                key = "(other message types)"
            entry = messages.get(key)
            if entry is None:
                messages[key] = [1, group, event.get("timestamp") or 0, message.strip()[:200]]
            else:
                entry[0] += 1
            if matches >= params["max_events"]:
                return {"matches": matches, "truncated": True, "pages": pages}
        token = page.get("nextToken")
        if not token or token in seen_tokens:
            return {"matches": matches, "truncated": False, "pages": pages}
        seen_tokens.add(token)


def fmt_time(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ")


def main() -> None:
    params = ao_skill.load_params(PARAMS)
    groups = [g.strip() for g in params["log_groups"] if g.strip()]
    prefix = params["prefix"].strip()
    if not groups and not prefix:
        ao_skill.fail_usage("give log_groups (one or more names) or prefix")
    if params["region"] and not REGION_RE.match(params["region"]):
        ao_skill.fail_usage(f"parameter region: {params['region']!r} is not an AWS region name like us-east-1")
    now = dt.datetime.now(dt.timezone.utc)
    start = parse_time(params["start"], now, "start")
    end = parse_time(params["end"], now, "end")
    if start >= end:
        ao_skill.fail_usage(f"start ({fmt_time(start)}) must be before end ({fmt_time(end)})")
    start_ms, end_ms = int(start.timestamp() * 1000), int(end.timestamp() * 1000)
    region_label = params["region"] or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "default region"

    failures: dict[str, str] = {}
    if prefix:
        try:
            listed = ao_skill.aws(["logs", "describe-log-groups", "--log-group-name-prefix", prefix], params["region"])
        except ao_skill.AwsError as exc:
            ao_skill.finish([f"# CloudWatch search failed", f"Could not list log groups with prefix `{prefix}`: {exc}"],
                   {"matches": 0, "groups_failed": 1}, 1)
        found = [g["logGroupName"] for g in listed.get("logGroups", [])]
        print(f"prefix {prefix}: {len(found)} log groups", flush=True)
        groups += [g for g in found if g not in groups]

    results: dict[str, dict] = {}
    messages: dict[str, list] = {}
    raw_path = ao_skill.workspace("events.jsonl")
    with open(raw_path, "w", encoding="utf-8") as sink:
        for index, group in enumerate(groups, 1):
            print(f"[{index}/{len(groups)}] {group}", flush=True)
            try:
                results[group] = search_group(group, params, start_ms, end_ms, sink, messages)
            except ao_skill.AwsError as exc:
                failures[group] = str(exc)

    total = sum(r["matches"] for r in results.values())
    with_hits = [g for g in groups if results.get(g, {}).get("matches")]
    pattern = params["filter_pattern"] or "(all events)"
    lines = [f"# CloudWatch search: `{pattern}`",
             f"{fmt_time(start)} .. {fmt_time(end)}, {region_label}: {total:,} events matched in "
             f"{len(with_hits)} of {len(groups)} log groups" + (f"; {len(failures)} failed." if failures else ".")]
    if prefix and not groups:
        lines.append(f"No log group matches prefix `{prefix}`.")
    if with_hits:
        lines += ["", "| log group | matches |", "|---|---|"]
        ranked_groups = sorted(with_hits, key=lambda g: -results[g]["matches"])
        for group in ranked_groups[:8]:
            flag = " (stopped at max_events)" if results[group]["truncated"] else ""
            lines.append(f"| `{group}` | {results[group]['matches']:,}{flag} |")
        if len(ranked_groups) > 8:
            lines.append(f"| {len(ranked_groups) - 8} more groups | {sum(results[g]['matches'] for g in ranked_groups[8:]):,} |")
    ranked = sorted(messages.items(), key=lambda kv: (-kv[1][0], kv[1][2]))
    if ranked:
        top = params["top"]
        lines += ["", f"Top {min(top, len(ranked))} of {len(ranked)} message types:", "",
                  "| # | count | message type | first seen |", "|---|---|---|---|"]
        for rank, (key, (count, group, stamp, example)) in enumerate(ranked[:top], 1):
            when = fmt_time(dt.datetime.fromtimestamp(stamp / 1000, dt.timezone.utc)) if stamp else "?"
            lines.append(f"| {rank} | {count:,} | `{key[:90]}` | {when} `{group}`: {example[:80].replace('|', '/')} |")
    if failures:
        lines += ["", "Failed:"] + [f"- `{g}`: {reason}" for g, reason in list(failures.items())[:8]]
        if len(failures) > 8:
            lines.append(f"- ... and {len(failures) - 8} more")
    lines.append(f"\nRaw events: {ao_skill.artifact(raw_path)}")
    outputs = {"matches": total, "pages": sum(r["pages"] for r in results.values()), "groups_searched": len(groups), "groups_with_matches": len(with_hits),
               "groups_failed": len(failures), "message_types": len(ranked), "events_file": raw_path}
    ao_skill.finish(lines, outputs, 1 if failures else 0)


if __name__ == "__main__":
    main()
