"""`ganlab compare` on synthetic run directories with hand-computed answers."""

import csv
import io
import json
import shutil
import statistics
import subprocess

import pytest
from click.testing import CliRunner

from ganlab.cli import build
from ganlab.compare import aggregate, discover


def make_run(root, name, *, loss="nonsat", seed=0, lr=0.001, status="completed", modes=8.0, hq=90.0, data="ring8\"\nstd = 0.01",
             best_modes=None, protocol=None, sps=100.0, verdict="ok", metrics_lines=None):  # fmt: skip
    d = root / name
    d.mkdir(parents=True)
    (d / "config.toml").write_text(
        f'seed = {seed}\ndevice = "cpu"\n[train]\nlr_g = {lr}\n[log]\nevery = 50\n'
        f'[arch]\nname = "mlp"\n[loss]\nname = "{loss}"\n[data]\nname = "{data}\n'
    )
    metrics = {"mode-coverage/modes": modes, "mode-coverage/high_quality": hq, "loss_d": 1.0}
    if protocol:
        metrics["fid/fid"], metrics["fid/protocol"] = 10.0 + seed, protocol
    best = {
        "mode-coverage/modes": {"value": best_modes if best_modes is not None else modes, "step": 100, "better": "higher"},
        "mode-coverage/high_quality": {"value": hq, "step": 200, "better": "higher"},
    }
    if protocol:
        best["fid/fid"] = {"value": 9.0, "step": 100, "better": "lower"}
    summary = {"status": status, "step": 200, "total_steps": 200, "steps_per_second": sps, "metrics": metrics,
               "best": best, "verdicts": {"mode-coverage": {"level": verdict, "reason": ""}}}  # fmt: skip
    (d / "summary.json").write_text(json.dumps(summary))
    lines = metrics_lines or [
        {"step": 100, "kind": "train", "loss_d": 1.2, "loss_g": 0.8, "d_real": 0.6, "d_fake": 0.4},
        {"step": 100, "kind": "eval", "mode-coverage/modes": modes - 1},
        {"step": 200, "kind": "train", "loss_d": 1.1, "loss_g": 0.9, "d_real": 0.55, "d_fake": 0.45},
        {"step": 200, "kind": "eval", "mode-coverage/modes": modes},
    ]
    (d / "metrics.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines))
    return d


@pytest.fixture
def runs(tmp_path):
    root = tmp_path / "runs"
    make_run(root, "ns0", seed=0, modes=8, hq=90, best_modes=8)
    make_run(root, "ns1", seed=1, modes=6, hq=80, best_modes=7, verdict="warning")
    make_run(root, "ns2", seed=2, modes=7, hq=85, best_modes=8)
    make_run(root, "mm0", loss="minimax", seed=0, modes=3, hq=50, verdict="failure")
    make_run(root, "mm1", loss="minimax", seed=1, modes=5, hq=60, status="diverged")
    return root


def invoke(*args):
    return CliRunner().invoke(build(), list(args), catch_exceptions=False)


def test_groups_differ_only_in_seed_and_aggregate_by_hand(runs):
    found, problems = discover([runs])
    assert len(found) == 5 and problems == []
    table = aggregate(found)
    assert table.varying == ["loss.name"]
    groups = {g.config["loss.name"]: g for g in table.groups}
    ns = groups["nonsat"].stats["mode-coverage/modes"]
    assert (ns.mean, ns.n) == (7.0, 3)
    assert ns.std == pytest.approx(statistics.stdev([8, 6, 7]))  # = 1.0
    assert ns.best == pytest.approx((8 + 7 + 8) / 3)
    assert ns.better == "higher"
    mm = groups["minimax"]
    assert mm.stats["mode-coverage/modes"].mean == 3.0 and mm.stats["mode-coverage/modes"].n == 1  # diverged run not averaged
    assert mm.statuses == {"completed": 1, "diverged": 1}
    assert groups["nonsat"].verdicts == {"ok": 2, "warning": 1}
    assert table.metrics == ["mode-coverage/high_quality", "mode-coverage/modes", "steps_per_second"]


def test_options_of_different_components_are_not_columns(tmp_path):
    root = tmp_path / "runs"
    make_run(root, "a", data='ring8"\nstd = 0.01\nradius = 1.0')
    make_run(root, "b", data='grid25"\nstd = 0.05\nspacing = 2.0')
    make_run(root, "c", data='grid25"\nstd = 0.1\nspacing = 2.0')
    table = aggregate(discover([root])[0])
    assert table.varying == ["data.name", "data.std"]  # std differs between the two grid25 groups


def test_json_csv_markdown_parse_back(runs):
    data = json.loads(invoke("compare", str(runs), "--json", "--sort", "mode-coverage/modes").output)
    assert [g["config"]["loss.name"] for g in data["groups"]] == ["nonsat", "minimax"]  # higher is better first
    assert data["groups"][0]["metrics"]["mode-coverage/modes"]["mean"] == 7.0
    assert data["metrics"]["mode-coverage/modes"] == "higher"
    rows = list(csv.DictReader(io.StringIO(invoke("compare", str(runs), "--csv").output)))
    by_loss = {r["loss"]: r for r in rows}
    assert float(by_loss["nonsat"]["mode-coverage/high_quality mean"]) == 85.0
    assert float(by_loss["nonsat"]["mode-coverage/high_quality std"]) == 5.0
    assert by_loss["minimax"]["mode-coverage/modes n"] == "1"
    md = invoke("compare", str(runs), "--markdown").output.strip().splitlines()
    header = [c.strip() for c in md[0].strip("|").split("|")]
    assert header[:3] == ["loss", "runs", "mode-coverage/high_quality"]
    cells = {line.split("|")[1].strip(): [c.strip() for c in line.strip("|").split("|")] for line in md[2:]}
    assert cells["nonsat"][2] == "**85 ± 5 (n=3)**"  # best group in bold
    assert cells["minimax"][2] == "50 (n=1)"


def test_rich_table_fits_and_highlights(runs):
    out = invoke("compare", str(runs)).output
    assert "2 groups, 5 runs" in out and "nonsat" in out and "minimax" in out
    assert max(len(line) for line in out.splitlines()) <= 80


def test_sort_by_unknown_metric(runs):
    r = invoke("compare", str(runs), "--sort", "mode")
    assert r.exit_code == 1
    assert "cannot sort by 'mode': no such metric. Did you mean mode-coverage/modes?" in r.output


def test_skipped_and_partial_runs_never_crash(runs, tmp_path):
    make_run(runs, "truncated", seed=3, metrics_lines=None)
    with (runs / "truncated" / "metrics.jsonl").open("a") as f:
        f.write('{"step": 300, "ki')
    running = make_run(runs, "running", seed=4)
    (running / "summary.json").unlink()
    (runs / "not-a-run").mkdir()
    (runs / "broken").mkdir()
    (runs / "broken" / "config.toml").write_text("[[[ nonsense")
    r = invoke("compare", str(runs), str(tmp_path / "missing"))
    assert r.exit_code == 0
    out = r.output.replace("\n", " ")
    assert "partial:" in out and "no summary.json (still running, or stopped without one)" in out
    assert "metrics.jsonl: 1 malformed or truncated line(s) skipped; summary used" in out
    assert f"skipped: {runs / 'not-a-run'}: not a run directory, and holds none" in out
    assert "config.toml unreadable" in out
    assert "does not exist" in out
    data = json.loads(invoke("compare", str(runs), "--json").output)
    assert sum(len(g["runs"]) for g in data["groups"]) == 6  # the truncated one counts, the running one not
    empty = invoke("compare", str(tmp_path / "missing"))
    assert empty.exit_code == 1 and "no finished runs to compare" in empty.output


def test_different_protocols_are_not_averaged(tmp_path):
    root = tmp_path / "runs"
    make_run(root, "a", seed=0, protocol="digits-cnn; 1797 real, 2500 fake; 1x32x32")
    make_run(root, "b", seed=1, protocol="digits-cnn; 1797 real, 1000 fake; 1x32x32")
    table = aggregate(discover([root])[0])
    fid = table.groups[0].stats["fid/fid"]
    assert fid.mixed and fid.mean is None
    assert "mixed protocols" in invoke("compare", str(root), "--markdown").output


def test_html_report_opens_in_a_real_browser(runs, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    (runs / "ns0" / "samples").mkdir()
    from PIL import Image

    Image.new("RGB", (40, 40), "white").save(runs / "ns0" / "samples" / "final.png")
    r = invoke("compare", str(runs), "--report", str(tmp_path / "report"))
    index = tmp_path / "report" / "index.html"
    assert f"report: {index}" in r.output and index.is_file()
    text = index.read_text()
    assert text.count("data:image/png;base64,") == 4  # metrics, losses, D(x)/D(G(z)), one sample picture
    if chromium is None:
        pytest.skip("no chromium installed (apt-get install chromium) for the browser check")
    dom = subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tmp_path / 'chrome'}", "--dump-dom", index.as_uri()],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert 'data-loaded="4" data-total="4"' in dom


def test_the_terminal_table_fits_80_columns_and_says_what_it_left_out(tmp_path):
    root = tmp_path / "runs"
    for i, (loss, lr) in enumerate([("nonsat", 0.001), ("minimax", 0.0002), ("hinge", 0.001)]):
        d = make_run(root, f"r{i}", loss=loss, lr=lr, seed=0, protocol="digits-cnn; 1797 real, 2500 fake; 1x32x32")
        summary = json.loads((d / "summary.json").read_text())
        for j, name in enumerate(("kid/kid", "precision-recall/precision", "precision-recall/recall", "mode-coverage/reverse_kl")):
            summary["metrics"][name] = 0.1 * (i + j)
            summary["best"][name] = {"value": 0.1 * (i + j), "step": 100, "better": "lower" if "k" in name else "higher"}
        (d / "summary.json").write_text(json.dumps(summary))
    out = invoke("compare", str(root)).output
    assert max(len(line) for line in out.splitlines() if not line.startswith(("1 more", "2 more", "3 more", "4 more", "5 more"))) <= 80
    assert "loss=minimax" in out and "lr_g=0.0002" in out  # what varies, in one column
    note = next(line for line in out.splitlines() if "not shown at this width" in line)
    assert "--metrics NAME,... picks the columns" in note
    picked = invoke("compare", str(root), "--metrics", "recall,kid").output
    header = "".join(line for line in picked.splitlines() if line.startswith("┃"))
    assert "recall" in header and "kid" in header and "high_quality" not in header and "not shown" in picked


def test_a_tie_is_not_marked_as_a_best(tmp_path):
    root = tmp_path / "runs"
    make_run(root, "a", loss="nonsat", modes=8, hq=90)
    make_run(root, "b", loss="minimax", modes=8, hq=80)
    md = invoke("compare", str(root), "--markdown").output
    rows = [line for line in md.splitlines()[2:]]
    assert all("**8 (n=1)**" not in r for r in rows)  # 8 modes each: no best
    assert any("**90 (n=1)**" in r for r in rows)  # 90% against 80%: a best


def test_thousands_of_runs_are_read_by_a_pool_with_the_same_result(tmp_path, monkeypatch):
    import ganlab.compare as compare_mod

    for i in range(12):
        make_run(tmp_path / "runs", f"r{i}", seed=i, lr=1e-3 if i % 2 else 2e-4)
    (tmp_path / "runs" / "r3" / "summary.json").write_text("{")  # one the pool must report, as one process does
    serial = invoke("compare", str(tmp_path / "runs"), "--json").output
    monkeypatch.setattr(compare_mod, "PARALLEL_FROM", 2)
    pooled = invoke("compare", str(tmp_path / "runs"), "--json").output
    assert pooled == serial and "summary.json is not valid JSON" in pooled
