#!/usr/bin/env python3
"""Check that named deployments rolled out and none of their pods crash-loop; change nothing.

Per namespace and round, three list calls (deployments, replicasets, pods), joined in memory. Rounds
repeat every few seconds until every deployment is rolled out and healthy or `wait` seconds have
passed. Rolled out: the controller saw the latest spec (observedGeneration), every replica runs the
new template (updatedReplicas), no old pod is left (replicas) and all are available. Healthy: rolled
out and no pod in CrashLoopBackOff.
"""
from __future__ import annotations

import collections
import os
import re
import sys
import time

try:
    import ao_skill  # the ao contract; `ao run` puts its folder on PYTHONPATH and in AO_LIB
except ImportError:  # run by hand: AO_LIB names that folder, else say what to do (one line, exit 1)
    sys.path.insert(0, os.environ.get("AO_LIB") or sys.exit(f"{os.path.basename(sys.argv[0])}: ao_skill.py not found: run with `ao run`, or set PYTHONPATH to its folder"))
    import ao_skill

PARAMS = {
    "deployments": {"type": "array", "default": []},
    "wait": {"type": "integer", "default": 60, "minimum": 0, "maximum": 600},
}

INTERVAL = 3          # seconds between rounds
MAX_DEPLOYMENTS = 500
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def controller_of(obj: dict) -> dict | None:
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return next((ref for ref in refs if ref.get("controller")), refs[0] if refs else None)


def crashlooping(pod: dict) -> bool:
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    status = pod.get("status") or {}
    return any(((c.get("state") or {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff"
               for c in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []))


def parse_targets(raw: list[str]) -> list[tuple[str, str]]:
    targets = []
    for text in raw:
        ns, _, name = text.strip().partition("/")
        if not ao_skill.DNS_LABEL_RE.match(ns) or not NAME_RE.match(name):
            ao_skill.fail_usage(f"deployments: {text!r} is not namespace/name")
        targets.append((ns, name))
    if len(set(targets)) > MAX_DEPLOYMENTS:
        ao_skill.fail_usage(f"deployments: {len(set(targets))} given, at most {MAX_DEPLOYMENTS}")
    return sorted(set(targets))


def state_of(deploy: dict | None, pods: list[dict]) -> tuple[str, str, int]:
    """(state, why, pods in CrashLoopBackOff); state is healthy, crashlooping, rolling, paused or missing."""
    if deploy is None:
        return "missing", "not found", 0
    spec, status = deploy.get("spec") or {}, deploy.get("status") or {}
    crashing = sum(1 for pod in pods if crashlooping(pod))
    crash_text = f"{crashing} pod{'s' if crashing > 1 else ''} in CrashLoopBackOff"
    if spec.get("paused"):
        return "paused", "paused (kubectl rollout resume)" + (f", {crash_text}" if crashing else ""), crashing
    if crashing:
        return "crashlooping", crash_text, crashing
    wanted = spec.get("replicas", 1)
    seen = status.get("observedGeneration", 0) >= deploy.get("metadata", {}).get("generation", 0)
    updated = status.get("updatedReplicas") or 0
    total = status.get("replicas") or 0
    available = status.get("availableReplicas") or 0
    if seen and updated >= wanted and total <= wanted and available >= wanted:
        return "healthy", f"{available}/{wanted} available", 0
    return "rolling", f"rollout not finished: {updated}/{wanted} updated, {available}/{wanted} available, {total} pods", 0


def check(targets: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str]]:
    """One round: the state of every target, from three list calls per namespace (the last round's JSON is kept)."""
    result = {}
    by_ns = collections.defaultdict(list)
    for ns, name in targets:
        by_ns[ns].append(name)
    for ns, names in sorted(by_ns.items()):
        try:
            deployments = ao_skill.kubectl_list(["deployments", "-n", ns], f"deployments-{ns}.json")
            replicasets = ao_skill.kubectl_list(["replicasets", "-n", ns], f"replicasets-{ns}.json")
            pods = ao_skill.kubectl_list(["pods", "-n", ns], f"pods-{ns}.json")
        except ao_skill.KubectlError as exc:
            for name in names:
                result[(ns, name)] = ("error", f"kubectl: {exc}", 0)
            continue
        by_name = {d["metadata"]["name"]: d for d in deployments}
        uid_to_deploy = {d["metadata"].get("uid"): d["metadata"]["name"] for d in deployments}
        rs_to_deploy = {}
        for rs in replicasets:
            owner = controller_of(rs)
            if owner and owner.get("kind") == "Deployment" and owner.get("uid") in uid_to_deploy:
                rs_to_deploy[rs["metadata"]["name"]] = uid_to_deploy[owner["uid"]]
        pods_of = collections.defaultdict(list)
        for pod in pods:
            owner = controller_of(pod)
            if owner and owner.get("kind") == "ReplicaSet" and owner.get("name") in rs_to_deploy:
                pods_of[rs_to_deploy[owner["name"]]].append(pod)
        for name in names:
            result[(ns, name)] = state_of(by_name.get(name), pods_of[name])
    return result


def main() -> None:
    params = ao_skill.load_params(PARAMS)
    targets = parse_targets(params["deployments"])
    wait = params["wait"]
    title = "# rollout-check"
    if not targets:
        ao_skill.finish([title, "No deployments to check."],
                        {"checked": 0, "healthy": 0, "crashlooping": 0, "unhealthy": 0, "problems": ""}, 0)

    print(f"checking {len(targets)} deployments (waiting up to {wait}s)", flush=True)
    deadline = time.monotonic() + wait
    while True:
        states = check(targets)
        pending = [key for key, (state, _, _) in states.items() if state in ("rolling", "crashlooping", "error")]
        # missing and paused deployments will not change by waiting
        if not pending or time.monotonic() + INTERVAL > deadline:
            break
        time.sleep(INTERVAL)

    healthy = [key for key, (state, _, _) in states.items() if state == "healthy"]
    bad = {key: value for key, value in states.items() if value[0] != "healthy"}
    crashing = [key for key, (_, _, pods) in bad.items() if pods]
    waited = f" after {wait}s" if wait and bad else ""
    lines = [title, f"{len(healthy)} of {len(targets)} deployments rolled out and healthy{waited}"
                    + (f"; {len(crashing)} still crash-looping" if crashing else "") + "."]
    if bad:
        lines += ["", "Not healthy:"] + [f"- `{ns}/{name}`: {why}" for (ns, name), (_, why, _) in sorted(bad.items())[:20]]
        if len(bad) > 20:
            lines.append(f"- ... and {len(bad) - 20} more")
    problems = "; ".join(f"{ns}/{name}: {why}" for (ns, name), (_, why, _) in sorted(bad.items())[:5])
    if len(bad) > 5:
        problems += f"; and {len(bad) - 5} more"
    ao_skill.finish(lines, {"checked": len(targets), "healthy": len(healthy), "crashlooping": len(crashing),
                            "unhealthy": len(bad), "problems": problems}, 1 if bad else 0)


if __name__ == "__main__":
    main()
