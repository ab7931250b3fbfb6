#!/usr/bin/env python3
"""Restart, once each, the deployments whose pods are in CrashLoopBackOff.

Two list calls (`kubectl get pods -o json`, `kubectl get rs -o json`), pod -> ReplicaSet ->
Deployment resolved through ownerReferences in memory, each owning deployment restarted
exactly once (`kubectl rollout restart`). Pods without a Deployment owner are reported.
"""
from __future__ import annotations

import collections
import os
import sys

try:
    import ao_skill  # the ao contract; `ao run` puts its folder on PYTHONPATH and in AO_LIB
except ImportError:  # run by hand: AO_LIB names that folder, else say what to do (one line, exit 1)
    sys.path.insert(0, os.environ.get("AO_LIB") or sys.exit(f"{os.path.basename(sys.argv[0])}: ao_skill.py not found: run with `ao run`, or set PYTHONPATH to its folder"))
    import ao_skill

PARAMS = {
    "namespace": {"type": "string", "default": ""},
    "dry_run": {"type": "boolean", "default": False},
}

CONCURRENCY = 8


def controller_of(obj: dict) -> dict | None:
    """The ownerReference with controller=true (else the first one), or None."""
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return next((ref for ref in refs if ref.get("controller")), refs[0] if refs else None)


def crashlooping(pod: dict) -> list[str]:
    """Names of the pod's containers (init included) waiting in CrashLoopBackOff."""
    status = pod.get("status") or {}
    return [c.get("name", "?") for c in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or [])
            if ((c.get("state") or {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff"]


def restart(namespace: str, name: str) -> str:
    return ao_skill.first_line(ao_skill.kubectl(["rollout", "restart", f"deployment/{name}", "-n", namespace]))


def main() -> None:
    params = ao_skill.load_params(PARAMS)
    namespace = params["namespace"].strip()
    if namespace:
        ao_skill.check_namespace(namespace)
    scope_args = ["-n", namespace] if namespace else ["-A"]
    scope = f"namespace `{namespace}`" if namespace else "all namespaces"
    dry_run = params["dry_run"]
    title = f"# crashloop-restart: {scope}" + (" (dry run)" if dry_run else "")

    print(f"listing pods and replicasets in {scope.replace('`', '')}", flush=True)
    try:
        pods = ao_skill.kubectl_list(["pods", *scope_args], "pods.json")
        replicasets = ao_skill.kubectl_list(["replicasets", *scope_args], "replicasets.json")
    except ao_skill.KubectlError as exc:
        ao_skill.finish([title, f"Could not list pods/replicasets: {exc}"], {"crashlooping_pods": 0, "restarted": 0, "failed": 0}, 1)

    rs_owner = {}
    for rs in replicasets:
        meta = rs.get("metadata", {})
        rs_owner[(meta.get("namespace"), meta.get("name"))] = controller_of(rs)

    targets: dict[tuple[str, str], list[str]] = collections.defaultdict(list)   # deployment -> pods
    orphans: dict[str, str] = {}                                               # ns/pod -> reason
    crashing = 0
    for pod in pods:
        if not crashlooping(pod):
            continue
        crashing += 1
        meta = pod.get("metadata", {})
        ns, name = meta.get("namespace", namespace), meta.get("name", "?")
        owner = controller_of(pod)
        if owner is None:
            orphans[f"{ns}/{name}"] = "no owner (bare pod)"
        elif owner.get("kind") != "ReplicaSet":
            orphans[f"{ns}/{name}"] = f"owned by {owner.get('kind')}/{owner.get('name')}"
        elif (ns, owner.get("name")) not in rs_owner:
            orphans[f"{ns}/{name}"] = f"ReplicaSet {owner.get('name')} not found"
        else:
            deploy = rs_owner[(ns, owner.get("name"))]
            if deploy is None or deploy.get("kind") != "Deployment":
                orphans[f"{ns}/{name}"] = f"ReplicaSet {owner.get('name')} has no Deployment owner"
            else:
                targets[(ns, deploy["name"])].append(name)

    keys = sorted(targets)
    pods_covered = sum(len(targets[key]) for key in keys)
    namespaces = len({key.split("/")[0] for key in orphans} | {ns for ns, _ in keys})
    if crashing:
        lines = [title, f"{crashing} pods in CrashLoopBackOff ({namespaces} namespace{'s' if namespaces > 1 else ''}): "
                        f"{pods_covered} under {len(keys)} deployment{'' if len(keys) == 1 else 's'}, "
                        f"{len(orphans)} without a deployment."]
    else:
        lines = [title, "No pods in CrashLoopBackOff; nothing to do."]

    restarted: dict[tuple[str, str], str] = {}
    failed: dict[tuple[str, str], str] = {}
    if keys and not dry_run:
        print(f"restarting {len(keys)} deployments", flush=True)
        restarted, failed = ao_skill.for_each(keys, lambda key: restart(*key), concurrency=CONCURRENCY,
                                              log=ao_skill.artifacts("restart.log"), label="/".join)
        lines.append(f"Restarted {len(restarted)} of {len(keys)} deployments, {len(failed)} failed.")

    if keys:
        verb = "Would restart" if dry_run else "Deployments"
        lines += ["", f"{verb} (crash-looping pods):"]
        for ns, name in keys[:20]:
            mark = " FAILED: " + failed[(ns, name)] if (ns, name) in failed else ""
            lines.append(f"- `{ns}/{name}` ({len(targets[(ns, name)])}){mark}")
        if len(keys) > 20:
            lines.append(f"- ... and {len(keys) - 20} more")
    if orphans:
        lines += ["", "Not restarted (no Deployment owner):"]
        for key, reason in sorted(orphans.items())[:10]:
            lines.append(f"- `{key}`: {reason}")
        if len(orphans) > 10:
            lines.append(f"- ... and {len(orphans) - 10} more")
    outputs = {"crashlooping_pods": crashing, "deployments": len(keys), "restarted": len(restarted),
               "failed": len(failed), "pods_without_deployment": len(orphans),
               "restarted_names": ",".join(f"{ns}/{n}" for ns, n in sorted(restarted))}
    if dry_run:
        outputs["dry_run"] = "true"
    ao_skill.finish(lines, outputs, 1 if failed else 0)


if __name__ == "__main__":
    main()
