#!/usr/bin/env python3
"""Composition example: check every deployment's health, rollout-restart only the unhealthy ones.

Three reads (deployments, replicasets, pods: one `kubectl get -o json` each), health decided in
memory, then one `kubectl rollout restart` per unhealthy deployment in a thread pool. A
deployment is unhealthy when readyReplicas < replicas, or any of its pods is in
CrashLoopBackOff or not Ready.
"""
from __future__ import annotations

import collections
import json
import os
import sys

try:
    import ao_skill  # the ao contract; `ao run` puts its folder on PYTHONPATH and in AO_LIB
except ImportError:  # run by hand: AO_LIB names that folder, else say what to do (one line, exit 1)
    sys.path.insert(0, os.environ.get("AO_LIB") or sys.exit(f"{os.path.basename(sys.argv[0])}: ao_skill.py not found: run with `ao run`, or set PYTHONPATH to its folder"))
    import ao_skill

PARAMS = {
    "namespace": {"type": "string", "required": True},
    "selector": {"type": "string", "default": ""},
    "dry_run": {"type": "boolean", "default": False},
    "concurrency": {"type": "integer", "default": 8, "minimum": 1, "maximum": 64},
}


def controller_of(obj: dict) -> dict | None:
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return next((ref for ref in refs if ref.get("controller")), refs[0] if refs else None)


def pod_problems(pod: dict) -> tuple[bool, bool]:
    """(crash-looping, not ready) for one pod."""
    status = pod.get("status") or {}
    containers = (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
    crash = any(((c.get("state") or {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff" for c in containers)
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or [])
    return crash, not ready


def health(deploy: dict, pods: list[dict]) -> list[str]:
    """Reasons the deployment is unhealthy; empty when healthy."""
    spec, status = deploy.get("spec") or {}, deploy.get("status") or {}
    wanted = spec.get("replicas", 1)
    ready = status.get("readyReplicas") or 0
    reasons = []
    if ready < wanted:
        reasons.append(f"ready {ready}/{wanted}")
    crash = sum(1 for pod in pods if pod_problems(pod)[0])
    not_ready = sum(1 for pod in pods if pod_problems(pod)[1])
    if crash:
        reasons.append(f"{crash} pod{'s' if crash > 1 else ''} CrashLoopBackOff")
    if not_ready > crash:
        reasons.append(f"{not_ready} pod{'s' if not_ready > 1 else ''} not Ready")
    return reasons


def restart(namespace: str, name: str) -> str:
    return ao_skill.first_line(ao_skill.kubectl(["rollout", "restart", f"deployment/{name}", "-n", namespace]))


def main() -> None:
    params = ao_skill.load_params(PARAMS)
    namespace = ao_skill.check_namespace(params["namespace"])
    selector = ao_skill.check_selector(params["selector"])
    dry_run = params["dry_run"]
    title = f"# restart-unhealthy: namespace `{namespace}`" + (f", selector `{selector}`" if selector else "") \
        + (" (dry run)" if dry_run else "")

    # 1. read everything once
    print(f"reading deployments, replicasets and pods in {namespace}", flush=True)
    try:
        deployments = ao_skill.kubectl_list(["deployments", "-n", namespace] + (["-l", selector] if selector else []),
                                   "deployments.json")
        replicasets = ao_skill.kubectl_list(["replicasets", "-n", namespace], "replicasets.json")
        pods = ao_skill.kubectl_list(["pods", "-n", namespace], "pods.json")
    except ao_skill.KubectlError as exc:
        ao_skill.finish([title, f"Could not read the namespace: {exc}"], {"deployments": 0, "restarted": 0, "failed": 0}, 1)

    # 2. join pods -> replicaset -> deployment in memory
    rs_to_deploy = {}
    for rs in replicasets:
        owner = controller_of(rs)
        if owner and owner.get("kind") == "Deployment":
            rs_to_deploy[rs["metadata"]["name"]] = owner.get("name")
    pods_of: dict[str, list[dict]] = collections.defaultdict(list)
    for pod in pods:
        owner = controller_of(pod)
        if pod.get("metadata", {}).get("deletionTimestamp") or not owner or owner.get("kind") != "ReplicaSet":
            continue
        deploy = rs_to_deploy.get(owner.get("name"))
        if deploy:
            pods_of[deploy].append(pod)

    # 3. decide
    healthy: list[str] = []
    unhealthy: dict[str, str] = {}
    for deploy in sorted(deployments, key=lambda d: d["metadata"]["name"]):
        name = deploy["metadata"]["name"]
        reasons = health(deploy, pods_of[name])
        if reasons:
            paused = " (paused)" if (deploy.get("spec") or {}).get("paused") else ""
            unhealthy[name] = ", ".join(reasons) + paused
        else:
            healthy.append(name)

    # 4. act only on the unhealthy ones, each error recorded per deployment
    restarted: dict[str, str] = {}
    failed: dict[str, str] = {}
    if unhealthy and not dry_run:
        print(f"restarting {len(unhealthy)} unhealthy deployments", flush=True)
        restarted, failed = ao_skill.for_each(unhealthy, lambda name: restart(namespace, name),
                                              concurrency=params["concurrency"], log=ao_skill.artifacts("restart.log"))

    # 5. one summary
    total = len(deployments)
    if dry_run:
        status_line = f"{total} deployments: {len(healthy)} healthy, {len(unhealthy)} unhealthy (would restart)."
    else:
        status_line = (f"{total} deployments: {len(healthy)} healthy, {len(unhealthy)} unhealthy; "
                       f"restarted {len(restarted)}, failed {len(failed)}.")
    lines = [title, status_line]
    if unhealthy:
        lines += ["", "Would restart:" if dry_run else "Unhealthy:"]
        for name, reason in list(unhealthy.items())[:20]:
            outcome = "" if dry_run else (f" -> FAILED: {failed[name]}" if name in failed else " -> restarted")
            lines.append(f"- `{name}`: {reason}{outcome}")
        if len(unhealthy) > 20:
            lines.append(f"- ... and {len(unhealthy) - 20} more")
    if healthy:
        lines += ["", ao_skill.names_line("Healthy (left alone)", healthy, 30)]
    outputs = {"deployments": total, "healthy": len(healthy), "unhealthy": len(unhealthy),
               "restarted": len(restarted), "failed": len(failed), "restarted_names": ",".join(sorted(restarted)),
               # the decision as data: the workflow version (core/orchestrator-workflow) fans out over this list
               "unhealthy_names": json.dumps(sorted(unhealthy))}
    ao_skill.finish(lines, outputs, 1 if failed else 0)


if __name__ == "__main__":
    main()
