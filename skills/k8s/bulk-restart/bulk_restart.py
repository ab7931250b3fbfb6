#!/usr/bin/env python3
"""Rollout-restart every deployment in a namespace that matches a label selector.

One `kubectl get deployments -o json`, then `kubectl rollout restart` per deployment in a
thread pool. Per-item errors are recorded; the summary says what restarted and what failed.
"""
from __future__ import annotations

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


def restart(namespace: str, name: str) -> str:
    return ao_skill.first_line(ao_skill.kubectl(["rollout", "restart", f"deployment/{name}", "-n", namespace]))


def main() -> None:
    params = ao_skill.load_params(PARAMS)
    namespace = ao_skill.check_namespace(params["namespace"])
    selector = ao_skill.check_selector(params["selector"])
    dry_run = params["dry_run"]
    where = f"namespace `{namespace}`" + (f", selector `{selector}`" if selector else "")
    title = f"# bulk-restart: {where}" + (" (dry run)" if dry_run else "")

    print(f"listing deployments in {namespace}", flush=True)
    try:
        items = ao_skill.kubectl_list(["deployments", "-n", namespace] + (["-l", selector] if selector else []),
                                      "deployments.json")
    except ao_skill.KubectlError as exc:
        ao_skill.finish([title, f"Could not list deployments: {exc}"], {"matched": 0, "restarted": 0, "failed": 0}, 1)
    names = sorted(item["metadata"]["name"] for item in items)

    if not names:
        ao_skill.finish([title, "No deployments match; nothing restarted."], {"matched": 0, "restarted": 0, "failed": 0}, 0)
    if dry_run:
        ao_skill.finish([title, f"Would restart {len(names)} deployments.", "",
                         ao_skill.names_line("Would restart", names, 40)],
                        {"matched": len(names), "restarted": 0, "failed": 0, "dry_run": "true"}, 0)

    print(f"restarting {len(names)} deployments (concurrency {params['concurrency']})", flush=True)
    log = ao_skill.artifacts("restart.log")  # kept with the run; the workspace is removed
    restarted, failed = ao_skill.for_each(names, lambda name: restart(namespace, name),
                                          concurrency=params["concurrency"], log=log)

    lines = [title, f"Restarted {len(restarted)} of {len(names)} deployments, {len(failed)} failed."]
    if failed:
        lines += ["", "Failed:"] + [f"- `{name}`: {reason}" for name, reason in sorted(failed.items())[:15]]
        if len(failed) > 15:
            lines.append(f"- ... and {len(failed) - 15} more (restart.log)")
    if restarted:
        lines += ["", ao_skill.names_line("Restarted", sorted(restarted))]
    lines.append(f"\nPer-deployment log: {ao_skill.artifact(log)}")
    outputs = {"matched": len(names), "restarted": len(restarted), "failed": len(failed),
               "failed_names": ",".join(sorted(failed))}
    ao_skill.finish(lines, outputs, 1 if failed else 0)


if __name__ == "__main__":
    main()
