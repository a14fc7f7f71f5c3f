"""Built-in datasets: mixture benchmarks, points files, bundled digits, image folders, torchvision sets."""

import ganlab

# name, "module:factory" under ganlab.plugins.datasets, aliases, description
DATASETS = (
    ("ring8", "mixtures:Ring", ("ring",), "8 Gaussians on a circle of radius 1, std 0.01 (PacGAN's ring)"),
    ("grid25", "mixtures:Grid", ("grid",), "25 Gaussians at {-4,-2,0,2,4}^2, std 0.05 (PacGAN's grid)"),
    ("points", "points:PointsFile", ("npy", "points-file"), "Points from a .npy/.npz file of shape (N, D): --set data.path=FILE"),
    ("digits", "images:Digits", ("sklearn-digits",), "scikit-learn's 1,797 bundled 8x8 handwritten digits, resized (32 px); offline"),
    ("stacked-digits", "images:StackedDigits", (), "Three random digits as R, G, B: 1,000 modes (Stacked-MNIST, offline)"),
    ("folder", "folder:Folder", ("images",), "Every PNG/JPEG under a directory: --set data.root=DIR"),
    ("mnist", "vision:Mnist", (), "MNIST via torchvision (downloads; offline: --set data.root=DIR)"),
    ("fashion-mnist", "vision:FashionMnist", (), "Fashion-MNIST via torchvision (downloads; offline: --set data.root=DIR)"),
    ("cifar10", "vision:Cifar10", (), "CIFAR-10 via torchvision (downloads; offline: --set data.root=DIR)"),
    ("celeba", "vision:Celeba", (), "CelebA faces via torchvision, streamed (downloads; offline: --set data.root=DIR)"),
)  # fmt: skip


@ganlab.hookimpl
def register_datasets(register):
    for name, target, aliases, description in DATASETS:
        register(name, f"ganlab.plugins.datasets.{target}", aliases=aliases, description=description)
