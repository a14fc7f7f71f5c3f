"""Built-in datasets: mixture benchmarks, points files, bundled digits, image folders, torchvision sets."""

import ganlab


@ganlab.hookimpl
def register_datasets(register):
    register("ring8", "ganlab.plugins.datasets.mixtures:Ring", aliases=("ring",),
             description="8 Gaussians on a circle of radius 1, std 0.01 (PacGAN's ring)")
    register("grid25", "ganlab.plugins.datasets.mixtures:Grid", aliases=("grid",),
             description="25 Gaussians at {-4,-2,0,2,4}^2, std 0.05 (PacGAN's grid)")
    register("points", "ganlab.plugins.datasets.points:PointsFile", aliases=("npy", "points-file"),
             description="Points from a .npy/.npz file of shape (N, D): --set data.path=FILE")
    register("digits", "ganlab.plugins.datasets.images:Digits", aliases=("sklearn-digits",),
             description="scikit-learn's 1,797 bundled 8x8 handwritten digits, resized (32 px); offline")
    register("stacked-digits", "ganlab.plugins.datasets.images:StackedDigits",
             description="Three random digits as R, G, B: 1,000 modes (Stacked-MNIST, offline)")
    register("folder", "ganlab.plugins.datasets.folder:Folder", aliases=("images",),
             description="Every PNG/JPEG under a directory: --set data.root=DIR")
    register("mnist", "ganlab.plugins.datasets.vision:Mnist",
             description="MNIST via torchvision (downloads; offline: --set data.root=DIR)")
    register("fashion-mnist", "ganlab.plugins.datasets.vision:FashionMnist",
             description="Fashion-MNIST via torchvision (downloads; offline: --set data.root=DIR)")
    register("cifar10", "ganlab.plugins.datasets.vision:Cifar10",
             description="CIFAR-10 via torchvision (downloads; offline: --set data.root=DIR)")
    register("celeba", "ganlab.plugins.datasets.vision:Celeba",
             description="CelebA faces via torchvision, streamed (downloads; offline: --set data.root=DIR)")
