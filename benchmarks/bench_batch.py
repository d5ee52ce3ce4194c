"""Speed and memory of ``match batch``: postings per second and peak memory, by engine.

Postings are built in memory from the SkillSpan job ads in ../shared/data/skillspan
(sentences grouped by posting ``idx``; 198 ads of ~4,400 characters) and written to a
Parquet table in a temporary folder, never into the repository. Beyond the first 198,
each posting is an ad with its body sentences shuffled and about a tenth dropped, so
every text is distinct and of ordinary length. Each run is the real command
(``match batch CV TABLE -o out.csv``) in a subprocess; memory is the resident memory
of the whole process tree (the command, its worker processes or its Dask cluster),
sampled every 0.2 s.

    python benchmarks/bench_batch.py --counts 1000 10000 --setups local-1 local-2 dask-2

Prints one Markdown table row per run and appends it as JSON to WORKDIR/results.jsonl.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path

import pandas as pd
import psutil

REPO = Path(__file__).resolve().parent.parent
SKILLSPAN = REPO.parent / "shared" / "data" / "skillspan"
CV = REPO / "corpora" / "examples" / "profiles" / "python-backend-developer-cv.txt"
START = "from matcher.cli import main; main()"


def skillspan_ads() -> list[list[str]]:
    """The SkillSpan job ads as lists of sentences, in a fixed order."""
    ads: dict[tuple[str, str, int], list[str]] = defaultdict(list)
    for split in ("train", "dev"):
        with (SKILLSPAN / f"{split}.json").open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                ads[(split, row["source"], row["idx"])].append(" ".join(row["tokens"]))
    return [ads[key] for key in sorted(ads)]


def build_postings(count: int, seed: int = 0) -> pd.DataFrame:
    ads = skillspan_ads()
    rng = random.Random(seed)
    ids, texts = [], []
    for k in range(count):
        sentences = ads[k % len(ads)]
        if k >= len(ads):
            head, body = sentences[:1], sentences[1:]
            body = [s for s in body if rng.random() > 0.1]
            rng.shuffle(body)
            sentences = head + body
        ids.append(f"ss-{k:05}")
        texts.append("\n".join(sentences))
    return pd.DataFrame({"id": ids, "text": texts})


def sample_tree(
    process: psutil.Process, cpu: dict[int, float], peaks: dict[int, tuple[str, int]]
) -> int:
    """The resident memory of a process tree now; records each process's CPU time and
    its own peak memory (with what it is, to see which part of the tree grows)."""
    total = 0
    try:
        tree = [process, *process.children(recursive=True)]
    except psutil.Error:  # a child ended while the tree was listed; the next sample counts
        return 0
    for proc in tree:
        with contextlib.suppress(psutil.Error):  # a process that just ended
            rss = proc.memory_info().rss
            total += rss
            times = proc.cpu_times()
            cpu[proc.pid] = max(cpu.get(proc.pid, 0.0), times.user + times.system)
            role = peaks[proc.pid][0] if proc.pid in peaks else process_role(proc, process)
            peaks[proc.pid] = (role, max(rss, peaks.get(proc.pid, ("", 0))[1]))
    return total


def process_role(proc: psutil.Process, root: psutil.Process) -> str:
    """What a process in the tree is: the command, a worker, a nanny, the scheduler."""
    if proc.pid == root.pid:
        return "command"
    line = " ".join(proc.cmdline())
    for role in ("spawn_main", "forkserver", "resource_tracker", "nanny", "scheduler", "worker"):
        if role in line:
            return {"spawn_main": "worker process"}.get(role, role)
    return proc.name()


def run(table: Path, out: Path, setup: str) -> dict[str, float]:
    engine, workers = setup.split("-")
    out.unlink(missing_ok=True)
    command = [sys.executable, "-c", START, "batch", str(CV), str(table), "-o", str(out)]
    command += ["--workers", workers, "--top", "3", "--engine", engine]
    peak = 0
    cpu: dict[int, float] = {}
    peaks: dict[int, tuple[str, int]] = {}
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    watched = psutil.Process(process.pid)
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, sample_tree(watched, cpu, peaks))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, stderr = process.communicate()
    seconds = time.monotonic() - started
    stop.set()
    sampler.join()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{setup} failed ({process.returncode}): {stderr.decode()[-2000:]}")
    scored = pd.read_csv(out, usecols=["fit", "error"])
    return {
        "seconds": round(seconds, 1),
        "failed": int(scored["error"].notna().sum()),
        "peak_mb": round(peak / 2**20),
        # CPU seconds per posting barely depend on what else the machine is doing;
        # wall time does (the benchmark machine is shared).
        "cpu_per_posting": round(sum(cpu.values()) / len(scored), 3),
        "cpu_by_process": {str(pid): round(t, 1) for pid, t in cpu.items()},
        "peak_mb_by_process": {
            f"{role} {pid}": round(rss / 2**20) for pid, (role, rss) in peaks.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[1000])
    parser.add_argument("--setups", nargs="+", default=["local-1", "local-2", "dask-2"])
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "bench_batch")
    args = parser.parse_args()
    if not SKILLSPAN.is_dir():
        raise SystemExit(f"needs the SkillSpan data in {SKILLSPAN}")
    args.workdir.mkdir(parents=True, exist_ok=True)
    print(
        "| setup | postings | seconds | postings/s | CPU s/posting | peak memory (MB)"
        " | failed | load |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for count in args.counts:
        table = args.workdir / f"postings-{count}.parquet"
        if not table.exists():
            build_postings(count).to_parquet(table, index=False)
        for setup in args.setups:
            before = os.getloadavg()[0]
            result = run(table, args.workdir / f"out-{setup}-{count}.csv", setup)
            load = f"{before:.1f} -> {os.getloadavg()[0]:.1f}"
            rate = count / result["seconds"]
            print(
                f"| {setup} | {count} | {result['seconds']} | {rate:.1f} |"
                f" {result['cpu_per_posting']} | {result['peak_mb']} | {result['failed']} |"
                f" {load} |",
                flush=True,
            )
            with (args.workdir / "results.jsonl").open("a") as handle:
                record = {"setup": setup, "count": count, **result, "load": load}
                handle.write(json.dumps(record) + "\n")


if __name__ == "__main__":
    main()
