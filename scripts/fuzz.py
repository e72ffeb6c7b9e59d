"""Coverage-guided fuzzing of the untrusted-input parsers with atheris (libFuzzer).

    .venv/bin/python scripts/fuzz.py --target jt808 --seconds 600
    .venv/bin/python scripts/fuzz.py --target gtfs --seconds 600 --jobs 2
    .venv/bin/python scripts/fuzz.py --target push --seconds 60 --merge
    .venv/bin/python scripts/fuzz.py --target taps_csv --minimise
    .venv/bin/python scripts/fuzz.py --target jt808 --replay

Targets are the functions of scripts/fuzz_targets.py: ``jt808`` (framing and codec,
with the re-encoding round trip), ``push`` (the HTTP push body), ``gtfs`` (the GTFS
importer; a custom mutator edits the CSV texts inside the zip) and ``taps_csv``
(the simulator's tap file reader). The JT/T 808 server is fuzzed over real sockets
by hypothesis in tests/fuzz/test_jt808_server.py instead.

The seeds in tests/fuzz/corpus/<target>/ are committed and only read during a run;
new inputs go to a work corpus in a temporary folder, shared by the ``--jobs``
workers. ``--merge`` then adds to the seeds the few inputs that reach new code
(libFuzzer ``-merge=1``, edges only); ``--minimise`` reduces the seeds to a
smallest set reaching the same code, keeping every ``crash-*`` input. Crash
inputs are written to the temporary folder and printed with their traceback; the
exit status is 1 when there was one. ``--replay`` runs the committed corpus
through the target without atheris.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
DICTS = ROOT / "tests" / "fuzz" / "dicts"
TARGETS = ("jt808", "push", "gtfs", "taps_csv")
# Largest input per target: a few JT/T 808 frames, a push body, the tiny feed zipped
# with room to grow, a tap file of some lines.
MAX_LEN = {"jt808": 4096, "push": 4096, "gtfs": 16384, "taps_csv": 4096}
# Seconds one input may take before libFuzzer calls it a hang.
TIMEOUT_S = 20


@dataclass
class WorkerStats:
    executions: int = 0
    exec_per_s: int = 0
    cov: int = 0
    ft: int = 0
    new_units: int = 0
    peak_rss_mb: int = 0


def _libfuzzer_worker(target: str, launcher: str, libfuzzer_args: list[str]) -> None:
    """Runs inside a worker process; libFuzzer exits the process when done."""
    import atheris

    # Only our packages are instrumented: coverage of pandas or orjson internals
    # would steer the fuzzer towards their code instead of ours.
    with atheris.instrument_imports(include=["feeds", "transit"]):
        import fuzz_targets
    # libFuzzer ends the process without Python's exit handlers: keep the tap file
    # the taps_csv target writes in the run's folder, not in /tmp.
    fuzz_targets.TAPS_PATH = Path(launcher).with_name(f"taps-{os.getpid()}.csv")
    options = {}
    if target == "gtfs":
        options["custom_mutator"] = lambda data, max_size, seed: fuzz_targets.mutate_feed(
            data, max_size, seed, atheris.Mutate)
    # libFuzzer runs argv[0] again for -merge: it must be the executable launcher.
    atheris.Setup([launcher, *libfuzzer_args], fuzz_targets.TARGETS[target], **options)
    atheris.Fuzz()


def _worker_command(target: str, work: Path, libfuzzer_args: list[str]) -> list[str]:
    """A worker's command line: an executable launcher in ``work`` (libFuzzer's merge
    runs its argv[0] through the shell, and this script is not executable)."""
    launcher = work / f"worker-{target}.sh"
    if not launcher.exists():
        launcher.write_text(
            "#!/bin/sh\n"
            f"exec {shlex.quote(sys.executable)} {shlex.quote(str(Path(__file__).resolve()))} "
            f"--target {target} --worker --launcher {shlex.quote(str(launcher))} -- \"$@\"\n")
        launcher.chmod(0o755)
    return [str(launcher), *libfuzzer_args]


def _common_args(target: str) -> list[str]:
    args = [f"-max_len={MAX_LEN[target]}", f"-timeout={TIMEOUT_S}", "-print_final_stats=1"]
    dictionary = DICTS / f"{target}.dict"
    if dictionary.exists():
        args.append(f"-dict={dictionary}")
    return args


def _parse_stats(log: str) -> WorkerStats:
    stats = WorkerStats()
    for name, value in re.findall(r"^stat::(\w+):\s+(\d+)", log, re.M):
        if name == "number_of_executed_units":
            stats.executions = int(value)
        elif name == "average_exec_per_sec":
            stats.exec_per_s = int(value)
        elif name == "new_units_added":
            stats.new_units = int(value)
        elif name == "peak_rss_mb":
            stats.peak_rss_mb = int(value)
    progress = re.findall(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+)", log, re.M)
    if progress:
        last = progress[-1]
        stats.executions = stats.executions or int(last[0])
        stats.cov, stats.ft = int(last[1]), int(last[2])
    return stats


def _size(folder: Path) -> tuple[int, int]:
    files = [f for f in folder.iterdir() if f.is_file()] if folder.exists() else []
    return len(files), sum(f.stat().st_size for f in files)


def _tracebacks(log: str) -> list[str]:
    """The Python tracebacks atheris printed for uncaught exceptions."""
    parts = log.split("=== Uncaught Python exception: ===")[1:]
    return [part.split("==")[0].strip() for part in parts]


def fuzz(target: str, seconds: int, jobs: int, work: Path) -> int:
    """Fuzz ``target`` for ``seconds`` with ``jobs`` workers; returns the number of crashes."""
    seeds = CORPUS / target
    seeds.mkdir(parents=True, exist_ok=True)
    corpus, artifacts = work / "corpus", work / "artifacts"
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(exist_ok=True)
    args = [*_common_args(target), f"-max_total_time={seconds}", f"-artifact_prefix={artifacts}/",
            str(corpus), str(seeds)]
    logs = [work / f"worker-{n}.log" for n in range(jobs)]
    started = time.monotonic()
    workers = []
    for log in logs:
        with log.open("w") as out:
            workers.append(subprocess.Popen(_worker_command(target, work, args), stdout=out,
                                            stderr=subprocess.STDOUT, cwd=ROOT))
    for worker in workers:
        worker.wait()
    elapsed = time.monotonic() - started
    texts = [log.read_text(errors="replace") for log in logs]
    stats = [_parse_stats(text) for text in texts]
    crashes = sorted(p for p in artifacts.iterdir() if p.is_file())
    units, size = _size(corpus)
    seed_units, seed_size = _size(seeds)
    print(f"target {target}: {elapsed:.0f} s, {jobs} worker(s), exit codes "
          f"{[w.returncode for w in workers]}")
    print(f"  executions   {sum(s.executions for s in stats):,} "
          f"({sum(s.exec_per_s for s in stats):,}/s)")
    print(f"  coverage     cov {max(s.cov for s in stats)}, features ft {max(s.ft for s in stats)}"
          f" (the best worker)")
    print(f"  corpus       work {units} inputs, {size / 1024:.1f} KiB; "
          f"seeds {seed_units} inputs, {seed_size / 1024:.1f} KiB")
    print(f"  new inputs   {sum(s.new_units for s in stats)} added to the work corpus")
    print(f"  peak RSS     {max(s.peak_rss_mb for s in stats)} MB")
    print(f"  crashes      {len(crashes)}")
    for crash in crashes:
        print(f"    {crash}")
    for text in texts:
        for trace in _tracebacks(text):
            print("    " + trace.replace("\n", "\n    "))
    print(f"  logs         {work}")
    return len(crashes)


def merge(target: str, into: Path, sources: list[Path], work: Path) -> None:
    """libFuzzer ``-merge=1``: adds to ``into`` the inputs of ``sources`` with new coverage."""
    control = work / "merge.control"
    control.unlink(missing_ok=True)  # a control file left over would resume an old merge
    # Edges only (no hit counts): the committed corpus stays a few dozen inputs;
    # a run finds the hit-count variations again from them within seconds.
    command = _worker_command(target, work, [*_common_args(target), "-use_counters=0", "-merge=1",
                                             f"-merge_control_file={control}",
                                             str(into), *map(str, sources)])
    log = work / "merge.log"
    with log.open("w") as out:
        result = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    # libFuzzer exits 0 even when every attempt of its inner process failed.
    if result.returncode != 0 or not re.search(r"MERGE-OUTER: succe\w+ in", log.read_text()):
        raise SystemExit(f"merge failed (exit {result.returncode}), see {log}")


def minimise(target: str, seeds: Path, work: Path) -> None:
    """Reduces ``seeds`` to a smallest set with the same coverage; the ``crash-*``
    inputs (regression tests) always stay, and are merged first."""
    kept, others = work / "minimised", work / "others"
    for folder in (kept, others):
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
    for path in seeds.iterdir():
        shutil.copy2(path, (kept if path.name.startswith("crash-") else others) / path.name)
    merge(target, kept, [others], work)
    before = _size(seeds)
    for old in seeds.iterdir():
        old.unlink()
    for new in kept.iterdir():
        shutil.copy2(new, seeds / new.name)
    units, size = _size(seeds)
    print(f"  minimised    seeds {before[0]} -> {units} inputs, "
          f"{before[1] / 1024:.1f} -> {size / 1024:.1f} KiB")

def replay(target: str) -> int:
    """Runs the committed corpus through ``target`` without atheris; returns the failures."""
    import fuzz_targets

    failures = 0
    for path in sorted((CORPUS / target).iterdir()):
        try:
            fuzz_targets.TARGETS[target](path.read_bytes())
        except Exception as exc:  # noqa: BLE001 - every failure is reported, then counted
            failures += 1
            print(f"{path}: {type(exc).__name__}: {exc}")
    print(f"target {target}: {len(list((CORPUS / target).iterdir()))} inputs, {failures} failing")
    return failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=TARGETS, required=True)
    parser.add_argument("--seconds", type=int,
                        help="how long to fuzz (default 60; 0 with --minimise: only minimise)")
    parser.add_argument("--jobs", type=int, default=1, help="fuzzing processes sharing a corpus")
    parser.add_argument("--merge", action="store_true",
                        help="add the run's inputs with new coverage to tests/fuzz/corpus/<target>")
    parser.add_argument("--minimise", action="store_true",
                        help="reduce tests/fuzz/corpus/<target> to a smallest set, same coverage")
    parser.add_argument("--replay", action="store_true",
                        help="run the committed corpus through the target (no atheris needed)")
    parser.add_argument("--work-dir", type=Path, help="default: a new temporary folder")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--launcher", help=argparse.SUPPRESS)
    parser.add_argument("libfuzzer_args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        _libfuzzer_worker(args.target, args.launcher, args.libfuzzer_args)
        return
    if args.replay:
        sys.exit(1 if replay(args.target) else 0)
    try:
        import atheris  # noqa: F401
    except ImportError:
        sys.exit("atheris is not installed: .venv/bin/pip install atheris "
                 "(or run the hypothesis tests in tests/fuzz)")
    work = args.work_dir or Path(tempfile.mkdtemp(prefix=f"fuzz-{args.target}-"))
    work.mkdir(parents=True, exist_ok=True)
    seeds = CORPUS / args.target
    seconds = args.seconds if args.seconds is not None else (0 if args.minimise else 60)
    crashes = fuzz(args.target, seconds, args.jobs, work) if seconds > 0 else 0
    if args.merge:
        merge(args.target, seeds, [work / "corpus"], work)
        units, size = _size(seeds)
        print(f"  merged       seeds now {units} inputs, {size / 1024:.1f} KiB")
    if args.minimise:
        minimise(args.target, seeds, work)
    sys.exit(1 if crashes else 0)


if __name__ == "__main__":
    main()
