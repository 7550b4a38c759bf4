"""Suite-wide settings.

CI runs property tests derandomized (`MIZAN_HYPOTHESIS_PROFILE=ci`, set by
`.ci/run`) so a submission's result does not depend on the draw; developers
running pytest directly get fresh random examples each time. Neither profile
times examples (see UNTIMED).
"""

import os

from hypothesis import HealthCheck, settings

# Hypothesis' timing checks (a per-example deadline, "input generation is slow")
# fail on how busy the machine is, not on the code: the suite shares 2 cores with
# Rust builds and servers, and a loaded run once failed on them. What an example
# asserts is unchanged; speed is measured in bench/, never in tests.
UNTIMED = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", derandomize=True, database=None, print_blob=True, **UNTIMED)
settings.register_profile("dev", print_blob=True, **UNTIMED)
settings.load_profile(os.environ.get("MIZAN_HYPOTHESIS_PROFILE", "dev"))


# The on-disk result cache of `check`/`ir` (mizan_lang/result_cache.py) goes to
# a fresh folder for the session, never the developer's ~/.cache: a test run
# neither reads results a previous run left nor leaves any behind. Tests that
# exercise the cache point it elsewhere themselves.
def pytest_configure(config):
    import tempfile

    if "MIZAN_CACHE_DIR" not in os.environ:
        os.environ["MIZAN_CACHE_DIR"] = tempfile.mkdtemp(prefix="mizan-test-cache-")


# Servers the tests start in subprocesses import the checkout's runtime
# package (mizan-runtime), as pytest's own `pythonpath` makes this process do.
RUNTIME = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                       "runtimes", "python")
os.environ["PYTHONPATH"] = os.pathsep.join(
    filter(None, [RUNTIME, os.environ.get("PYTHONPATH")]))
