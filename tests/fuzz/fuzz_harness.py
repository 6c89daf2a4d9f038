"""The oracle of the fuzz suite: what a case may end with, the outcome tally, the corpus, and settings.

A case is a JSON-serialisable dict (so that a failing one can be saved to ``corpus/`` and replayed).
It passes when its action returns, raises a :class:`~neurosim.errors.NeurosimError`, or (the CLI)
exits 0, 2 or 130 with a one-line message, within ``HANG_S`` seconds, with every figure it produced
finite and non-negative and every input file unchanged byte for byte.

``HYPOTHESIS_PROFILE=long`` multiplies every family's example count by ``LONG_FACTOR``;
``FUZZ_STATS=path.json`` writes the tally of outcomes at the end of the session, and
``FUZZ_SURVEY=1`` tallies failing cases without failing the test (a survey of what remains: every
case of the long profile is run, instead of stopping each family at its first failure).
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import io
import json
import math
import os
import signal
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from neurosim._checks import MEMORY_LIMIT_ENV
from neurosim.errors import NeurosimError

PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")
SURVEY = os.environ.get("FUZZ_SURVEY") == "1"
FAILED_CASES: list[str] = []
LONG_FACTOR = 25
HANG_S = 60
CASE_MEMORY_LIMIT = "2G"
"""The memory limit of every case (``$NEUROSIM_MEMORY_LIMIT``): the files fuzzed are small, so a case
that needs more has been declared huge and must be refused, not allocated."""
CORPUS = Path(__file__).parent / "corpus"
ROOT = Path(__file__).parents[2]
TALLY: Counter = Counter()
GOOD = ("completed", "refused")
INDEX_FIELDS = ("busiest_core",)
"""Fields that hold indices, with -1 for "none", not figures."""


def fuzz_settings(examples: int) -> settings:
    """Seeded settings: ``examples`` cases in CI, ``LONG_FACTOR`` times as many in the long profile."""
    return settings(max_examples=examples * (LONG_FACTOR if PROFILE == "long" else 1), deadline=None,
                    derandomize=True, database=None, print_blob=True,
                    suppress_health_check=list(HealthCheck))


class Hang(BaseException):
    """A case ran longer than ``HANG_S`` seconds."""


def _alarm(signum, frame):
    raise Hang(f"no answer after {HANG_S} s")


def digest(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).is_file() else "absent"


def bad_figures(value: Any, where: str = "") -> list[str]:
    """The paths of every NaN, infinite or negative number in ``value`` (dataclasses, dicts, lists, arrays)."""
    if isinstance(value, bool) or value is None or isinstance(value, str) or where.endswith(INDEX_FIELDS):
        return []
    if isinstance(value, (int, float, np.integer, np.floating)):
        v = float(value)
        return [f"{where}={v}"] if not math.isfinite(v) or v < 0 else []
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            return []
        bad = ~np.isfinite(value.astype(np.float64)) | (value < 0)
        return [f"{where}[{int(np.argmax(bad.ravel()))}]"] if np.any(bad) else []
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [b for f in dataclasses.fields(value) for b in bad_figures(getattr(value, f.name), f"{where}.{f.name}")]
    if isinstance(value, dict):
        return [b for k, v in value.items() for b in bad_figures(v, f"{where}.{k}")]
    if isinstance(value, (list, tuple)):
        return [b for k, v in enumerate(value) for b in bad_figures(v, f"{where}[{k}]")]
    return []


def run_case(family: str, case: dict, action: Callable[[], Any], inputs: Iterable[Path] = (),
             figures: Callable[[Any], Any] = lambda result: None) -> str:
    """Run ``action`` as a fuzz case of ``family`` and fail the test unless it ends acceptably.

    ``action`` returns a CLI exit status (an ``int``) or any result; ``figures(result)`` gives what
    holds the figures to check. Returns the outcome.
    """
    inputs = [Path(p) for p in inputs]
    before = {p: digest(p) for p in inputs}
    out, err = io.StringIO(), io.StringIO()
    limit = os.environ.get(MEMORY_LIMIT_ENV)
    os.environ[MEMORY_LIMIT_ENV] = CASE_MEMORY_LIMIT
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(HANG_S)
    detail = ""
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            result = action()
        outcome = "completed"
        if isinstance(result, int) and not isinstance(result, bool):
            outcome = {0: "completed", 2: "refused", 130: "refused"}.get(result, "crash")
            detail = f"exit status {result}"
        wrong = bad_figures(figures(result)) if outcome == "completed" else []
        if wrong:
            outcome, detail = "silently wrong", f"figures {wrong[:5]}"
    except NeurosimError as e:
        outcome, detail = "refused", str(e)
    except SystemExit as e:  # argparse's usage error
        outcome, detail = ("refused" if e.code == 2 else "crash"), f"SystemExit({e.code})"
    except Hang as e:
        outcome, detail = "hang", str(e)
    except Exception as e:  # anything else escaping neurosim is a bug: the case fails with it
        import traceback

        outcome, detail = "traceback", "".join(traceback.format_exception(e)[-6:])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        if limit is None:
            del os.environ[MEMORY_LIMIT_ENV]
        else:
            os.environ[MEMORY_LIMIT_ENV] = limit
    message = err.getvalue()
    if "Traceback" in message:
        outcome, detail = "traceback", message
    elif outcome == "refused" and "Warning" in message:  # tallied apart: a warning printed before a clean error
        TALLY[family, "refused after a warning"] += 1
    if outcome in GOOD and any(digest(p) != h for p, h in before.items()):
        outcome, detail = "clobbered input", str([str(p) for p, h in before.items() if digest(p) != h])
    TALLY[family, outcome] += 1
    if outcome not in GOOD and SURVEY:
        FAILED_CASES.append(f"{family} {outcome}: {json.dumps(case, default=str)} -> {detail.strip()[-300:]}")
    elif outcome not in GOOD:
        pytest.fail(f"{family} case {json.dumps(case, default=str)[:2000]}\n-> {outcome}: {detail}", pytrace=False)
    return outcome


def corpus_cases(family: str) -> list[dict]:
    """The saved cases of ``family`` (``corpus/<family>-*.json``), replayed on every run."""
    return [json.loads(p.read_text()) for p in sorted(CORPUS.glob(f"{family}-*.json"))]


def replay(check: Callable[[dict], None], case: dict) -> None:
    """Replay a corpus case. One marked ``known_failure`` (a defect outside the code this suite
    guards yet) is an expected failure, strictly: once it passes, the mark must go."""
    if "known_failure" not in case or SURVEY:  # a survey tallies it with the others
        check(case)
        return
    try:
        check(case)
    except pytest.fail.Exception:
        pytest.xfail(case["known_failure"])
    pytest.fail(f"known failure fixed, drop 'known_failure' from its corpus file: {case['why']}")


def save_case(family: str, case: dict) -> Path:
    """Add ``case`` to the corpus (used by hand when a case has failed once)."""
    text = json.dumps(case, sort_keys=True)
    path = CORPUS / f"{family}-{hashlib.sha256(text.encode()).hexdigest()[:12]}.json"
    path.write_text(text + "\n")
    return path
