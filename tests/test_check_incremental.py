"""The incremental checker equals a fresh check, edit after edit.

An editor session keeps a `CheckCache` between checks and re-lowers only the
declarations an edit touched; the checker then re-does only the work the edit
can have changed. Random edit sequences (renamed declarations and references,
deleted and duplicated lines, stray characters, declarations copied between
files, reverts) on generated specs split over several files and on the
checker's own case folders must give, after every edit, exactly what a check
without a cache gives for the same declarations: diagnostics (with related
locations and fix data), symbols, scopings, function kinds and effective auth.

An open document is checked segment by segment (runs of its top-level
declarations, `kdl.incremental.Segment`); the one-file tests below make
segments a few declarations long, so that edits move, merge and split them,
and also compare with a check of the whole text parsed afresh (no segments).
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from bench import specgen
from mizan_lang.check import check
from mizan_lang.check.result import CheckResult
from mizan_lang.ide.session import Session
from mizan_lang.kdl import incremental
from mizan_lang.workspace import load_workspace

CASES = Path(__file__).parent / "cases" / "check"
_DECL_NAME = re.compile(r"^ *(?:fn|type|context|enum|model|shape|form|guard) ([A-Za-z_]\w*)",
                        re.MULTILINE)
# Names used elsewhere: types after a field/param name, context=, affects=, submit=, model=...
_USE = re.compile(r"(?:(?:field|param|column) \w+ |[a-z-]+=)([A-Za-z_]\w*)")


def _span(span) -> tuple[int, int]:
    return (span.start, span.end)


def snapshot(result: CheckResult, ids: bool = True) -> dict:
    """Everything a consumer can see in a result, as plain comparable values
    (without `ids`: not which objects the symbols' declarations are)."""
    return {
        "diagnostics": [
            (d.path, _span(d.span), d.code, d.severity, d.message, d.data,
             [(r.path, _span(r.span), r.message) for r in d.related])
            for d in result.diagnostics],
        "symbols": {kind: [(name, s.kind, s.path, _span(s.span), id(s.decl) if ids else None)
                           for name, s in table.items()]
                    for kind, table in result.symbols.items()},
        "scopings": list(result.scopings),
        "function_kinds": list(result.function_kinds.items()),
        "effective_auth": list(result.effective_auth.items()),
        "files": list(result.files),
    }


_WORD = re.compile(r"(?<=[ =,<])[A-Za-z_]\w*")


def edit(text: str, others: list[str], history: list[str], rng: random.Random) -> str:
    choice = rng.random()
    lines = text.splitlines(keepends=True)
    if choice < 0.25:  # a word (type, context, auth level...) replaced by one used anywhere
        words = list(_WORD.finditer(text))
        vocabulary = [m.group() for source in [text, *others] for m in _WORD.finditer(source)]
        if words and vocabulary:
            word = rng.choice(words)
            return text[:word.start()] + rng.choice(vocabulary) + text[word.end():]
    if choice < 0.45:  # rename a declaration or a use of a name (often: undo it later)
        sites = [m.end(1) for m in _DECL_NAME.finditer(text)]
        sites += [m.end(1) for m in _USE.finditer(text)]
        if sites:
            at = rng.choice(sites)
            if rng.random() < 0.5 and at > 0 and text[at - 1].isalnum():
                return text[:at - 1] + text[at:]  # shorten: may hit another name
            return text[:at] + rng.choice("abxyz") + text[at:]
    if choice < 0.55 and history:
        return rng.choice(history)  # undo, several steps at once
    if choice < 0.65 and len(lines) > 2:
        del lines[rng.randrange(1, len(lines))]
        return "".join(lines)
    if choice < 0.78 and lines:
        at = rng.randrange(len(lines))
        lines.insert(at, lines[rng.randrange(len(lines))])
        return "".join(lines)
    if choice < 0.88 and others:  # a top-level declaration of another file, pasted here
        source = rng.choice(others)
        blocks = re.findall(r"^[a-z]+ [^\n]*\{.*?^\}\n|^[a-z]+ [^{\n]*\n", source,
                            re.MULTILINE | re.DOTALL)
        if blocks:
            return text + rng.choice(blocks)
    at = rng.randrange(len(text) + 1)
    if rng.random() < 0.5 and text:
        return text[:at] + text[at + 1:]
    return text[:at] + rng.choice(['"', "{", "}", "\n", "a", " ", "?", "/-", "=", "é"]) + \
        text[at:]


def run_edits(tmp_path: Path, files: dict[str, str], edits: int, seed: int,
              focus: str | None = None) -> int:
    """Random edits; after each, the session's analysis equals a fresh check of
    the same SourceFiles and one of the texts parsed whole. Documents just opened
    are read whole until edited, or until the session warms them (at random
    steps, in a sequence of its own): both paths are compared. Returns the most
    segments an open document had."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, "utf-8")
    session = Session()
    session.set_folders([str(tmp_path)])
    rng = random.Random(seed)
    warming = random.Random(seed + 1)
    names = sorted(files)
    texts = dict(files)
    history: dict[str, list[str]] = {name: [] for name in names}
    version = 1
    opened = set()
    removed: dict[str, str] = {}
    most = 0
    for step in range(edits):
        if len(names) > 1 and rng.random() < 0.05:  # a file leaves the workspace, or comes back
            name = rng.choice(sorted(removed) or names[1:])
            path = tmp_path / name
            if name in removed:
                path.write_text(removed.pop(name), "utf-8")
                session.files_changed([str(path)], [], [])
            else:
                session.close(str(path))
                opened.discard(name)
                removed[name] = texts[name]
                path.unlink()
                session.files_changed([], [], [str(path)])
        for _ in range(1 if rng.random() < 0.8 else 3):  # sometimes several files at once
            present = [n for n in names if n not in removed]
            name = focus if focus in present and rng.random() < 0.6 else rng.choice(present)
            path = str(tmp_path / name)
            others = [texts[n] for n in present if n != name]
            new = edit(texts[name], others, history[name], rng)
            history[name] = (history[name] + [texts[name]])[-6:]
            texts[name] = new
            version += 1
            if name in opened:
                session.change(path, new, version)
            else:
                session.open(path, new, version)
                opened.add(name)
        if warming.random() < 0.3:
            session.analysis_for(path)
            session.warm()
        analysis = session.analysis_for(path)
        unit = session._unit_for(path)
        fresh = check(load_workspace(unit.roots, read=session._read))
        got, want = snapshot(analysis.result), snapshot(fresh)
        for key in want:
            assert got[key] == want[key], f"step {step} ({name}): {key} differ"
        edited = {str(tmp_path / n): texts[n] for n in opened}
        whole = check(load_workspace(unit.roots, read=edited.get))
        got, want = snapshot(analysis.result, ids=False), snapshot(whole, ids=False)
        for key in want:
            assert got[key] == want[key], f"step {step} ({name}): {key} differ from a whole parse"
        most = max([most, *(len(d.doc.segments) for d in session.documents.values()
                            if d.doc is not None)])
    return most


# Every way one file's checks read another's: context keys and params of named
# types, an enum default, auth levels (default, guards, context auth), members,
# mutations bound to keys, forms submitting to a mutation, shapes and models,
# records holding each other.
CROSS_FILE = {
    "main.mizan": """mizan 1
import "vocab.mizan"
import "shop.mizan"
import "forms.mizan"
""",
    "vocab.mizan": """mizan 1
auth {
    guard staff claim=is_staff
    guard admin claim=role value="admin"
    default user
}
enum Region { north; south }
enum Tier { basic; gold }
type Money { field amount decimal; field currency str default="EUR" }
type ShopInfo { field id int64 }
type Node { field next Node?; field value Money }
type Loop { field again Pool }
type Pool { field back Loop }
model Owner table=owner { column id int64 primary=#true; relation shops to=Shop many=#true }
model Shop table=shop { column id int64 primary=#true; column region str }
shape ShopCard model=Shop { field id; field region }
shape OwnerCard model=Owner { field id; field shops shape=ShopCard }
""",
    "shop.mizan": """mizan 1
context shop auth=staff {
    param shop_id int64
    param region Region
    cache ttl=60 vary=public
}
context stats { cache ttl=5 vary=public }
context tier { param tier Tier }
context odd { param what Money }
type shop_info { field id int64 }
fn shop_view context=shop returns=Money { param shop_id int64; param region Region }
fn shop_cards context=shop auth=admin returns=list<ShopCard> {
    param shop_id int64
    param region Region
    param page int?
}
fn tier_view context=tier { param tier Tier }
fn tier_wrong context=tier { param tier Region }
fn shop_wrong context=shop { param shop_id int64; param region Tier }
fn stats_view context=stats auth=user returns=Node { }
fn restock affects=shop,stats auth=staff returns=Money {
    param shop_id int64
    param region Region
    param amount Money
}
fn retier affects=tier { param tier Tier default=gold; param note str? }
fn reregion affects=tier,shop { param tier Region; param region Tier; param shop_id int64 }
fn rebind { affects shop by=shop_id:shop_id,region:tier; param shop_id int64; param tier Tier }
fn later affects=stats { param maybe Region?; param when Tier? }
fn move affects=shop {
    affects shop by=shop_id:shop_id,region:region
    param shop_id int64
    param region Region
}
fn upload websocket=#true { param file Upload; param region Region }
""",
    "forms.mizan": """mizan 1
form Restock submit=restock {
    field shop_id int required=#true
    field region Region required=#true
    field amount decimal
}
form Retier submit=retier { field tier Tier; field note str }
form Later submit=later { field when Tier; field maybe Tier }
form Typo submit=restok { field shop_id int }
""",
}


@pytest.mark.parametrize("seed", range(6))
def test_cross_file_workspace(tmp_path: Path, seed: int) -> None:
    run_edits(tmp_path, CROSS_FILE, edits=100, seed=seed, focus="vocab.mizan")


@pytest.mark.parametrize("seed", range(4))
def test_generated_workspace(tmp_path: Path, seed: int) -> None:
    run_edits(tmp_path, specgen.generate(260, seed, split=True), edits=60, seed=seed)


def _case_files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): p.read_text("utf-8")
            for p in sorted(folder.rglob("*.mizan"))}


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()
                                        if (p / "main.mizan").is_file()))
def test_check_cases(tmp_path: Path, case: str) -> None:
    run_edits(tmp_path, _case_files(CASES / case), edits=30, seed=len(case))


# One file of many declarations, checked in segments of a few declarations:
# renamed, removed and duplicated declarations others refer to, damaged syntax
# in the middle of the file, pasted declarations and reverts (`edit`).
def _one_file(files: dict[str, str]) -> str:
    """A workspace's files as one file (imports dropped, one version line)."""
    body = [re.sub(r'^(mizan 1|import "[^"]*")\n', "", text, flags=re.MULTILINE)
            for _, text in sorted(files.items())]
    return "mizan 1\n" + "".join(body)


@pytest.fixture
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(incremental, "SEGMENT", 2)


@pytest.mark.parametrize("seed", range(6))
def test_one_file_in_segments(tmp_path: Path, seed: int, small_segments: None) -> None:
    most = run_edits(tmp_path, {"all.mizan": _one_file(CROSS_FILE)}, edits=80, seed=seed)
    assert most >= 4  # the file really was checked in segments


@pytest.mark.parametrize("seed", range(3))
def test_generated_one_file_in_segments(tmp_path: Path, seed: int,
                                        small_segments: None) -> None:
    most = run_edits(tmp_path, specgen.generate(120, seed), edits=50, seed=seed)
    assert most >= 10


@pytest.mark.parametrize("case", sorted(p.name for p in CASES.iterdir()
                                        if (p / "main.mizan").is_file()))
def test_check_cases_in_one_file(tmp_path: Path, case: str, small_segments: None) -> None:
    run_edits(tmp_path, {"main.mizan": _one_file(_case_files(CASES / case))}, edits=25,
              seed=len(case) + 1)
