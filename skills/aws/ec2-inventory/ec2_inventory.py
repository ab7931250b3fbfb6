#!/usr/bin/env python3
"""Inventory the EC2 instances of one region: counts by state, instance type and a tag's value.

One `aws ec2 describe-instances` call, paginated by the CLI. Every instance goes to a CSV in
the workspace; the summary holds the counts.
"""
from __future__ import annotations

import argparse
import collections
import csv
import json
import os
import re
import subprocess
import sys

# --- ao runtime contract (identical block in every bundled script) -------------
PARAMS = {
    "region": {"type": "string", "default": "us-east-1"},
    "tag": {"type": "string", "default": "Name"},
    "top": {"type": "integer", "default": 10, "minimum": 1, "maximum": 20},
    "page_size": {"type": "integer", "default": 1000, "minimum": 5, "maximum": 1000},
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

REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
AWS_TIMEOUT = 600
STATE_ORDER = ["running", "pending", "stopping", "stopped", "shutting-down", "terminated"]
NONE = "(none)"


def describe_instances(region: str, page_size: int) -> list[dict]:
    command = ["aws", "ec2", "describe-instances", "--region", region, "--page-size", str(page_size),
               "--output", "json"]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=AWS_TIMEOUT)
    except FileNotFoundError:
        die("aws CLI not found on PATH", 127)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"describe-instances timed out after {AWS_TIMEOUT}s") from None
    with open(os.path.join(WORKSPACE, "describe-instances.json"), "w", encoding="utf-8") as raw:
        raw.write(proc.stdout)
    if proc.returncode != 0:
        lines = [line.strip() for line in proc.stderr.splitlines() if line.strip()]
        raise RuntimeError((lines[0] if lines else f"aws exited {proc.returncode}")[:300])
    data = json.loads(proc.stdout or "{}")
    return [inst for res in data.get("Reservations", []) for inst in res.get("Instances", [])]


def table(title: str, counter: collections.Counter, top: int, extra=None) -> list[str]:
    rows = counter.most_common()
    lines = ["", f"**{title}** ({len(rows)} distinct)", ""]
    lines.append("| value | instances |" + (" running |" if extra else ""))
    lines.append("|---|---|" + ("---|" if extra else ""))
    for value, count in rows[:top]:
        lines.append(f"| `{value}` | {count} |" + (f" {extra[value]} |" if extra else ""))
    if len(rows) > top:
        rest = sum(count for _, count in rows[top:])
        lines.append(f"| {len(rows) - top} more | {rest} |" + (" |" if extra else ""))
    return lines


def main() -> None:
    params = load_params()
    region, tag_key, top = params["region"].strip(), params["tag"].strip(), params["top"]
    if not REGION_RE.match(region):
        die(f"parameter region: {region!r} is not an AWS region name like us-east-1")
    if not tag_key:
        die("parameter tag must not be empty")
    print(f"describing instances in {region}", flush=True)
    try:
        instances = describe_instances(region, params["page_size"])
    except (RuntimeError, ValueError) as exc:
        finish([f"# EC2 inventory: {region} FAILED", f"`aws ec2 describe-instances` failed: {exc}"],
               {"total": 0, "error": str(exc)[:200]}, 1)

    by_state: collections.Counter = collections.Counter()
    by_type: collections.Counter = collections.Counter()
    by_tag: collections.Counter = collections.Counter()
    running_by_type: collections.Counter = collections.Counter()
    running_by_tag: collections.Counter = collections.Counter()
    csv_path = os.path.join(WORKSPACE, f"ec2-inventory-{region}.csv")
    with open(csv_path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["instance_id", "state", "instance_type", f"tag:{tag_key}", "name", "availability_zone",
                         "launch_time", "private_ip", "public_ip", "vpc_id", "subnet_id", "image_id",
                         "platform", "tags"])
        for inst in sorted(instances, key=lambda i: i.get("InstanceId", "")):
            tags = {t.get("Key"): t.get("Value", "") for t in inst.get("Tags", []) or []}
            state = (inst.get("State") or {}).get("Name", "unknown")
            itype = inst.get("InstanceType", "unknown")
            value = tags.get(tag_key) or NONE
            by_state[state] += 1
            by_type[itype] += 1
            by_tag[value] += 1
            if state == "running":
                running_by_type[itype] += 1
                running_by_tag[value] += 1
            writer.writerow([inst.get("InstanceId", ""), state, itype, tags.get(tag_key, ""), tags.get("Name", ""),
                             (inst.get("Placement") or {}).get("AvailabilityZone", ""), inst.get("LaunchTime", ""),
                             inst.get("PrivateIpAddress", ""), inst.get("PublicIpAddress", ""),
                             inst.get("VpcId", ""), inst.get("SubnetId", ""), inst.get("ImageId", ""),
                             inst.get("PlatformDetails") or inst.get("Platform", ""),
                             ";".join(f"{k}={v}" for k, v in sorted(tags.items()))])

    total = len(instances)
    states = sorted(by_state, key=lambda s: (STATE_ORDER.index(s) if s in STATE_ORDER else 99, s))
    lines = [f"# EC2 inventory: {region}",
             f"{total} instances" + (": " + ", ".join(f"{by_state[s]} {s}" for s in states) if total else ".")]
    if total:
        lines += table("By instance type", by_type, top, running_by_type)
        lines += table(f"By tag `{tag_key}`", by_tag, top, running_by_tag)
    lines.append(f"\nFull inventory ({total} rows): {artifact(csv_path)}")
    outputs = {"total": total, **{f"state_{s.replace('-', '_')}": by_state[s] for s in states},
               "instance_types": len(by_type), "tag_values": len(by_tag), "untagged": by_tag.get(NONE, 0),
               "by_state": json.dumps(dict(by_state), sort_keys=True), "csv": csv_path}
    finish(lines, outputs, 0)


if __name__ == "__main__":
    main()
