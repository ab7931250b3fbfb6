#!/usr/bin/env python3
"""Delete the pods in a given phase (Failed by default) older than an age, optionally by name regex.

One `kubectl get pods -o json` (one namespace or all), filtering in Python, then
`kubectl delete pod` per pod in a thread pool. Dry run (the default) only lists.
"""
from __future__ import annotations

import argparse
import collections
import concurrent.futures
import datetime
import json
import os
import re
import subprocess
import sys

# --- ao runtime contract (identical block in every bundled script) -------------
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


DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(text: str) -> int:
    value = text.strip()
    if not re.fullmatch(r"(?:\d+[smhdw])+", value):
        die(f"parameter older_than: {text!r} is not a duration like 30m, 1h, 2d or 1h30m")
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
        return first_line(kubectl(["delete", "pod", name, "-n", namespace, "--wait=false"]))
    except KubectlError as exc:
        if "NotFound" in str(exc) or "not found" in str(exc):
            return "already gone"
        raise


def main() -> None:
    params = load_params()
    all_ns, namespace = params["all_namespaces"], params["namespace"].strip()
    if all_ns and namespace:
        die("give namespace or all_namespaces=true, not both")
    if not all_ns and not namespace:
        die("missing required parameter: namespace (or all_namespaces=true)")
    if namespace:
        check_namespace(namespace)
    min_age = parse_duration(params["older_than"])
    try:
        name_re = re.compile(params["name_pattern"]) if params["name_pattern"] else None
    except re.error as exc:
        die(f"invalid name_pattern {params['name_pattern']!r}: {exc}")
    phase, dry_run = params["phase"], params["dry_run"]
    scope = "all namespaces" if all_ns else f"namespace `{namespace}`"
    rule = f"phase {phase}, older than {params['older_than']}" + (f", name ~ `{params['name_pattern']}`" if name_re else "")
    title = f"# pod-cleanup: {scope}" + (" (dry run)" if dry_run else "")

    print(f"listing pods in {scope.replace('`', '')}", flush=True)
    try:
        pods = kubectl_list(["pods"] + (["-A"] if all_ns else ["-n", namespace]), "pods.json")
    except KubectlError as exc:
        finish([title, f"Could not list pods: {exc}"], {"scanned": 0, "matched": 0, "deleted": 0, "failed": 0}, 1)

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
        finish(lines, {"scanned": len(pods), "matched": len(matched), "deleted": 0, "failed": 0,
                       "dry_run": str(dry_run).lower()}, 0)

    print(f"deleting {len(matched)} pods (concurrency {params['concurrency']})", flush=True)
    deleted: list[str] = []
    failed: dict[str, str] = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=params["concurrency"]) as pool, \
            open(os.path.join(WORKSPACE, "delete.log"), "w", encoding="utf-8") as log:
        futures = {pool.submit(delete, ns, name): f"{ns}/{name}" for ns, name, _ in matched}
        for future in concurrent.futures.as_completed(futures):
            key = futures[future]
            try:
                log.write(f"ok   {key}: {future.result()}\n")
                deleted.append(key)
            except Exception as exc:  # per item: record, carry on
                failed[key] = str(exc) or type(exc).__name__
                log.write(f"FAIL {key}: {failed[key]}\n")

    lines = head + [f"Deleted {len(deleted)} of {len(matched)} pods, {len(failed)} failed."]
    if failed:
        lines += ["", "Failed:"] + [f"- `{key}`: {reason}" for key, reason in sorted(failed.items())[:15]]
        if len(failed) > 15:
            lines.append(f"- ... and {len(failed) - 15} more (delete.log)")
    if deleted:
        lines += ["", names_line("Deleted", sorted(deleted), 20)]
    lines.append(f"\nPer-pod log: {artifact(os.path.join(WORKSPACE, 'delete.log'))}")
    finish(lines, {"scanned": len(pods), "matched": len(matched), "deleted": len(deleted), "failed": len(failed)},
           1 if failed else 0)


if __name__ == "__main__":
    main()
