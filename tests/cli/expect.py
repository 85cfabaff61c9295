#!/usr/bin/env python3
"""Runs one pictor-cli end-to-end check: the command's exit status AND its output.

usage: expect.py --exit N [--regex RE] [--not-regex RE] [--needs PATH]... -- COMMAND [ARGS...]

- --exit N      the status the command must end with (a test that only matched output passed
                even when the command crashed after printing it)
- --regex RE    must match stdout+stderr (Python re, DOTALL: '.' crosses lines)
- --not-regex   must not match
- --needs PATH  fixture paths the command reads. When one is missing the check prints
                PICTOR_SKIPPED (ctest reports a skip) - except under CI=true, where it fails:
                CI never skips a golden or end-to-end test.
"""
import os
import re
import subprocess
import sys


def main(argv):
    if "--" not in argv:
        print("expect.py: missing -- before the command", file=sys.stderr)
        return 2
    split = argv.index("--")
    opts, command = argv[:split], argv[split + 1:]
    expected_exit, regexes, not_regexes, needs = None, [], [], []
    i = 0
    while i < len(opts):
        name, value = opts[i], opts[i + 1] if i + 1 < len(opts) else None
        if value is None:
            print(f"expect.py: {name} needs a value", file=sys.stderr)
            return 2
        if name == "--exit":
            expected_exit = int(value)
        elif name == "--regex":
            regexes.append(value)
        elif name == "--not-regex":
            not_regexes.append(value)
        elif name == "--needs":
            needs.append(value)
        else:
            print(f"expect.py: unknown option {name}", file=sys.stderr)
            return 2
        i += 2
    if expected_exit is None or not command:
        print("expect.py: --exit and a command are required", file=sys.stderr)
        return 2

    missing = [p for p in needs if not os.path.exists(p)]
    if missing:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            print(f"FAIL: fixtures missing under CI=true: {', '.join(missing)}")
            return 1
        print(f"PICTOR_SKIPPED: fixtures missing: {', '.join(missing)}")
        return 0

    proc = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.decode("utf-8", "replace")
    sys.stdout.write(output)
    ok = True
    if proc.returncode != expected_exit:
        print(f"\nFAIL: exit status {proc.returncode}, expected {expected_exit}")
        ok = False
    for rx in regexes:
        if not re.search(rx, output, re.DOTALL):
            print(f"\nFAIL: output does not match {rx!r}")
            ok = False
    for rx in not_regexes:
        if re.search(rx, output, re.DOTALL):
            print(f"\nFAIL: output matches {rx!r}")
            ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
