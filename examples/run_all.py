"""Run every example against the built-in defaults, so none of them rots (`nox -s examples`).

Everything runs in a temporary copy of this folder, with a fresh vault key and a throw-away
home folder: the repository is not dirtied and the user's ~/.config is never touched.

* `meetlink plan` on every example, as a table and as plan JSON, and `meetlink notice` (the
  notice as DOCX and its list of bridge points as XLSX);
* `meetlink open` on the examples whose platforms need no account (Mỹ Hào and Hà Tĩnh on
  generated provider accounts, the branch meetings on public Jitsi rooms), a second `open`
  that must do nothing, and `meetlink status`;
* Bù Đăng's Google Meet track against the Google emulator (MEETLINK_GOOGLE_EMULATOR_HOST);
* the result report of Mỹ Hào from its roll call, and the blank roll-call sheets;
* the conformance tests of the adapter example (examples/adapter-example).

Prints one line per step (`ok`, `skipped: why` or `FAILED: why`) and exits 1 if any failed.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
OPEN_WITHOUT_ACCOUNTS = ("myhao-2023q3", "hatinh-2023-12", "branches-2023q4")
GOOGLE_EXAMPLE = "budang-2022q1"
REPORT_EXAMPLE = "myhao-2023q3"
NOTHING_TO_DO = "nothing to do: everything is already done."


class StepFailed(Exception):
    """A step did not do what the example promises."""


class Skipped(Exception):
    """A step cannot run here (a part of meetlink that is not there yet)."""


@dataclass
class Results:
    lines: list[str] = field(default_factory=list)
    failed: int = 0
    skipped: int = 0
    passed: int = 0

    def step(self, name: str, work: Callable[[], None]) -> bool:
        started = time.monotonic()
        try:
            work()
        except Skipped as why:
            self.skipped += 1
            self.lines.append(f"skipped  {name}: {why}")
            return False
        except StepFailed as why:
            self.failed += 1
            self.lines.append(f"FAILED   {name}: {why}")
            return False
        self.passed += 1
        self.lines.append(f"ok       {name} ({time.monotonic() - started:.1f} s)")
        return True


def meetlink(workspace: Path, env: dict[str, str], *args: str) -> str:
    """Run the meetlink command line; return its output, or raise StepFailed."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and arguments
        [sys.executable, "-m", "meetlink", *args],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-5:]
        raise StepFailed(
            f"`meetlink {' '.join(args)}` exited {done.returncode}: " + " | ".join(tail)
        )
    return done.stdout


def plan_steps(results: Results, workspace: Path, env: dict[str, str], example: str) -> None:
    meeting = f"{example}/meeting.yaml"

    def table() -> None:
        if "Điểm cầu" not in meetlink(workspace, env, "plan", meeting):
            raise StepFailed("the table has no bridge points")

    def plan_json() -> None:
        data = json.loads(meetlink(workspace, env, "plan", meeting, "--format", "json"))
        missing = {"meeting", "bridge_points", "sittings", "actions"} - set(data)
        if missing or not data["bridge_points"]:
            raise StepFailed(f"the plan JSON lacks {sorted(missing) or 'bridge points'}")

    def notice() -> None:
        out = f"tb-{example}.docx"
        meetlink(workspace, env, "notice", meeting, "-o", out)
        for written in (out, out.replace(".docx", ".xlsx")):
            if not (workspace / written).is_file():
                raise StepFailed(f"the notice did not write {written}")

    results.step(f"{example}: plan (table)", table)
    results.step(f"{example}: plan (json)", plan_json)
    results.step(f"{example}: notice and its list of bridge points", notice)


def open_steps(results: Results, workspace: Path, env: dict[str, str], example: str) -> None:
    meeting = f"{example}/meeting.yaml"

    def first() -> None:
        output = meetlink(workspace, env, "open", meeting)
        if "create" not in output:
            raise StepFailed(f"the first open created nothing: {output.strip()}")

    def second() -> None:
        output = meetlink(workspace, env, "open", meeting)
        if NOTHING_TO_DO not in output:
            raise StepFailed(f"the second open did something: {output.strip()}")

    def status() -> None:
        output = meetlink(workspace, env, "status", meeting)
        if " 0 failed" not in output or " 0 pending" not in output:
            raise StepFailed(output.strip().splitlines()[-1])

    if results.step(f"{example}: open", first):
        results.step(f"{example}: open again does nothing", second)
        results.step(f"{example}: status", status)


@contextmanager
def google_emulator(env: dict[str, str]) -> Iterator[None]:
    """The Google emulator for the run, or Skipped when the google adapter is not there."""
    if importlib.util.find_spec("meetlink.adapters.google") is None:
        raise Skipped("google adapter not available (src/meetlink/adapters/google/)")
    try:
        from meetlink.adapters.registry import get_adapter

        get_adapter("google")
    except Exception as exc:  # not importable yet, or its extra is missing
        raise Skipped(f"google adapter not available ({exc})") from None
    from meetlink.testing.google import GoogleEmulator

    with GoogleEmulator() as emulator:
        env["MEETLINK_GOOGLE_EMULATOR_HOST"] = emulator.host
        try:
            yield
        finally:
            del env["MEETLINK_GOOGLE_EMULATOR_HOST"]


def google_steps(results: Results, workspace: Path, env: dict[str, str]) -> None:
    try:
        with google_emulator(env):
            open_steps(results, workspace, env, GOOGLE_EXAMPLE)
    except Skipped as why:
        results.step(f"{GOOGLE_EXAMPLE}: open (google track, emulator)", _raise(why))


def _raise(error: Exception) -> Callable[[], None]:
    def work() -> None:
        raise error

    return work


def report_steps(results: Results, workspace: Path, env: dict[str, str]) -> None:
    meeting = f"{REPORT_EXAMPLE}/meeting.yaml"

    def available() -> None:
        if importlib.util.find_spec("meetlink.report") is None:
            raise Skipped("the report package (src/meetlink/report) is not there")

    def report() -> None:
        available()
        roll_call = f"{REPORT_EXAMPLE}/roll-call.csv"
        meetlink(workspace, env, "report", meeting, "--attendance", roll_call, "-o", "bc/r.xlsx")
        for name in ("r.xlsx", "r-summary.txt", "r-chart.png"):
            if not (workspace / "bc" / name).is_file():
                raise StepFailed(f"the report did not write bc/{name}")

    def blank() -> None:
        available()
        meetlink(workspace, env, "report", meeting, "--blank", "-o", "diem-danh/")
        if not any((workspace / "diem-danh").glob("*.xlsx")):
            raise StepFailed("no blank roll-call sheet was written")

    results.step(f"{REPORT_EXAMPLE}: report from the roll call", report)
    results.step(f"{REPORT_EXAMPLE}: blank roll-call sheets", blank)


def adapter_steps(results: Results, workspace: Path, env: dict[str, str]) -> None:
    def conformance() -> None:
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=workspace / "adapter-example",
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        said = done.stdout.strip() or done.stderr.strip() or "no output"
        last = said.splitlines()[-1]
        if done.returncode != 0:
            raise StepFailed(f"pytest exited {done.returncode}: {last}")

    results.step("adapter-example: conformance tests", conformance)


def environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MEETLINK_")}
    env.update(
        MEETLINK_VAULT_KEY=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        MPLCONFIGDIR=str(home / "matplotlib"),
        MPLBACKEND="Agg",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def main() -> int:
    examples = sorted(p.parent.name for p in HERE.glob("*/meeting.yaml"))
    with tempfile.TemporaryDirectory(prefix="meetlink-examples-") as temporary:
        workspace = Path(temporary) / "examples"
        shutil.copytree(
            HERE,
            workspace,
            ignore=shutil.ignore_patterns(
                ".meetlink", "__pycache__", "*.egg-info", ".pytest_cache"
            ),
        )
        (Path(temporary) / "home").mkdir()
        env = environment(Path(temporary) / "home")
        jobs: list[Callable[[Results], None]] = []
        for example in examples:

            def job(results: Results, example: str = example) -> None:
                plan_steps(results, workspace, env, example)
                if example in OPEN_WITHOUT_ACCOUNTS:
                    open_steps(results, workspace, env, example)

            jobs.append(job)
        jobs.append(lambda results: google_steps(results, workspace, dict(env)))
        jobs.append(lambda results: report_steps(results, workspace, env))
        jobs.append(lambda results: adapter_steps(results, workspace, env))
        outcomes = [Results() for _ in jobs]
        with ThreadPoolExecutor(max_workers=4) as pool:
            for future in [pool.submit(job, out) for job, out in zip(jobs, outcomes, strict=True)]:
                future.result()
    for outcome in outcomes:
        for line in outcome.lines:
            print(line)
    passed = sum(o.passed for o in outcomes)
    skipped = sum(o.skipped for o in outcomes)
    failed = sum(o.failed for o in outcomes)
    print(f"examples: {passed} ok, {skipped} skipped, {failed} failed")
    if failed:
        print("examples: FAILED — see the FAILED lines above", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
