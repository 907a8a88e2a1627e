#!/usr/bin/env python3
"""Print the executable cargo built for target NAME, read from `cargo … --message-format=json`
on stdin (the bench and harness scripts find their binaries this way).

    cargo test --lib --no-run --message-format=json | scripts/cargo_executable.py mailsift --test
    cargo bench --bench stages --no-run --message-format=json | scripts/cargo_executable.py stages

--test: only an artifact built by the test profile (a lib's unit-test binary, not its library).
"""
import json
import sys


def main() -> None:
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    name, test_only = args[0], "--test" in args[1:]
    for line in sys.stdin:
        try:
            m = json.loads(line)
        except ValueError:
            continue
        if m.get("reason") != "compiler-artifact" or not m.get("executable"):
            continue
        if m.get("target", {}).get("name") != name:
            continue
        if test_only and not m.get("profile", {}).get("test"):
            continue
        print(m["executable"])


if __name__ == "__main__":
    main()
