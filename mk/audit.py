"""`make check`'s dependency audit: pip-audit over the installed environment, said plainly.

pip-audit asks PyPI's JSON API about each installed version. Where that service cannot be
reached, or answers "not found" for every version (a mirror that serves only the package
index), pip-audit skips every package and still prints "No known vulnerabilities found" with
exit status 0, which reads as a pass. This wrapper tells the three cases apart:

- vulnerabilities found, or some packages could not be audited while others could: fail;
- nothing could be audited: say so in a banner, and fail only with AUDIT_STRICT=1
  (so `make check` stays usable offline; set it where an audit must happen);
- everything audited and clean: pass.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PIP_AUDIT = Path(sys.executable).with_name("pip-audit")
COMMAND = [str(PIP_AUDIT), "--local", "--skip-editable", "--progress-spinner", "off", "-f", "json"]


def _not_audited(reason: str) -> int:
    strict = os.environ.get("AUDIT_STRICT", "") not in ("", "0")
    print("=" * 78, file=sys.stderr)
    print("pip-audit: dependencies were NOT audited for known vulnerabilities.", file=sys.stderr)
    print(f"  {reason}", file=sys.stderr)
    print("  `make audit` fails in that case; `make check` only warns.", file=sys.stderr)
    print("=" * 78, file=sys.stderr)
    return 1 if strict else 0


def main() -> int:
    # a fixed argument list naming pip-audit beside this interpreter; no shell
    done = subprocess.run(COMMAND, capture_output=True, text=True, check=False)  # noqa: S603
    try:
        report = json.loads(done.stdout)
    except ValueError:
        detail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return _not_audited(f"pip-audit could not reach its vulnerability service: {detail}")
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if "skip_reason" in d]
    audited = [d for d in dependencies if "skip_reason" not in d]
    vulnerable = [d for d in audited if d.get("vulns")]
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixes = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            print(f"{dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
    if not audited and skipped:
        return _not_audited(
            f"PyPI answered 'not found' for all {len(skipped)} installed packages: its\n"
            "  /pypi/NAME/VERSION/json API is not served here (a mirror of the index only?)"
        )
    for dep in skipped:
        print(f"not audited: {dep['skip_reason']}")
    if vulnerable or skipped:
        return 1
    print(f"pip-audit: {len(audited)} packages audited, no known vulnerabilities")
    return 0


if __name__ == "__main__":
    sys.exit(main())
