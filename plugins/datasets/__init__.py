"""Built-in datasets: the mixture benchmarks of PacGAN/VEEGAN/Unrolled GAN and points files."""

import ganlab


@ganlab.hookimpl
def register_datasets(register):
    register("ring8", "ganlab.plugins.datasets.mixtures:Ring", aliases=("ring",),
             description="8 Gaussians on a circle of radius 1, std 0.01 (PacGAN's ring)")
    register("grid25", "ganlab.plugins.datasets.mixtures:Grid", aliases=("grid",),
             description="25 Gaussians at {-4,-2,0,2,4}^2, std 0.05 (PacGAN's grid)")
    register("points", "ganlab.plugins.datasets.points:PointsFile", aliases=("npy", "points-file"),
             description="Points from a .npy/.npz file of shape (N, D): --set data.path=FILE")
