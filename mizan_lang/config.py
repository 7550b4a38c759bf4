"""The project config: `mizan.toml` next to the spec.

    roots = ["api"]                 # spec files or folders (relative to this file)

    [targets.fastapi]               # one table per `gen` target
    out = "generated/api"           # its output folder

    [[acknowledge]]                 # an intended change `breaking` should accept
    code = "B107"
    subject = "adjust_stock.reason"
    reason = "no client sends it yet"

`find()` looks in the current folder and its parents. Problems are coded
diagnostics (M5xx) at the line and column of the offending key, rendered like
a spec's; nothing here raises on a bad file.
"""

from __future__ import annotations

import os
import re

from .diagnostics import Diagnostic, make
from .records import field, record
from .source import LineIndex, Span

FILENAME = "mizan.toml"
TOP_KEYS = ("roots", "targets", "acknowledge")
TARGET_KEYS = ("out",)
ACK_KEYS = ("code", "subject", "reason")


@record
class TargetConfig:
    name: str
    out: str  # absolute


@record
class Config:
    path: str  # the config file
    roots: list[str]  # as written, relative to the config's folder
    targets: list[TargetConfig] = field(default_factory=list)
    acknowledgements: list = field(default_factory=list)  # review.ack.Acknowledgement
    diagnostics: list[Diagnostic] = field(default_factory=list)
    text: str = ""

    @property
    def folder(self) -> str:
        return os.path.dirname(self.path)

    def root_paths(self) -> list[str]:
        """The roots, as paths from the current folder (relative when under it)."""
        from .render import display_path

        return [display_path(os.path.join(self.folder, root)) for root in self.roots]

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics)


def find(start: str = ".") -> str | None:
    folder = os.path.abspath(start)
    while True:
        candidate = os.path.join(folder, FILENAME)
        if os.path.isfile(candidate):
            return candidate
        parent = os.path.dirname(folder)
        if parent == folder:
            return None
        folder = parent


class _Positions:
    """Line/column of keys and table headers, found by a small line scanner
    (tomllib keeps no positions)."""

    _HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?")
    _KEY = re.compile(r"^\s*([A-Za-z0-9_\-\"'.]+)\s*=")

    def __init__(self, text: str) -> None:
        self.keys: dict[tuple, int] = {}  # (table, key) -> offset
        self.tables: dict[tuple, int] = {}
        table: tuple = ()
        counts: dict[str, int] = {}
        offset = 0
        for line in text.splitlines(keepends=True):
            header = self._HEADER.match(line)
            if header:
                parts = tuple(p.strip().strip('"\'') for p in header[2].split("."))
                at = header.start(2)
                for size, part in enumerate(parts, 1):  # each prefix: where its last part is
                    at = line.find(part, at)
                    self.tables.setdefault(parts[:size], offset + at)
                    at += len(part)
                if header[1] == "[[":
                    index = counts.get(header[2], 0)
                    counts[header[2]] = index + 1
                    parts = parts + (index,)
                    self.tables.setdefault(parts, offset + header.start(2))
                table = parts
            else:
                key = self._KEY.match(line)
                if key:
                    names = tuple(p.strip().strip('"\'') for p in key[1].split("."))
                    self.keys.setdefault(table + names, offset + key.start(1))
            offset += len(line)

    def of(self, *path: object) -> Span:
        for size in range(len(path), 0, -1):
            found = self.keys.get(path[:size], self.tables.get(path[:size]))
            if found is not None:
                return Span(found, found + len(str(path[size - 1])))
        return Span(0, 0)


def load(path: str) -> Config:
    """Read and validate a config file; problems are in `.diagnostics`."""
    config = Config(path=os.path.abspath(path), roots=[])
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as err:
        config.diagnostics.append(make("M001", Span(0, 0), path=config.path,
                                       file=path, reason=err.strerror or "unreadable"))
        return config
    text = data.decode("utf-8", "replace")
    config.text = text
    report = config.diagnostics.append
    import tomllib  # only when there is a config file (~10 M instructions)

    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        report(make("M501", _error_span(text, str(err)), path=config.path,
                    detail=re.sub(r"\s*\(at line \d+, column \d+\)", "", str(err))))
        return config
    where = _Positions(text)

    def problem(rule: str, *key: object, **fields: object) -> None:
        report(make(rule, where.of(*key), path=config.path, **fields))

    for key in table:
        if key not in TOP_KEYS:
            problem("M502", key, key=key, table="mizan.toml", hint=_hint(key, TOP_KEYS))
    roots = table.get("roots", ["."])
    if not isinstance(roots, list) or not all(isinstance(r, str) for r in roots):
        problem("M503", "roots", key="roots", expected="a list of paths")
        roots = []
    for root in roots:
        if not os.path.exists(os.path.join(config.folder, root)):
            problem("M506", "roots", root=root)
    config.roots = list(roots)
    _targets(table.get("targets", {}), config, problem)
    _acknowledgements(table.get("acknowledge", []), config, problem)
    return config


def _targets(targets: object, config: Config, problem) -> None:
    from .gen.targets import TARGETS

    if not isinstance(targets, dict):
        problem("M503", "targets", key="targets", expected="tables: [targets.NAME]")
        return
    for name in sorted(targets):
        options = targets[name]
        if name not in TARGETS:
            problem("M504", "targets", name, name=name, hint=_hint(name, TARGETS))
            continue
        if not isinstance(options, dict):
            problem("M503", "targets", name, key=f"targets.{name}", expected="a table")
            continue
        for key in options:
            if key not in TARGET_KEYS:
                problem("M502", "targets", name, key, key=key, table=f"[targets.{name}]",
                        hint=_hint(key, TARGET_KEYS))
        out = options.get("out")
        if out is None:
            problem("M505", "targets", name, table=f"[targets.{name}]", key="out")
        elif not isinstance(out, str) or not out:
            problem("M503", "targets", name, "out", key="out", expected="a folder path")
        else:
            config.targets.append(TargetConfig(name, os.path.join(config.folder, out)))


def _acknowledgements(entries: object, config: Config, problem) -> None:
    from .review.ack import Acknowledgement
    from .review.rules import RULES

    if not isinstance(entries, list):
        problem("M503", "acknowledge", key="acknowledge",
                expected="a list of tables: [[acknowledge]]")
        return
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            problem("M503", "acknowledge", key="acknowledge", expected="a list of tables")
            continue
        bad = False
        for key in entry:
            if key not in ACK_KEYS:
                problem("M502", "acknowledge", index, key, key=key, table="[[acknowledge]]",
                        hint=_hint(key, ACK_KEYS))
        for key in ACK_KEYS:
            value = entry.get(key)
            if value is None and key != "reason":
                problem("M505", "acknowledge", index, table="[[acknowledge]]", key=key)
                bad = True
            elif value is not None and not isinstance(value, str):
                problem("M503", "acknowledge", index, key, key=key, expected="a string")
                bad = True
        code = entry.get("code")
        if isinstance(code, str) and code not in RULES:
            problem("M507", "acknowledge", index, "code", value=code, hint=_hint(code, RULES))
            bad = True
        if not bad:
            line = LineIndex(config.text).position(
                _Positions(config.text).of("acknowledge", index).start).line + 1
            config.acknowledgements.append(Acknowledgement(
                code, entry["subject"], entry.get("reason") or "acknowledged",
                f"{FILENAME}:{line}"))


def _hint(name: str, known) -> str:
    from .check.suggest import closest  # here: reading a config needs no checker

    best = closest(name, known)
    return f"; did you mean '{best}'?" if best else ""


def _error_span(text: str, message: str) -> Span:
    found = re.search(r"at line (\d+), column (\d+)", message)
    if not found:  # "at end of document"
        return Span(len(text), len(text))
    index = LineIndex(text)
    line = int(found[1]) - 1
    try:
        offset = index.offset(line, int(found[2]) - 1)
    except (IndexError, ValueError):
        return Span(0, 0)
    return Span(offset, offset + 1)


def load_or_exit(required: bool = False) -> Config | None:
    """The config found from the current folder, for CLI commands: its
    diagnostics printed and exit 1 when it is broken; None when there is none
    (exit 2 when `required`)."""
    import typer

    from .cli_common import SourceCache, usage_error, write_stderr
    from .render import render_text

    path = find()
    if path is None:
        if required:
            raise usage_error(f"no {FILENAME} here or in a parent folder; give paths, "
                              "or create one with `mizan-lang init`")
        return None
    config = load(path)
    if config.diagnostics:
        write_stderr(render_text(config.diagnostics, SourceCache({config.path: config.text}),
                                 excerpt=True, color=False))
        if not config.ok:
            raise typer.Exit(1)
    return config
