#!/usr/bin/env python3
"""List the deployments whose pods are in CrashLoopBackOff; change nothing.

Two list calls (`kubectl get pods -o json`, `kubectl get replicasets -o json`), pod -> ReplicaSet ->
Deployment resolved through ownerReferences in memory. Writes `deployments=<JSON list of
{namespace, name, pods}>` to $AO_OUTPUT, for a workflow's for_each. Pods without a Deployment owner
are counted and named in the summary, never in the list.
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
    "namespace": {"type": "string", "default": ""},
    "max_deployments": {"type": "integer", "default": 100, "minimum": 1, "maximum": 500},
}

# ao keeps 64 KiB of outputs per run and drops a key that does not fit: stay well under it
MAX_OUTPUT_BYTES = 48 * 1024
NAMES_SHOWN = 10


def controller_of(obj: dict) -> dict | None:
    """The ownerReference with controller=true (else the first one), or None."""
    refs = obj.get("metadata", {}).get("ownerReferences") or []
    return next((ref for ref in refs if ref.get("controller")), refs[0] if refs else None)


def crashlooping(pod: dict) -> bool:
    """Any container (init included) waiting in CrashLoopBackOff; a pod being deleted does not count."""
    if pod.get("metadata", {}).get("deletionTimestamp"):
        return False
    status = pod.get("status") or {}
    return any(((c.get("state") or {}).get("waiting") or {}).get("reason") == "CrashLoopBackOff"
               for c in (status.get("initContainerStatuses") or []) + (status.get("containerStatuses") or []))


def names_text(keys: list[tuple[str, str]]) -> str:
    shown = ", ".join(f"{ns}/{name}" for ns, name in keys[:NAMES_SHOWN])
    return shown + (f" and {len(keys) - NAMES_SHOWN} more" if len(keys) > NAMES_SHOWN else "")


def main() -> None:
    params = ao_skill.load_params(PARAMS)
    namespace = params["namespace"].strip()
    if namespace:
        ao_skill.check_namespace(namespace)
    scope_args = ["-n", namespace] if namespace else ["-A"]
    scope = f"namespace `{namespace}`" if namespace else "all namespaces"
    title = f"# crashloop-find: {scope}"

    print(f"listing pods and replicasets in {scope.replace('`', '')}", flush=True)
    try:
        pods = ao_skill.kubectl_list(["pods", *scope_args], "pods.json")
        replicasets = ao_skill.kubectl_list(["replicasets", *scope_args], "replicasets.json")
    except ao_skill.KubectlError as exc:
        ao_skill.finish([title, f"Could not list pods/replicasets: {exc}"], {"error": f"kubectl: {exc}"}, 1)

    rs_owner = {}
    for rs in replicasets:
        meta = rs.get("metadata", {})
        rs_owner[(meta.get("namespace"), meta.get("name"))] = controller_of(rs)

    targets: dict[tuple[str, str], list[str]] = collections.defaultdict(list)   # deployment -> its crashing pods
    orphans: dict[str, str] = {}                                               # ns/pod -> why it is not listed
    for pod in pods:
        if not crashlooping(pod):
            continue
        meta = pod.get("metadata", {})
        ns, name = meta.get("namespace") or namespace, meta.get("name", "?")
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
    crashing = sum(len(p) for p in targets.values()) + len(orphans)
    listing = json.dumps([{"namespace": ns, "name": name, "pods": len(targets[(ns, name)])} for ns, name in keys],
                         separators=(",", ":"))
    counts = {"count": len(keys), "crashlooping_pods": crashing, "without_deployment": len(orphans)}
    if len(keys) > params["max_deployments"] or len(listing) > MAX_OUTPUT_BYTES:
        # a blast-radius brake: a workflow fans out over this list, so a surprising size stops it here
        why = (f"{len(keys)} deployments crash-loop in {scope}, more than max_deployments={params['max_deployments']}"
               if len(keys) > params["max_deployments"] else f"the list of {len(keys)} deployments is too long for one output")
        ao_skill.finish([title, f"{why}: refusing to hand back the list.",
                         "Narrow it with `namespace`, or raise `max_deployments` if that many is expected.", "",
                         f"First ones: {names_text(keys)}"],
                        {**counts, "error": why}, 1)

    if keys:
        lines = [title, f"{crashing} pods in CrashLoopBackOff: {crashing - len(orphans)} under {len(keys)} "
                        f"deployment{'' if len(keys) == 1 else 's'}, {len(orphans)} without a deployment.", "",
                 "Deployments (crash-looping pods):"]
        lines += [f"- `{ns}/{name}` ({len(targets[(ns, name)])})" for ns, name in keys[:20]]
        if len(keys) > 20:
            lines.append(f"- ... and {len(keys) - 20} more")
    else:
        lines = [title, "No pod under a deployment is in CrashLoopBackOff."
                 + (f" {len(orphans)} crash-looping pods have no Deployment owner." if orphans else "")]
    if orphans:
        lines += ["", "Not listed (no Deployment owner):"]
        lines += [f"- `{key}`: {reason}" for key, reason in sorted(orphans.items())[:10]]
        if len(orphans) > 10:
            lines.append(f"- ... and {len(orphans) - 10} more")
    ao_skill.finish(lines, {**counts, "names": names_text(keys), "deployments": listing}, 0)


if __name__ == "__main__":
    main()
