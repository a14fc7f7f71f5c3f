"""Pictures of generated samples at every evaluation: ``samples/step-XXXXXX.png``, and
``samples/final.png`` at the end of a completed run.

Images: a grid of 64 samples from the same fixed noise every time, so pictures from successive
steps compare like for like. 2-D points: 2,500 generated points over 2,500 real ones.
"""

import shutil

import ganlab
from ganlab.pictures import save_grid, save_scatter

FIXED_SEED = 20140610  # the fixed noise of every grid (Goodfellow et al.'s arXiv date)


@ganlab.hookimpl
def on_evaluate(run, step):
    path = run.dir / "samples" / f"step-{step:06d}.png"
    if run.data_kind == "images":
        save_grid(run.generate(64, FIXED_SEED), path, nrow=8)
    elif run.data_shape == (2,):
        save_scatter(run.generate(2500, FIXED_SEED), run.real(2500, FIXED_SEED), path, title=f"{run.title}, step {step:,}")
    else:
        return
    if step == run.total_steps:
        final = run.dir / "samples" / "final.png"
        shutil.copyfile(path, final)
        run.artifacts["samples"] = final
