"""`python -m tests.fuzz [--cases N] [--seed S] [--catalog ampel|checkout]`: run more fuzz cases than
the suite does and print every failure (same checks as tests/fuzz/test_catalog_fuzz.py)."""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from tests.fuzz.runner import Fuzzer
from tests.support.paths import CATALOGS


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__)
    parser.add_argument("--cases", type=int, default=1000, help="cases per catalog (default 1000)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0); seeds are consecutive")
    parser.add_argument("--catalog", choices=sorted(CATALOGS), action="append",
                        help="catalog to mutate (repeatable; default: all)")
    args = parser.parse_args()
    failed = 0
    for name in args.catalog or sorted(CATALOGS):
        with tempfile.TemporaryDirectory(prefix=f"obsgen-fuzz-{name}-") as workdir:
            started = time.perf_counter()
            report = Fuzzer(CATALOGS[name], Path(workdir)).run(range(args.seed, args.seed + args.cases))
            print(f"{name}: {report.summary()} in {time.perf_counter() - started:.1f} s")
            for failure in report.failures:
                print(f"  FAIL {failure}")
            failed += len(report.failures)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
