#!/usr/bin/env python3
"""Inventory the EC2 instances of one region: counts by state, instance type and a tag's value.

One `aws ec2 describe-instances` call, paginated by the CLI. Every instance goes to a CSV in
$AO_ARTIFACTS (kept with the run); the summary holds the counts.
"""
from __future__ import annotations

import collections
import csv
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
    "region": {"type": "string", "default": "us-east-1"},
    "tag": {"type": "string", "default": "Name"},
    "top": {"type": "integer", "default": 10, "minimum": 1, "maximum": 20},
    "page_size": {"type": "integer", "default": 1000, "minimum": 5, "maximum": 1000},
}

REGION_RE = re.compile(r"^[a-z]{2}(?:-[a-z]+)+-\d+$")
AWS_TIMEOUT = 600
STATE_ORDER = ["running", "pending", "stopping", "stopped", "shutting-down", "terminated"]
NONE = "(none)"


def describe_instances(region: str, page_size: int) -> list[dict]:
    data = ao_skill.aws(["ec2", "describe-instances", "--page-size", str(page_size)], region=region,
                        timeout=AWS_TIMEOUT, raw_file="describe-instances.json")
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
    params = ao_skill.load_params(PARAMS)
    region, tag_key, top = params["region"].strip(), params["tag"].strip(), params["top"]
    if not REGION_RE.match(region):
        ao_skill.fail_usage(f"parameter region: {region!r} is not an AWS region name like us-east-1")
    if not tag_key:
        ao_skill.fail_usage("parameter tag must not be empty")
    print(f"describing instances in {region}", flush=True)
    try:
        instances = describe_instances(region, params["page_size"])
    except ao_skill.AwsError as exc:
        ao_skill.finish([f"# EC2 inventory: {region} FAILED", f"`aws ec2 describe-instances` failed: {exc}"],
               {"total": 0, "error": str(exc)[:200]}, 1)

    by_state: collections.Counter = collections.Counter()
    by_type: collections.Counter = collections.Counter()
    by_tag: collections.Counter = collections.Counter()
    running_by_type: collections.Counter = collections.Counter()
    running_by_tag: collections.Counter = collections.Counter()
    csv_path = ao_skill.artifacts(f"ec2-inventory-{region}.csv")  # kept with the run; the workspace is removed
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
    lines.append(f"\nFull inventory ({total} rows): {ao_skill.artifact(csv_path)}")
    outputs = {"total": total, **{f"state_{s.replace('-', '_')}": by_state[s] for s in states},
               "instance_types": len(by_type), "tag_values": len(by_tag), "untagged": by_tag.get(NONE, 0),
               "by_state": json.dumps(dict(by_state), sort_keys=True), "csv": csv_path}
    ao_skill.finish(lines, outputs, 0)


if __name__ == "__main__":
    main()
