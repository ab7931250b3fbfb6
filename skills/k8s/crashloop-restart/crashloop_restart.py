#!/usr/bin/env python3
"""Restart, once each, the deployments whose pods are in CrashLoopBackOff.

Two list calls (`kubectl get pods -o json`, `kubectl get rs -o json`), pod -> ReplicaSet ->
Deployment resolved through ownerReferences in memory, each owning deployment restarted
exactly once (`kubectl rollout restart`). Pods without a Deployment owner are reported.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import json
import os
import re
import subprocess
import sys

# --- ao runtime contract (identical block in every bundled script) -------------
PARAMS = {
    "namespace": {"type": "string", "default": ""},
    "dry_run": {"type": "boolean", "default": False},
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

# --- kubectl helpers (identical block in every bundled k8s script) ---------------
KUBECTL_TIMEOUT = 120      # seconds per kubectl call
DNS_LABEL_RE = re.compile(r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$")
_LABEL_KEY = (r"(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?"
              r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_LABEL_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?"
_REQUIREMENT = (rf"\s*(?:!\s*{_LABEL_KEY}|{_LABEL_KEY}(?:\s*(?:==?|!=)\s*{_LABEL_VALUE}"
                rf"|\s+(?:in|notin)\s*\(\s*{_LABEL_VALUE}(?:\s*,\s*{_LABEL_VALUE})*\s*\)|\s*[<>]\s*\d+)?)\s*")
SELECTOR_RE = re.compile(rf"{_REQUIREMENT}(?:,{_REQUIREMENT})*")


class KubectlError(Exception):
    pass


def first_line(text: str, limit: int = 240) -> str:
    """The first meaningful line of kubectl output, skipping klog noise (E1121 06:06:46 ...)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    plain = [line for line in lines if not re.match(r"^[IWEF]\d{4} \d", line)]
    return (plain or lines or [""])[0][:limit]


def check_namespace(namespace: str) -> str:
    if not DNS_LABEL_RE.match(namespace or ""):
        die(f"invalid namespace {namespace!r}: must be a DNS-1123 label (lowercase letters, digits, '-')")
    return namespace


def check_selector(selector: str) -> str:
    selector = (selector or "").strip()
    if selector and not SELECTOR_RE.fullmatch(selector):
        die(f"invalid label selector {selector!r} (e.g. 'app=web', 'tier in (fe,be)', '!canary')")
    return selector


def kubectl(args: list[str], timeout: int = KUBECTL_TIMEOUT) -> str:
    """Run kubectl with an argument list (never a shell string); raise KubectlError on failure."""
    try:
        proc = subprocess.run(["kubectl", *args], capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        die("kubectl not found on PATH", 127)
    except subprocess.TimeoutExpired:
        raise KubectlError(f"kubectl {' '.join(args[:2])} timed out after {timeout}s") from None
    if proc.returncode != 0:
        raise KubectlError(first_line(proc.stderr) or f"kubectl exited {proc.returncode}")
    return proc.stdout


def kubectl_list(args: list[str], raw_file: str) -> list[dict]:
    """`kubectl get <args> -o json`: keeps the raw JSON in the workspace, returns the items.
    A selector the server rejects is bad input (exit 2)."""
    try:
        out = kubectl(["get", *args, "-o", "json"])
    except KubectlError as exc:
        if re.search(r"unable to parse requirement|invalid (?:label )?selector|found '.*', expected", str(exc), re.I):
            die(f"invalid label selector: {exc}")
        raise
    with open(os.path.join(WORKSPACE, raw_file), "w", encoding="utf-8") as fh:
        fh.write(out)
    try:
        return json.loads(out or "{}").get("items", []) or []
    except ValueError as exc:
        raise KubectlError(f"unparsable kubectl output: {exc}") from None


def names_line(label: str, names: list[str], limit: int = 25) -> str:
    shown = ", ".join(names[:limit])
    return f"{label}: {shown}" + (f" ... and {len(names) - limit} more" if len(names) > limit else "")
# --- end of kubectl helpers --------------------------------------------------------


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
    return first_line(kubectl(["rollout", "restart", f"deployment/{name}", "-n", namespace]))


def main() -> None:
    params = load_params()
    namespace = params["namespace"].strip()
    if namespace:
        check_namespace(namespace)
    scope_args = ["-n", namespace] if namespace else ["-A"]
    scope = f"namespace `{namespace}`" if namespace else "all namespaces"
    dry_run = params["dry_run"]
    title = f"# crashloop-restart: {scope}" + (" (dry run)" if dry_run else "")

    print(f"listing pods and replicasets in {scope.replace('`', '')}", flush=True)
    try:
        pods = kubectl_list(["pods", *scope_args], "pods.json")
        replicasets = kubectl_list(["replicasets", *scope_args], "replicasets.json")
    except KubectlError as exc:
        finish([title, f"Could not list pods/replicasets: {exc}"], {"crashlooping_pods": 0, "restarted": 0, "failed": 0}, 1)

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

    restarted: list[tuple[str, str]] = []
    failed: dict[tuple[str, str], str] = {}
    if keys and not dry_run:
        print(f"restarting {len(keys)} deployments", flush=True)
        with concurrent.futures.ThreadPoolExecutor(max_workers=CONCURRENCY) as pool, \
                open(os.path.join(WORKSPACE, "restart.log"), "w", encoding="utf-8") as log:
            futures = {pool.submit(restart, ns, name): (ns, name) for ns, name in keys}
            for future in concurrent.futures.as_completed(futures):
                key = futures[future]
                try:
                    log.write(f"ok   {key[0]}/{key[1]}: {future.result()}\n")
                    restarted.append(key)
                except Exception as exc:  # per item: record, carry on
                    failed[key] = str(exc) or type(exc).__name__
                    log.write(f"FAIL {key[0]}/{key[1]}: {failed[key]}\n")
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
    finish(lines, outputs, 1 if failed else 0)


if __name__ == "__main__":
    main()
