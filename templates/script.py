#!/usr/bin/env python3
"""Template: do one operation for every item, record per-item failures, hand back one summary.

Runs as-is: `ao run ./script.py -p items=a,b -p dry_run=true`. To make it yours: edit PARAMS
(mirror script.json), `collect_items` (gather ALL inputs up front) and `process_item` (one
item; raise to mark it failed). The ao contract is in `ao_skill`, which `ao run` puts on
PYTHONPATH: parameters from $AO_PARAMS (or --flags), the summary to $AO_SUMMARY (stdout by
hand), key=value outputs to $AO_OUTPUT, exit 0 / 1 (an item failed) / 2 (bad input). To run
it with plain python3, set AO_LIB to the folder holding ao_skill.py.
"""
from __future__ import annotations

import os
import subprocess
import sys

try:
    import ao_skill  # the ao contract; `ao run` puts its folder on PYTHONPATH and in AO_LIB
except ImportError:  # run by hand: AO_LIB names that folder, else say what to do (one line, exit 1)
    sys.path.insert(0, os.environ.get("AO_LIB") or sys.exit(f"{os.path.basename(sys.argv[0])}: ao_skill.py not found: run with `ao run`, or set PYTHONPATH to its folder"))
    import ao_skill

PARAMS = {
    "items": {"type": "array", "default": ["alpha", "beta", "gamma"]},
    "dry_run": {"type": "boolean", "default": False},
    "concurrency": {"type": "integer", "default": 4, "minimum": 1, "maximum": 32},
}


def collect_items(params: dict) -> list[str]:
    """Gather every input first: one list call (`ao_skill.kubectl_list(["pods", "-n", ns], "pods.json")`,
    `ao_skill.aws(["ec2", "describe-instances"], region=r)`) or the given parameter.
    Raise ValueError for bad input (exit 2 before anything ran)."""
    items = [item.strip() for item in params["items"]]
    if any(not item for item in items):
        raise ValueError("items must not contain empty strings")
    return items


def process_item(item: str, params: dict, raw_log) -> str:
    """Do the work for ONE item and return a short result; raise on failure.
    Keep raw command output in raw_log (kept in the run's artifacts), not on stdout."""
    if params["dry_run"]:
        return "would process"
    proc = subprocess.run(["echo", f"processed {item}"], capture_output=True, text=True, timeout=60)
    raw_log.write(f"### {item} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
    if proc.returncode != 0:
        lines = proc.stderr.strip().splitlines()
        raise RuntimeError(lines[0] if lines else f"exit {proc.returncode}")
    return proc.stdout.strip()


def main() -> None:
    params = ao_skill.load_params(PARAMS)
    try:
        items = collect_items(params)
    except ValueError as exc:
        ao_skill.fail_usage(str(exc))
    print(f"processing {len(items)} items (concurrency {params['concurrency']})", flush=True)

    raw_path = ao_skill.artifacts("raw.log")  # kept with the run; the workspace is removed
    with open(raw_path, "w", encoding="utf-8") as raw_log:  # per item: a failure is recorded, the rest carry on
        done, failed = ao_skill.for_each(items, lambda item: process_item(item, params, raw_log),
                                         concurrency=params["concurrency"])

    verb = "would process" if params["dry_run"] else "processed"
    lines = [f"# Template run{' (dry run)' if params['dry_run'] else ''}",
             f"{verb} {len(done)} of {len(items)} items, {len(failed)} failed."]
    if failed:
        lines += ["", "Failed:"] + [f"- `{item}`: {reason}" for item, reason in sorted(failed.items())[:15]]
    if done:
        lines += ["", f"{verb.capitalize()}: " + ", ".join(sorted(done)[:30]) + (" ..." if len(done) > 30 else "")]
    lines.append(f"\nRaw output: {ao_skill.artifact(raw_path)}")
    ao_skill.finish(lines, {"total": len(items), "succeeded": len(done), "failed": len(failed)}, 1 if failed else 0)


if __name__ == "__main__":
    main()
