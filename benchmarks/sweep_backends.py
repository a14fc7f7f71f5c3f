"""The same 8-run sweep on the local backend and on a local Ray cluster: wall time and the ratio.

    python benchmarks/sweep_backends.py                       # 8 runs of the default GAN, 1,500 steps
    python benchmarks/sweep_backends.py --steps 3000 --out sweep.json

Both backends run 2 runs at a time with one thread each (``--workers 2``; Ray: a head node
with ``--num-cpus 2`` and ``--cpus-per-run 1``), so the ratio is the backend's overhead: task
scheduling, the worker's imports, result collection. The cluster's start-up (``ray start --head``)
is timed apart: it is paid once per cluster, not per sweep. Needs ``pip install 'ganlab[ray]'``.
Run it on a quiet machine: two runs at a time fill two cores.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RAY = str(Path(sys.executable).with_name("ray"))


def sweep(out: Path, steps: int, *extra: str) -> float:
    args = [sys.executable, "-m", "ganlab", "sweep", "--loss", "nonsat,minimax", "--seeds", "0-3", "--steps", str(steps),
            "--set", "log.progress=false", "--out", str(out), *extra]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"sweep failed: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--out", help="write the results as JSON here")
    args = p.parse_args()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        local = sweep(root / "local", args.steps, "--workers", "2")
        print(f"local backend, 8 runs: {local:.1f} s")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        temp = Path("/tmp") / f"ray-bench-{os.getpid()}"
        start = time.perf_counter()
        subprocess.run([RAY, "start", "--head", f"--port={port}", "--num-cpus=2", "--include-dashboard=false", f"--temp-dir={temp}",
                        "--disable-usage-stats"], check=True, capture_output=True, env=env)  # fmt: skip
        startup = time.perf_counter() - start
        print(f"ray start --head: {startup:.1f} s")
        try:
            from ray._private.services import get_node_ip_address

            address = f"{get_node_ip_address()}:{port}"
            ray = sweep(root / "ray", args.steps, "--backend", "ray", "--address", address, "--cpus-per-run", "1")
        finally:
            subprocess.run([RAY, "stop", "--force"], capture_output=True, env=env)
            shutil.rmtree(temp, ignore_errors=True)
        print(f"ray backend, 8 runs: {ray:.1f} s; ratio ray/local {ray / local:.3f}")
    result = {"runs": 8, "steps": args.steps, "local_s": round(local, 1), "ray_s": round(ray, 1), "ratio": round(ray / local, 3),
              "ray_start_s": round(startup, 1)}  # fmt: skip
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
