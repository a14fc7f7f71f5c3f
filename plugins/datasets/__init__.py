"""Built-in datasets: mixture benchmarks, points files, bundled digits, image folders, torchvision
sets. Each one's description is the first line of its factory's docstring."""

import ganlab

DATASETS = (  # name, "module:factory" under ganlab.plugins.datasets, aliases
    ("ring8", "mixtures:Ring", ("ring",)),
    ("grid25", "mixtures:Grid", ("grid",)),
    ("points", "points:PointsFile", ("npy", "points-file")),
    ("digits", "images:Digits", ("sklearn-digits",)),
    ("stacked-digits", "images:StackedDigits", ()),
    ("folder", "folder:Folder", ("images",)),
    ("mnist", "vision:Mnist", ()),
    ("fashion-mnist", "vision:FashionMnist", ()),
    ("cifar10", "vision:Cifar10", ()),
    ("celeba", "vision:Celeba", ()),
)


@ganlab.hookimpl
def register_datasets(register):
    for name, target, aliases in DATASETS:
        register(name, f"ganlab.plugins.datasets.{target}", aliases=aliases)
