#!/usr/bin/env python3
"""Template: do one operation for every item, record per-item failures, hand back one summary.

Runs as-is (`python3 script.py --items a --items b --dry-run`). To make it yours: edit PARAMS
(mirror script.json), `collect_items` (gather ALL inputs up front) and `process_item` (one
item; raise to mark it failed). Everything else is the ao contract and can stay.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

# --- ao runtime contract (identical block in every bundled script) -------------
# Mirror of script.json's parameters_schema: type, default, required, minimum/maximum, enum.
PARAMS = {
    "items": {"type": "array", "default": ["alpha", "beta", "gamma"]},
    "dry_run": {"type": "boolean", "default": False},
    "concurrency": {"type": "integer", "default": 4, "minimum": 1, "maximum": 32},
}
SUMMARY_MAX_LINES, SUMMARY_MAX_BYTES = 40, 4000
WORKSPACE = os.environ.get("AO_WORKSPACE") or os.getcwd()


def die(msg: str, code: int = 2) -> None:
    """One-line error on stderr, then exit (2 = bad input)."""
    print(f"{os.path.basename(sys.argv[0])}: {msg}", file=sys.stderr)
    sys.exit(code)


class _ArgParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2
        die(message)


def _coerce(name: str, spec: dict, value):
    kind = spec["type"]
    try:
        if kind == "boolean":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "1", "yes"):
                return True
            if text in ("false", "0", "no", ""):
                return False
            raise ValueError(value)
        if kind == "integer":
            if isinstance(value, bool):
                raise ValueError(value)
            number = int(value)
            if "minimum" in spec and number < spec["minimum"]:
                die(f"parameter {name} must be >= {spec['minimum']}, got {number}")
            if "maximum" in spec and number > spec["maximum"]:
                die(f"parameter {name} must be <= {spec['maximum']}, got {number}")
            return number
        if kind == "array":
            items = [value] if isinstance(value, str) else list(value)
            return [str(item) for item in items]
        if isinstance(value, (dict, list)):
            raise ValueError(value)
        text = str(value)
        if "enum" in spec and text not in spec["enum"]:
            die(f"parameter {name} must be one of {', '.join(spec['enum'])}, got {text!r}")
        return text
    except (TypeError, ValueError):
        die(f"parameter {name}: expected {kind}, got {value!r}")


def load_params() -> dict:
    """Params from $AO_PARAMS (JSON) when set, else from CLI args (--dry-run style)."""
    path = os.environ.get("AO_PARAMS")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                raw = json.load(fh)
        except (OSError, ValueError) as exc:
            die(f"cannot read AO_PARAMS {path}: {exc}")
        if not isinstance(raw, dict):
            die(f"AO_PARAMS {path} must hold a JSON object")
    else:
        parser = _ArgParser(description=(__doc__ or "").strip().splitlines()[0])
        for name, spec in PARAMS.items():
            flag = "--" + name.replace("_", "-")
            if spec["type"] == "boolean":
                parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None)
            elif spec["type"] == "array":
                parser.add_argument(flag, dest=name, action="append")
            else:
                parser.add_argument(flag, dest=name)
        raw = vars(parser.parse_args())
    params = {}
    for name, spec in PARAMS.items():
        value = raw.get(name)
        if value is None:
            if spec.get("required"):
                die(f"missing required parameter: {name}")
            params[name] = spec.get("default")
        else:
            params[name] = _coerce(name, spec, value)
    return params


def finish(lines: list[str], outputs: dict, code: int) -> None:
    """Write the bounded Markdown summary ($AO_SUMMARY or stdout) and outputs, then exit."""
    if len(lines) > SUMMARY_MAX_LINES:
        lines = lines[: SUMMARY_MAX_LINES - 1] + [f"... ({len(lines) - SUMMARY_MAX_LINES + 1} more lines cut)"]
    text = "\n".join(lines).rstrip() + "\n"
    if len(text.encode()) > SUMMARY_MAX_BYTES:
        text = text.encode()[: SUMMARY_MAX_BYTES - 20].decode(errors="ignore").rstrip() + "\n... (cut)\n"
    target = os.environ.get("AO_SUMMARY")
    if target:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(text)
    else:
        sys.stdout.write(text)
    out = os.environ.get("AO_OUTPUT")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            for key, value in outputs.items():
                fh.write(f"{key}={value}\n")
    sys.exit(code)

def artifact(path: str) -> str:
    """Cite a workspace file in the summary; ao removes the workspace after a run unless
    `--keep-workspace` is given, so say so when running under ao."""
    return f"`{path}`" + (" (kept with `ao run --keep-workspace`)" if os.environ.get("AO_RUN_ID") else "")
# --- end of ao runtime contract -------------------------------------------------


def collect_items(params: dict) -> list[str]:
    """Gather every input first: one list call (`kubectl get ... -o json`, `aws ... --output json`)
    or the given parameter. Raise ValueError for bad input (exit 2 before anything ran)."""
    items = [item.strip() for item in params["items"]]
    if any(not item for item in items):
        raise ValueError("items must not contain empty strings")
    return items


def process_item(item: str, params: dict, raw_log) -> str:
    """Do the work for ONE item and return a short result; raise on failure.
    Keep raw command output in the workspace (raw_log), not on stdout."""
    if params["dry_run"]:
        return "would process"
    proc = subprocess.run(["echo", f"processed {item}"], capture_output=True, text=True, timeout=60)
    raw_log.write(f"### {item} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise RuntimeError(lines[0] if lines else f"exit {proc.returncode}")
    return proc.stdout.strip()


def main() -> None:
    params = load_params()
    try:
        items = collect_items(params)
    except ValueError as exc:
        die(str(exc))
    print(f"processing {len(items)} items (concurrency {params['concurrency']})", flush=True)

    done: dict[str, str] = {}
    failed: dict[str, str] = {}
    with open(os.path.join(WORKSPACE, "raw.log"), "w", encoding="utf-8") as raw_log, \
            concurrent.futures.ThreadPoolExecutor(max_workers=params["concurrency"]) as pool:
        futures = {pool.submit(process_item, item, params, raw_log): item for item in items}
        for future in concurrent.futures.as_completed(futures):
            item = futures[future]
            try:
                done[item] = future.result()
            except Exception as exc:  # per-item: record and carry on
                failed[item] = f"{type(exc).__name__}: {exc}"[:200]

    verb = "would process" if params["dry_run"] else "processed"
    lines = [f"# Template run{' (dry run)' if params['dry_run'] else ''}",
             f"{verb} {len(done)} of {len(items)} items, {len(failed)} failed."]
    if failed:
        lines += ["", "Failed:"] + [f"- `{item}`: {reason}" for item, reason in sorted(failed.items())[:15]]
    if done:
        lines += ["", f"{verb.capitalize()}: " + ", ".join(sorted(done)[:30]) + (" ..." if len(done) > 30 else "")]
    lines.append(f"\nRaw output: {artifact(os.path.join(WORKSPACE, 'raw.log'))}")
    finish(lines, {"total": len(items), "succeeded": len(done), "failed": len(failed)}, 1 if failed else 0)


if __name__ == "__main__":
    main()
