"""The project config (mizan.toml), `init`, config-driven `check` and `gen`,
`--watch`, `check --format github` and the closed `--target` choice.

Every command runs for real as `python -m mizan_lang` in a temporary folder.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHOP = REPO / "examples" / "shop"


def mizan(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "MIZAN_CACHE": "off"}
    return subprocess.run([sys.executable, "-m", "mizan_lang", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False)


# --- init ------------------------------------------------------------------------


SERVE = textwrap.dedent("""\
    from fastapi.testclient import TestClient
    import app
    client = TestClient(app.app)
    def call(fn, args):
        answer = client.post("/api/mizan/call/", json={"fn": fn, "args": args})
        assert answer.status_code == 200, answer.text
        return answer.json()
    added = call("add_todo", {"title": "write tests"})
    assert added["result"] == {"id": 1, "title": "write tests", "done": False}, added
    assert added["invalidate"], added
    assert call("complete_todo", {"id": 1})["result"]["done"] is True
    bundle = client.get("/api/mizan/ctx/todos/").json()
    print(bundle)
""")


def test_init_creates_a_working_project(tmp_path: Path) -> None:
    done = mizan("init", "starter", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    project = tmp_path / "starter"
    names = sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_file())
    assert {"mizan.toml", "spec/main.mizan", "impl.py", "app.py", "README.md",
            "api/service.py", "api/fastapi_app.py"} <= set(names)
    assert "run it: cd starter && uvicorn app:app --reload" in done.stderr
    assert mizan("check", cwd=project).returncode == 0
    assert mizan("gen", "--check", cwd=project).returncode == 0
    served = subprocess.run([sys.executable, "-c", SERVE], cwd=project, capture_output=True,
                            text=True, check=False,
                            env={**os.environ, "PYTHONPATH": os.pathsep.join(
                                [str(project), os.environ.get("PYTHONPATH", "")])})
    assert served.returncode == 0, served.stderr
    assert "write tests" in served.stdout
    # Never overwrites: an edited file survives a second init.
    (project / "impl.py").write_text("# mine\n", encoding="utf-8")
    again = mizan("init", "starter", cwd=tmp_path)
    assert again.returncode == 0
    assert "starter/impl.py exists: left unchanged" in again.stderr
    assert (project / "impl.py").read_text(encoding="utf-8") == "# mine\n"


# --- config-driven check and gen ---------------------------------------------------


def _project(tmp_path: Path, config: str) -> Path:
    (tmp_path / "spec").mkdir()
    for path in SHOP.glob("*.mizan"):
        (tmp_path / "spec" / path.name).write_bytes(path.read_bytes())
    (tmp_path / "mizan.toml").write_text(config, encoding="utf-8")
    return tmp_path


def test_gen_without_arguments_generates_every_target(tmp_path: Path) -> None:
    project = _project(tmp_path, 'roots = ["spec"]\n\n[targets.fastapi]\nout = "gen/api"\n\n'
                                 '[targets.ts]\nout = "gen/web"\n')
    assert mizan("gen", "--check", cwd=project).returncode == 1
    done = mizan("gen", cwd=project)
    assert done.returncode == 0, done.stderr
    assert (project / "gen/api/service.py").is_file()
    assert (project / "gen/web/client.ts").is_file()
    # From a sub-folder too: the config is found in a parent.
    checked = mizan("gen", "--check", cwd=project / "spec")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert mizan("check", cwd=project / "gen").returncode == 0
    spec = project / "spec" / "backoffice.mizan"
    spec.write_text(spec.read_text(encoding="utf-8").replace("    param delta int\n", ""),
                    encoding="utf-8")
    stale = mizan("gen", "--check", cwd=project)
    assert stale.returncode == 1
    assert "gen/api/service.py: stale" in stale.stdout
    assert "gen/web/types.ts: stale" in stale.stdout


def test_check_without_config_or_paths_is_a_usage_error(tmp_path: Path) -> None:
    done = mizan("check", cwd=tmp_path)
    assert done.returncode == 2
    assert "no mizan.toml here or in a parent folder" in done.stderr


CONFIG_CASES = [
    ('roots = ["spec"\n', "mizan.toml:2:1: error M501: mizan.toml is not valid TOML"),
    ('root = ["spec"]\n',
     "mizan.toml:1:1: error M502: unknown key 'root' in mizan.toml; did you mean 'roots'?"),
    ('roots = "spec"\n', "mizan.toml:1:1: error M503: 'roots' must be a list of paths"),
    ('[targets.fastapii]\nout = "x"\n',
     "mizan.toml:1:10: error M504: unknown target 'fastapii'; did you mean 'fastapi'?"),
    ('[targets.fastapi]\nouts = "x"\n',
     "mizan.toml:2:1: error M502: unknown key 'outs' in [targets.fastapi]; did you mean 'out'?"),
    ('roots = ["spec"]\n\n[targets.ts]\n', "mizan.toml:3:10: error M505: [targets.ts] needs 'out'"),
    ('roots = ["nope"]\n', "mizan.toml:1:1: error M506: root 'nope' does not exist"),
    ('[[acknowledge]]\ncode = "B999"\nsubject = "x"\n',
     "mizan.toml:2:1: error M507: 'B999' is not a review rule code"),
]


@pytest.mark.parametrize(("config", "expected"), CONFIG_CASES,
                         ids=[case[1].split()[2] for case in CONFIG_CASES])
def test_bad_config_has_coded_diagnostics(tmp_path: Path, config: str, expected: str) -> None:
    project = _project(tmp_path, config)
    for command in (["check"], ["gen"], ["gen", "--check"]):
        done = mizan(*command, cwd=project)
        assert done.returncode == 1, (command, done.stderr)
        assert done.stderr.startswith(expected), done.stderr
        assert "Traceback" not in done.stderr


def test_check_format_github(tmp_path: Path) -> None:
    (tmp_path / "main.mizan").write_text("mizan 1\nfn ping returns=Strr\n", encoding="utf-8")
    done = mizan("check", "main.mizan", "--format", "github", cwd=tmp_path)
    assert done.returncode == 1
    assert re.fullmatch(r"::error file=main\.mizan,line=2,col=17,endLine=2,endColumn=21,"
                        r"title=M201::unknown type 'Strr'.*\n", done.stdout), done.stdout


def test_target_is_a_closed_choice(tmp_path: Path) -> None:
    from mizan_lang.gen.targets import TARGETS

    helped = mizan("gen", "--help", cwd=tmp_path)
    assert "[" + "|".join(sorted(TARGETS)) + "]" in helped.stdout
    done = mizan("gen", str(SHOP), "--target", "fastap", "--out", "x", cwd=tmp_path)
    assert done.returncode == 2
    assert "'fastap' is not one of" in done.stderr
    assert mizan("gen", str(SHOP), "--target", "ts", cwd=tmp_path).returncode == 2


# --- watch -------------------------------------------------------------------------


class Lines:
    """Lines of a stream, read by a thread (a pipe's buffer hides lines from select)."""

    def __init__(self, stream) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen = ""
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream) -> None:
        for line in iter(stream.readline, ""):
            self.lines.put(line)

    def until(self, pattern: str, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while pattern not in self.seen:
            left = deadline - time.monotonic()
            assert left > 0, f"no {pattern!r} within {timeout} s; got {self.seen!r}"
            try:
                self.seen += self.lines.get(timeout=left)
            except queue.Empty:
                pass
        found, self.seen = self.seen, ""
        return found


def test_check_watch_reruns_on_save(tmp_path: Path) -> None:
    spec = tmp_path / "main.mizan"
    spec.write_text("mizan 1\nfn ping returns=str\n", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1", "MIZAN_CACHE": "off"}
    process = subprocess.Popen([sys.executable, "-m", "mizan_lang", "check", ".", "--watch",
                                "--no-excerpt"], cwd=tmp_path, env=env, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = Lines(process.stdout), Lines(process.stderr)
        err.until("watching", 30)
        time.sleep(0.3)
        spec.write_text("mizan 1\nfn ping returns=Strr\n", encoding="utf-8")
        assert "main.mizan:2:17: error M201: unknown type 'Strr'" in out.until("M201", 30)
        err.until("1 error, 0 warnings in 1 file", 30)
        spec.write_text("mizan 1\nfn ping returns=str\n", encoding="utf-8")
        err.until("0 errors, 0 warnings in 1 file", 30)
    finally:
        process.terminate()
        process.wait(10)
