#!/usr/bin/env python3
"""Delete one pod so that its controller (ReplicaSet, StatefulSet, DaemonSet, Job) recreates it.

Refuses a pod without a controller: deleting it would not bring it back.
Exit 0 deleted, 1 kubectl failed, 2 bad input (bad name, pod not found, no controller).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys

NAME_RE = re.compile(r"^[a-z0-9](?:[-a-z0-9.]{0,251}[a-z0-9])?$")


def die(msg: str, code: int = 2) -> None:
    print(f"restart_pod.py: {msg}", file=sys.stderr)
    sys.exit(code)


def load_params() -> dict:
    if os.environ.get("AO_PARAMS"):
        try:
            with open(os.environ["AO_PARAMS"], encoding="utf-8") as fh:
                return json.load(fh)
        except (OSError, ValueError) as exc:
            die(f"cannot read AO_PARAMS: {exc}")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--pod", required=True)
    return vars(parser.parse_args())


def kubectl(*args: str) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(["kubectl", *args], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        die("kubectl not found on PATH", 127)
    except subprocess.TimeoutExpired:
        die(f"kubectl {args[0]} timed out", 1)


def report(text: str, outputs: dict, code: int) -> None:
    if os.environ.get("AO_SUMMARY"):
        with open(os.environ["AO_SUMMARY"], "w", encoding="utf-8") as fh:
            fh.write(text + "\n")
    else:
        print(text)
    if os.environ.get("AO_OUTPUT"):
        with open(os.environ["AO_OUTPUT"], "a", encoding="utf-8") as fh:
            fh.writelines(f"{k}={v}\n" for k, v in outputs.items())
    sys.exit(code)


def main() -> None:
    params = load_params()
    namespace, pod = str(params.get("namespace") or "default"), str(params.get("pod") or "")
    if not NAME_RE.match(pod) or not NAME_RE.match(namespace):
        die(f"invalid pod or namespace name: {namespace}/{pod}")
    got = kubectl("get", "pod", pod, "-n", namespace, "-o", "json")
    if got.returncode != 0:
        die(f"pod {namespace}/{pod}: {(got.stderr.strip().splitlines() or ['not found'])[-1]}")
    refs = json.loads(got.stdout).get("metadata", {}).get("ownerReferences") or []
    owner = next((r for r in refs if r.get("controller")), None)
    if owner is None:
        die(f"pod {namespace}/{pod} has no controller; deleting it would not recreate it (use kubectl delete if intended)")
    gone = kubectl("delete", "pod", pod, "-n", namespace, "--wait=false")
    if gone.returncode != 0:
        report(f"Failed to delete pod `{namespace}/{pod}`: {gone.stderr.strip()[:300]}", {"deleted": 0}, 1)
    report(f"Deleted pod `{namespace}/{pod}`; its controller {owner.get('kind')}/{owner.get('name')} will recreate it.",
           {"deleted": 1, "owner": f"{owner.get('kind')}/{owner.get('name')}"}, 0)


if __name__ == "__main__":
    main()
