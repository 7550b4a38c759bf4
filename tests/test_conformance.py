"""The wire-conformance suite against live generated servers.

Every target is generated from conformance/fixture.mizan by the real CLI,
served by uvicorn on a free port (Django through its ASGI application)
and probed over real sockets (conformance/run.py). Each probe must pass on
each target; the canonical records of a probe must be byte-identical
across targets; and the capability table in README.md must be the one
these results give (`python -m conformance.run --write-readme`).
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

pytest.importorskip("fastapi")  # the test extra; CI installs it
pytest.importorskip("django")
pytest.importorskip("uvicorn")

from conformance import run
from conformance.probing import ipc_view
from conformance.targets import BY_NAME, TARGETS

PROBES = run.all_probes()

# (capability, target) -> why its probes do not pass yet. Strict: a probe
# that starts passing fails the suite until its entry is removed here.
NOT_WIRED: dict[tuple[str, str], str] = {
}


def _marks(capability: str, targets: Sequence[str]) -> list[pytest.MarkDecorator]:
    reasons = [NOT_WIRED[(capability, t)] for t in targets if (capability, t) in NOT_WIRED]
    if not reasons:
        return []
    return [pytest.mark.xfail(strict=True, reason="; ".join(reasons))]


def _probe_id(probe: run.Probe) -> str:
    return f"{probe.capability}:{probe.name}"


@pytest.fixture(scope="module")
def outcomes() -> dict[tuple[str, str, str], run.Outcome]:
    """Every probe run once against every live target."""
    found = run.run_all(TARGETS)
    return {(o.target, o.capability, o.probe): o for o in found}


@pytest.mark.parametrize(
    ("target", "probe"),
    [
        pytest.param(
            target.name,
            probe,
            marks=_marks(probe.capability, [target.name]),
            id=f"{target.name}:{_probe_id(probe)}",
        )
        for target in TARGETS
        for probe in PROBES
        if run.applies(probe, target)
    ],
)
def test_probe(outcomes: dict, target: str, probe: run.Probe) -> None:
    outcome = outcomes[(target, probe.capability, probe.name)]
    assert outcome.passed, outcome.message


@pytest.mark.parametrize(
    "probe",
    [
        pytest.param(
            probe,
            marks=_marks(probe.capability,
                         [t.name for t in TARGETS if run.applies(probe, t)]),
            id=_probe_id(probe),
        )
        for probe in PROBES
    ],
)
def test_same_bytes_on_every_target(outcomes: dict, probe: run.Probe) -> None:
    """Status, protocol headers, cookie attributes and canonical body of
    every exchange, byte for byte the same on every target."""
    first, *others = [outcomes[(t.name, probe.capability, probe.name)] for t in TARGETS
                      if run.applies(probe, t)]
    assert first.passed and all(o.passed for o in others), "the probe fails on some target"
    for other in others:
        # An IPC target's records are compared with what IPC can carry.
        ipc = BY_NAME[other.target].transport == "ipc"
        mine = ipc_view(first.records) if ipc else first.records
        theirs = ipc_view(other.records) if ipc else other.records
        assert theirs == mine, (
            f"{other.target} differs from {first.target}: "
            f"{_first_difference(first.target, mine, other.target, theirs)}"
        )


def _first_difference(a: str, mine: list[bytes], b: str, theirs: list[bytes]) -> str:
    for one, other in zip(mine, theirs, strict=False):
        if one != other:
            return f"\n{a}: {one.decode()}\n{b}: {other.decode()}"
    return f"{len(mine)} records against {len(theirs)}"


def test_readme_table_is_generated(outcomes: dict) -> None:
    """README.md shows the table these results give; it is never edited by
    hand (`python -m conformance.run --write-readme` rewrites it)."""
    text = run.README.read_text("utf-8")
    current = run.readme_table(text)
    assert current is not None, f"README.md lacks the {run.TABLE_START} section"
    expected = run.readme_section(run.table(list(outcomes.values())))
    assert current == expected, (
        "README.md's capability table is stale or edited by hand; run "
        "`python -m conformance.run --write-readme`\n" + expected
    )



def test_every_capability_has_probes() -> None:
    covered = {probe.capability for probe in PROBES}
    missing = [c.id for c in run.CAPABILITIES if c.id not in covered]
    assert not missing, f"capabilities without probes: {missing}"
