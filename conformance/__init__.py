"""The wire-conformance suite of the generated servers.

`fixture.mizan` declares a spec exercising every capability row; `impl.py`
implements it once for every Python target; `probes/` holds what each
endpoint must answer; `run.py` serves each target as a live process, runs
the probes against it and renders the capability table.
"""
