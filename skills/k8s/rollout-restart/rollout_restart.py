#!/usr/bin/env python3
"""Rollout-restart one deployment by name: `kubectl rollout restart deployment/NAME -n NS`.

One call, one result, made to be fanned out by a workflow (one child run per deployment, each with
its own record and retries). Exit 0 restarted; 75 a transient API error (safe to retry: the request
did not change anything); 1 any other failure (not found, paused, forbidden, a timeout whose outcome
is unknown); 2 bad input.
"""
from __future__ import annotations

import os
import re
import sys

try:
    import ao_skill  # the ao contract; `ao run` puts its folder on PYTHONPATH and in AO_LIB
except ImportError:  # run by hand: AO_LIB names that folder, else say what to do (one line, exit 1)
    sys.path.insert(0, os.environ.get("AO_LIB") or sys.exit(f"{os.path.basename(sys.argv[0])}: ao_skill.py not found: run with `ao run`, or set PYTHONPATH to its folder"))
    import ao_skill

PARAMS = {
    "namespace": {"type": "string", "required": True},
    "deployment": {"type": "string", "required": True},
}

KUBECTL_TIMEOUT = 60
EX_TEMPFAIL = 75
# DNS-1123 subdomain: what the API server accepts as a deployment name
NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# errors where the API server cannot have applied the patch, so a retry cannot restart twice: no connection,
# or the server said it did not take the request. A dropped connection or an etcd timeout may have applied it.
TRANSIENT = re.compile(r"connection refused|connection to the server [^ ]+ was refused|no route to host"
                       r"|dial tcp [^ ]+: i/o timeout|TLS handshake timeout"
                       r"|server is currently unable to handle the request|Too Many Requests|\(ServiceUnavailable\)",
                       re.IGNORECASE)


def main() -> None:
    params = ao_skill.load_params(PARAMS)
    namespace = ao_skill.check_namespace(params["namespace"].strip())
    name = params["deployment"].strip()
    if len(name) > 253 or not NAME_RE.match(name):
        ao_skill.fail_usage(f"invalid deployment name {name!r}: lowercase letters, digits, '-' and '.'")
    target = f"{namespace}/{name}"
    base = {"namespace": namespace, "name": name, "deployment": target}

    print(f"restarting deployment {target}", flush=True)
    try:
        said = ao_skill.first_line(ao_skill.kubectl(["rollout", "restart", f"deployment/{name}", "-n", namespace],
                                                    timeout=KUBECTL_TIMEOUT))
    except ao_skill.KubectlError as exc:
        error = re.sub(r"^error: ", "", str(exc))
        if "timed out after" in error:
            error += " (the restart may or may not have been applied: see `kubectl rollout history`)"
            code = 1
        else:
            code = EX_TEMPFAIL if TRANSIENT.search(error) else 1
        retry = " (transient: a retry is safe)" if code == EX_TEMPFAIL else ""
        ao_skill.finish([f"Failed to restart deployment `{target}`: {error}{retry}"],
                        {**base, "restarted": "false", "error": error}, code)
    ao_skill.finish([f"Restarted deployment `{target}`: {said}"], {**base, "restarted": "true"}, 0)


if __name__ == "__main__":
    main()
