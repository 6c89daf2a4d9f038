"""The fuzz suite's tally: with ``FUZZ_STATS=path.json`` the outcomes of every case, by family, are
written there at the end of the session (the figures of the long run's report)."""
import json
import os


def pytest_sessionfinish(session, exitstatus):
    from fuzz_harness import FAILED_CASES, PROFILE, TALLY

    path = os.environ.get("FUZZ_STATS")
    if path:
        counts = {f"{family}: {outcome}": n for (family, outcome), n in sorted(TALLY.items())}
        with open(path, "w") as f:
            json.dump({"profile": PROFILE, "cases": sum(n for (_, o), n in TALLY.items()
                                                         if o != "refused after a warning"), "counts": counts,
                   "failed_cases": FAILED_CASES},
                      f, indent=1)
