"""How ``ganlab compare`` scales with the number of run directories.

    python benchmarks/compare_scale.py                          # 1,000 and 10,000 runs
    python benchmarks/compare_scale.py --runs 100 1000 --out compare.json

One real run is trained (the default MLP GAN on ring8, 200 steps: its config.toml, summary.json and
a metrics.jsonl of 41 records, the size a 10,000-step run logs every 250 steps) and copied into N
run directories over 10 learning rates x N/10 seeds, with their seeds and learning rates rewritten.
Then ``ganlab compare DIR --json`` runs in a fresh process, as a user runs it, and its wall time is
reported, start-up (about 1 s of imports) included; the median of ``--rounds``. The file cache is
warm (each size is read once before timing), as it is right after a sweep.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def make_runs(root: Path, n: int, template: Path) -> Path:
    out = root / f"runs-{n}"
    config = (template / "config.toml").read_text()
    summary = json.loads((template / "summary.json").read_text())
    metrics = (template / "metrics.jsonl").read_bytes()
    for i in range(n):
        lr, seed = f"{(i % 10 + 1) * 1e-4:.0e}", i // 10
        d = out / f"lr={lr}" / f"seed={seed}"
        d.mkdir(parents=True)
        text = config.replace("seed = 0", f"seed = {seed}").replace("lr_g = 0.001", f"lr_g = {lr}")
        (d / "config.toml").write_text(text)
        summary["seed"] = seed
        (d / "summary.json").write_text(json.dumps(summary))
        (d / "metrics.jsonl").write_bytes(metrics)
    return out


def time_compare(path: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ganlab", "compare", str(path), "--json"], capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"compare failed: {done.stderr.strip()}")
    groups = json.loads(done.stdout)["groups"]
    return seconds, sum(len(g["runs"]) for g in groups)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, nargs="+", default=[1000, 10000])
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--out", help="write the results as JSON here")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        template = root / "template"
        subprocess.run([sys.executable, "-m", "ganlab", "run", "--steps", "200", "--set", "log.every=5", "--set", "log.progress=false",
                        "--out", str(template)], check=True, capture_output=True)  # fmt: skip
        results = []
        for n in args.runs:
            path = make_runs(root, n, template)
            time_compare(path)  # warm the file cache
            times = []
            for _ in range(args.rounds):
                seconds, found = time_compare(path)
                times.append(seconds)
            assert found == n, f"compare found {found} of {n} runs"
            results.append({"runs": n, "seconds": round(statistics.median(times), 2), "per_1000": round(1000 * statistics.median(times) / n, 2)})
            print(f"{n:>6} runs: {statistics.median(times):6.2f} s (median of {args.rounds}), {results[-1]['per_1000']} s per 1,000")
            shutil.rmtree(path)
    if args.out:
        Path(args.out).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
