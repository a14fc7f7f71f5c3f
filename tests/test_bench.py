"""The benchmark harness runs (a few steps); its speeds are measured by running it, not here."""

import json
import subprocess
import sys

from tests.conftest import ROOT


def test_bench_harness_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--configs", "mlp-ring8,dcgan-32x32x1",
                        "--steps", "3", "--rounds", "1", "--devices", "cpu", "--warmup", "1",
                        "--set", "perf.optimizer_impl=foreach", "--out", str(out)],
                       capture_output=True, text=True)  # fmt: skip
    assert r.returncode == 0, r.stderr
    data = json.loads(out.read_text())
    assert [row["config"] for row in data["results"]] == ["mlp-ring8", "dcgan-32x32x1"]
    row = data["results"][0]
    assert row["ganlab_steps_per_second"] > 0 and row["plain_steps_per_second"] > 0
    assert row["batch_size"] == 256 and data["results"][1]["batch_size"] == 64  # each configuration's own batch
    assert row["fast_path"]["optimizer_impl"] == "foreach"  # --set reaches the ganlab side
    assert {"machine", "torch", "cpu_threads", "ganlab"} <= set(data["meta"])


def test_bench_rejects_unknown_configs():
    r = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--configs", "vgg"], capture_output=True, text=True)
    assert r.returncode == 1 and "unknown configuration(s) vgg; choose from" in r.stderr
