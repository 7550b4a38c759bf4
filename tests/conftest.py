"""Suite-wide settings.

CI runs property tests derandomized (`MIZAN_HYPOTHESIS_PROFILE=ci`, set by
`.ci/run`) so a submission's result does not depend on the draw; developers
running pytest directly get fresh random examples each time.
"""

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", print_blob=True)
settings.load_profile(os.environ.get("MIZAN_HYPOTHESIS_PROFILE", "dev"))
