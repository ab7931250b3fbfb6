"""ao_skill: the ao runtime contract for Python skill scripts (Python 3.11 stdlib only).

`ao run` puts this file's folder on PYTHONPATH and names it in $AO_LIB. A script:

    import ao_skill
    PARAMS = {"namespace": {"type": "string", "required": True},
              "dry_run": {"type": "boolean", "default": False}}
    params = ao_skill.load_params(PARAMS)      # $AO_PARAMS (JSON) under ao, else --namespace x --dry-run
    ...
    ao_skill.finish(lines, {"restarted": 3}, 0)  # summary -> $AO_SUMMARY (stdout by hand), outputs -> $AO_OUTPUT, exit

Contract:
- parameters: `load_params(spec)`; spec mirrors script.json's parameters_schema (type, default,
  required, minimum/maximum, enum); a bad value is one line on stderr and exit 2.
- summary: `summary(lines)` writes at most 40 lines / 4000 bytes of Markdown.
- outputs: `outputs(key=value, ...)` appends key=value lines.
- files: `workspace("raw.json")` is a path in the run's workspace (removed after the run);
  `artifacts("report.tsv")` a path in $AO_ARTIFACTS (kept with the run); `artifact(path)` cites either.
- errors: `fail_usage(msg)` (exit 2), `fail(msg, code)`; `for_each` runs items in parallel and
  records per-item failures; `kubectl`/`kubectl_list`/`aws` raise CommandError with the tool's
  first meaningful error line.
"""
from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
from typing import Any, Callable, Iterable, NoReturn

SUMMARY_MAX_LINES, SUMMARY_MAX_BYTES = 40, 4000


# --- errors, files ----------------------------------------------------------------------------

def fail(msg: str, code: int = 1) -> NoReturn:
    """One line on stderr (`<script>: msg`), then exit with `code`."""
    print(f"{os.path.basename(sys.argv[0])}: {msg}", file=sys.stderr)
    sys.exit(code)


def fail_usage(msg: str) -> NoReturn:
    """Bad input: one line on stderr, exit 2 (nothing was changed)."""
    fail(msg, 2)


def workspace(*parts: str) -> str:
    """The run's workspace ($AO_WORKSPACE; the current folder when run by hand), or a path in it."""
    return os.path.join(os.environ.get("AO_WORKSPACE") or os.getcwd(), *parts)


def artifacts(*parts: str) -> str:
    """A path in $AO_ARTIFACTS: files there are kept with the run after its workspace is removed
    (`ao runs show <id>` lists them). By hand (no ao), the current folder."""
    base = os.environ.get("AO_ARTIFACTS") or os.getcwd()
    os.makedirs(base, exist_ok=True)
    return os.path.join(base, *parts)


def artifact(path: str) -> str:
    """Cite a file in the summary. A file in $AO_ARTIFACTS is cited by name and where ao keeps it; a
    workspace file is removed after the run unless `--keep-workspace` is given, so say so under ao."""
    kept = os.environ.get("AO_ARTIFACTS")
    run = os.environ.get("AO_RUN_ID")
    if kept and os.path.abspath(path).startswith(os.path.abspath(kept) + os.sep):
        name = os.path.relpath(path, kept)
        return f"`{name}` in the run's artifacts (`ao runs show {run}`)"
    return f"`{path}`" + (" (kept with `ao run --keep-workspace`)" if run else "")


# --- parameters -------------------------------------------------------------------------------

class _ArgParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2
        fail_usage(message)


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
                fail_usage(f"parameter {name} must be >= {spec['minimum']}, got {number}")
            if "maximum" in spec and number > spec["maximum"]:
                fail_usage(f"parameter {name} must be <= {spec['maximum']}, got {number}")
            return number
        if kind == "array":
            items = [value] if isinstance(value, str) else list(value)
            return [str(item) for item in items]
        if isinstance(value, (dict, list)):
            raise ValueError(value)
        text = str(value)
        if "enum" in spec and text not in spec["enum"]:
            fail_usage(f"parameter {name} must be one of {', '.join(spec['enum'])}, got {text!r}")
        return text
    except (TypeError, ValueError):
        fail_usage(f"parameter {name}: expected {kind}, got {value!r}")


def load_params(spec: dict[str, dict], description: str | None = None) -> dict[str, Any]:
    """Parameters from $AO_PARAMS (JSON) when set, else from CLI args (`--dry-run`, `--no-dry-run`,
    `--items a --items b`). `spec` mirrors script.json: {name: {type, default, required, minimum,
    maximum, enum}} with type string|integer|boolean|array. `--help` shows `description`, by default
    the first line of the script's docstring."""
    path = os.environ.get("AO_PARAMS")
    if path:
        try:
            with open(path, encoding="utf-8") as fh:
                raw = json.load(fh)
        except (OSError, ValueError) as exc:
            fail_usage(f"cannot read AO_PARAMS {path}: {exc}")
        if not isinstance(raw, dict):
            fail_usage(f"AO_PARAMS {path} must hold a JSON object")
    else:
        if description is None:
            description = (getattr(sys.modules.get("__main__"), "__doc__", None) or "").strip()
        parser = _ArgParser(description=(description.splitlines() or [""])[0])
        for name, param in spec.items():
            flag = "--" + name.replace("_", "-")
            if param["type"] == "boolean":
                parser.add_argument(flag, dest=name, action=argparse.BooleanOptionalAction, default=None)
            elif param["type"] == "array":
                parser.add_argument(flag, dest=name, action="append")
            else:
                parser.add_argument(flag, dest=name)
        raw = vars(parser.parse_args())
    params = {}
    for name, param in spec.items():
        value = raw.get(name)
        if value is None:
            if param.get("required"):
                fail_usage(f"missing required parameter: {name}")
            params[name] = param.get("default")
        else:
            params[name] = _coerce(name, param, value)
    return params


# --- summary and outputs ----------------------------------------------------------------------

def summary(lines: list[str] | str) -> None:
    """Write the Markdown summary to $AO_SUMMARY (stdout when run by hand), cut to 40 lines / 4000 bytes."""
    if isinstance(lines, str):
        lines = lines.splitlines()
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


def outputs(values: dict[str, Any] | None = None, /, **kv: Any) -> None:
    """Append `key=value` lines (structured outputs) to $AO_OUTPUT; nothing when run by hand."""
    out = os.environ.get("AO_OUTPUT")
    if out:
        with open(out, "a", encoding="utf-8") as fh:
            for key, value in {**(values or {}), **kv}.items():
                fh.write(f"{key}={value}\n")


def finish(lines: list[str] | str, values: dict[str, Any], code: int) -> NoReturn:
    """summary(lines), outputs(values), then exit with `code` (0 done, 1 something failed)."""
    summary(lines)
    outputs(values)
    sys.exit(code)


# --- per-item work ----------------------------------------------------------------------------

class CommandError(Exception):
    """A command (kubectl, aws) failed; the message is its first meaningful error line."""


def for_each(items: Iterable, work: Callable[[Any], Any], *, concurrency: int = 8, log: str | None = None,
             label: Callable[[Any], str] = str) -> tuple[dict, dict[Any, str]]:
    """Run `work(item)` for every item in a thread pool; one failure never stops the others.
    Returns (done, failed): {item: result} and {item: reason}, in completion order. The reason is
    the message of a CommandError, else `Type: message` (cut to 200 chars). With `log` (a path),
    writes `ok   <label>: <result>` / `FAIL <label>: <reason>` there, one line per item."""
    done: dict = {}
    failed: dict[Any, str] = {}
    sink = open(log, "w", encoding="utf-8") if log else None
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=concurrency) as pool:
            futures = {pool.submit(work, item): item for item in items}
            for future in concurrent.futures.as_completed(futures):
                item = futures[future]
                try:
                    done[item] = future.result()
                    if sink:
                        sink.write(f"ok   {label(item)}: {done[item]}\n")
                except Exception as exc:  # per item: record, carry on
                    if isinstance(exc, CommandError):
                        failed[item] = str(exc) or type(exc).__name__
                    else:
                        failed[item] = f"{type(exc).__name__}: {exc}"[:200]
                    if sink:
                        sink.write(f"FAIL {label(item)}: {failed[item]}\n")
    finally:
        if sink:
            sink.close()
    return done, failed


def names_line(label: str, names: list[str], limit: int = 25) -> str:
    """`Label: a, b, c ... and N more`."""
    shown = ", ".join(names[:limit])
    return f"{label}: {shown}" + (f" ... and {len(names) - limit} more" if len(names) > limit else "")


# --- commands: kubectl, aws -------------------------------------------------------------------

KUBECTL_TIMEOUT = 120      # seconds per kubectl call
AWS_TIMEOUT = 120          # seconds per aws call


class KubectlError(CommandError):
    pass


class AwsError(CommandError):
    pass


def first_line(text: str, limit: int = 240) -> str:
    """The first meaningful line of a tool's output, skipping klog noise (E1121 06:06:46 ...)."""
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    plain = [line for line in lines if not re.match(r"^[IWEF]\d{4} \d", line)]
    return (plain or lines or [""])[0][:limit]


def _run(argv: list[str], timeout: int, error: type[CommandError], missing: str, limit: int,
         raw_file: str | None = None) -> str:
    """Run a command (an argument list, never a shell string); its stdout, or `error`."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except FileNotFoundError:
        fail(missing, 127)
    except subprocess.TimeoutExpired:
        raise error(f"{' '.join(argv[:3])} timed out after {timeout}s") from None
    if raw_file:
        with open(workspace(raw_file), "w", encoding="utf-8") as fh:
            fh.write(proc.stdout)
    if proc.returncode != 0:
        raise error(first_line(proc.stderr, limit) or f"{argv[0]} exited {proc.returncode}")
    return proc.stdout


def kubectl(args: list[str], timeout: int = KUBECTL_TIMEOUT) -> str:
    """`kubectl <args>`: its stdout; KubectlError on failure; exit 127 when kubectl is missing."""
    return _run(["kubectl", *args], timeout, KubectlError, "kubectl not found on PATH", 240)


def kubectl_list(args: list[str], raw_file: str) -> list[dict]:
    """`kubectl get <args> -o json`: keeps the raw JSON in the workspace, returns the items.
    A selector the server rejects is bad input (exit 2)."""
    try:
        out = kubectl(["get", *args, "-o", "json"])
    except KubectlError as exc:
        if re.search(r"unable to parse requirement|invalid (?:label )?selector|found '.*', expected", str(exc), re.I):
            fail_usage(f"invalid label selector: {exc}")
        raise
    with open(workspace(raw_file), "w", encoding="utf-8") as fh:
        fh.write(out)
    try:
        return json.loads(out or "{}").get("items", []) or []
    except ValueError as exc:
        raise KubectlError(f"unparsable kubectl output: {exc}") from None


def aws(args: list[str], region: str = "", timeout: int = AWS_TIMEOUT, raw_file: str | None = None) -> dict:
    """`aws <args> --output json [--region R]`: the parsed JSON; AwsError on failure; exit 127 when
    the CLI is missing. With raw_file, stdout is kept in the workspace (also when the call failed)."""
    argv = ["aws", *args, "--output", "json"] + (["--region", region] if region else [])
    out = _run(argv, timeout, AwsError, "aws CLI not found on PATH", 300, raw_file)
    try:
        return json.loads(out or "{}")
    except ValueError as exc:
        raise AwsError(f"unparsable aws output: {exc}") from None


# --- Kubernetes input checks ------------------------------------------------------------------

DNS_LABEL_RE = re.compile(r"^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$")
_LABEL_KEY = (r"(?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*/)?"
              r"[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?")
_LABEL_VALUE = r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?"
_REQUIREMENT = (rf"\s*(?:!\s*{_LABEL_KEY}|{_LABEL_KEY}(?:\s*(?:==?|!=)\s*{_LABEL_VALUE}"
                rf"|\s+(?:in|notin)\s*\(\s*{_LABEL_VALUE}(?:\s*,\s*{_LABEL_VALUE})*\s*\)|\s*[<>]\s*\d+)?)\s*")
SELECTOR_RE = re.compile(rf"{_REQUIREMENT}(?:,{_REQUIREMENT})*")


def check_namespace(namespace: str) -> str:
    """The namespace, or exit 2 when it is not a DNS-1123 label."""
    if not DNS_LABEL_RE.match(namespace or ""):
        fail_usage(f"invalid namespace {namespace!r}: must be a DNS-1123 label (lowercase letters, digits, '-')")
    return namespace


def check_selector(selector: str) -> str:
    """The stripped label selector ('' for none), or exit 2 when it does not parse."""
    selector = (selector or "").strip()
    if selector and not SELECTOR_RE.fullmatch(selector):
        fail_usage(f"invalid label selector {selector!r} (e.g. 'app=web', 'tier in (fe,be)', '!canary')")
    return selector
