#!/usr/bin/env python3
"""Delete the pods in a given phase (Failed by default) older than an age, optionally by name regex.

One `kubectl get pods -o json` (one namespace or all), filtering in Python, then
`kubectl delete pod` per pod in a thread pool. Dry run (the default) only lists.
"""
from __future__ import annotations

import collections
import datetime
import os
import re
import sys

try:
    import ao_skill  # the ao contract; `ao run` puts its folder on PYTHONPATH and in AO_LIB
except ImportError:  # run by hand: AO_LIB names that folder, else say what to do (one line, exit 1)
    sys.path.insert(0, os.environ.get("AO_LIB") or sys.exit(f"{os.path.basename(sys.argv[0])}: ao_skill.py not found: run with `ao run`, or set PYTHONPATH to its folder"))
    import ao_skill

PARAMS = {
    "namespace": {"type": "string", "default": ""},
    "all_namespaces": {"type": "boolean", "default": False},
    "phase": {"type": "string", "default": "Failed",
              "enum": ["Failed", "Succeeded", "Pending", "Unknown", "Running"]},
    "older_than": {"type": "string", "default": "0s"},
    "name_pattern": {"type": "string", "default": ""},
    "dry_run": {"type": "boolean", "default": True},
    "concurrency": {"type": "integer", "default": 8, "minimum": 1, "maximum": 64},
}

DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    value = text.strip()
    if not re.fullmatch(r"(?:\d+[smhdw])+", value):
        ao_skill.fail_usage(f"parameter older_than: {text!r} is not a duration like 30m, 1h, 2d or 1h30m")
    return sum(int(n) * DURATION_UNITS[u] for n, u in re.findall(r"(\d+)([smhdw])", value))


def age_seconds(pod: dict, now: datetime.datetime) -> float | None:
    stamp = pod.get("metadata", {}).get("creationTimestamp")
    if not stamp:
        return None
    created = datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    return (now - created).total_seconds()


def human(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


def delete(namespace: str, name: str) -> str:
    try:
        return ao_skill.first_line(ao_skill.kubectl(["delete", "pod", name, "-n", namespace, "--wait=false"]))
    except ao_skill.KubectlError as exc:
        if "NotFound" in str(exc) or "not found" in str(exc):
            return "already gone"
        raise


def main() -> None:
    params = ao_skill.load_params(PARAMS)
    all_ns, namespace = params["all_namespaces"], params["namespace"].strip()
    if all_ns and namespace:
        ao_skill.fail_usage("give namespace or all_namespaces=true, not both")
    if not all_ns and not namespace:
        ao_skill.fail_usage("missing required parameter: namespace (or all_namespaces=true)")
    if namespace:
        ao_skill.check_namespace(namespace)
    min_age = parse_duration(params["older_than"])
    try:
        name_re = re.compile(params["name_pattern"]) if params["name_pattern"] else None
    except re.error as exc:
        ao_skill.fail_usage(f"invalid name_pattern {params['name_pattern']!r}: {exc}")
    phase, dry_run = params["phase"], params["dry_run"]
    scope = "all namespaces" if all_ns else f"namespace `{namespace}`"
    rule = f"phase {phase}, older than {params['older_than']}" + (f", name ~ `{params['name_pattern']}`" if name_re else "")
    title = f"# pod-cleanup: {scope}" + (" (dry run)" if dry_run else "")

    print(f"listing pods in {scope.replace('`', '')}", flush=True)
    try:
        pods = ao_skill.kubectl_list(["pods"] + (["-A"] if all_ns else ["-n", namespace]), "pods.json")
    except ao_skill.KubectlError as exc:
        ao_skill.finish([title, f"Could not list pods: {exc}"], {"scanned": 0, "matched": 0, "deleted": 0, "failed": 0}, 1)

    now = datetime.datetime.now(datetime.timezone.utc)
    matched: list[tuple[str, str, float]] = []
    for pod in pods:
        meta = pod.get("metadata", {})
        if (pod.get("status") or {}).get("phase") != phase or meta.get("deletionTimestamp"):
            continue
        age = age_seconds(pod, now)
        if age is None or age < min_age:
            continue
        if name_re and not name_re.search(meta.get("name", "")):
            continue
        matched.append((meta.get("namespace", namespace), meta["name"], age))
    matched.sort()
    per_ns = collections.Counter(ns for ns, _, _ in matched)
    head = [title, f"Rule: {rule}. Scanned {len(pods)} pods, {len(matched)} match."]
    if per_ns and all_ns:
        head.append("By namespace: " + ", ".join(f"`{ns}` {count}" for ns, count in per_ns.most_common(10))
                    + (f", {len(per_ns) - 10} more" if len(per_ns) > 10 else ""))

    if not matched or dry_run:
        lines = head + ([""] + [f"- would delete `{ns}/{name}` (age {human(age)})" for ns, name, age in matched[:25]]
                        if matched else [])
        if len(matched) > 25:
            lines.append(f"- ... and {len(matched) - 25} more (pods.json)")
        ao_skill.finish(lines, {"scanned": len(pods), "matched": len(matched), "deleted": 0, "failed": 0,
                       "dry_run": str(dry_run).lower()}, 0)

    print(f"deleting {len(matched)} pods (concurrency {params['concurrency']})", flush=True)
    log = ao_skill.artifacts("delete.log")  # kept with the run; the workspace is removed
    deleted, failed = ao_skill.for_each([f"{ns}/{name}" for ns, name, _ in matched],
                                        lambda key: delete(*key.split("/", 1)),
                                        concurrency=params["concurrency"], log=log)

    lines = head + [f"Deleted {len(deleted)} of {len(matched)} pods, {len(failed)} failed."]
    if failed:
        lines += ["", "Failed:"] + [f"- `{key}`: {reason}" for key, reason in sorted(failed.items())[:15]]
        if len(failed) > 15:
            lines.append(f"- ... and {len(failed) - 15} more (delete.log)")
    if deleted:
        lines += ["", ao_skill.names_line("Deleted", sorted(deleted), 20)]
    lines.append(f"\nPer-pod log: {ao_skill.artifact(log)}")
    ao_skill.finish(lines, {"scanned": len(pods), "matched": len(matched), "deleted": len(deleted), "failed": len(failed)},
           1 if failed else 0)


if __name__ == "__main__":
    main()
