#!/usr/bin/python3
"""Train multi-exit networks on Fashion-MNIST and write tiersim traces.

Writes, under --out (default: the repository's traces/):
  fmnist_resnet4       multi-exit ResNet, 4 exits (mobile / edge / cloud cut points),
                       plus its training dynamics for data cartography (NAME.dynamics.csv.gz)
  fmnist_meanet        MEANet-style: main block, extension block over the hard classes,
                       and the ResNet above as the cloud's full model
  fmnist_hybrid_binary conditionally deep hybrid: binarized edge stage + fp32 cloud stage
  fmnist_hybrid_4bit   the same with a 4-bit edge stage
Each trace is NAME.csv.gz (rows), NAME.json (sidecar) and NAME.profile.json (MACs, bit widths
and activation sizes measured by forward hooks on the trained network).

Sample ids: the 10 000 test images keep their index (0..9999); training-file image i is
10000 + i. The 60 000 training images are split by a seeded permutation into 50 000 for
training and 10 000 for calibration. Every trace covers the calibration and test images
(column `split`); the ResNet trace also covers the training images whose dynamics it ships.

Run with Debian's interpreter: /usr/bin/python3 traces/generate/generate.py [--force]
Needs Debian packages python3-torch, python3-numpy and dataset-fashion-mnist.
"""
import argparse
import os
import sys

DATA_DIR = "/usr/share/datasets/fashion-mnist"
DATA_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
              "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
TRACES = ["fmnist_resnet4", "fmnist_meanet", "fmnist_hybrid_binary", "fmnist_hybrid_4bit"]


def die(message):
    print(f"generate.py: {message}", file=sys.stderr)
    sys.exit(2)


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--out", default=os.path.normpath(os.path.join(here, "..")), help="directory for the traces")
    ap.add_argument("--data", default=DATA_DIR, help="directory with Fashion-MNIST's idx .gz files")
    ap.add_argument("--epochs", type=int, default=15)
    ap.add_argument("--train-limit", type=int, help="train on only this many images (a quick check of the script)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--calibration", type=int, default=10000)
    ap.add_argument("--dynamics-samples", type=int, default=5000)
    ap.add_argument("--hard-classes", type=int, default=4)
    ap.add_argument("--only", choices=["resnet", "meanet", "hybrid"], action="append",
                    help="build only these (meanet needs the ResNet and trains it too)")
    ap.add_argument("--force", action="store_true", help="replace traces that already exist in --out")
    args = ap.parse_args()
    args.device = "cpu"
    return args


def check_inputs(args):
    """Everything that can be wrong before any training: nothing is written or imported first."""
    existing = [t for t in TRACES if os.path.exists(os.path.join(args.out, t + ".csv.gz"))]
    if existing and not args.force:
        die(f"{os.path.join(args.out, existing[0])}.csv.gz exists (committed traces are not replaced "
            "unless you pass --force; or write elsewhere with --out DIR)")
    missing = [f for f in DATA_FILES if not os.path.isfile(os.path.join(args.data, f))]
    if missing:
        die(f"{os.path.join(args.data, missing[0])} not found: Fashion-MNIST comes from Debian's package "
            "dataset-fashion-mnist (apt-get install dataset-fashion-mnist), or pass --data DIR")


def main():
    args = parse_args()
    check_inputs(args)
    for module, package in (("numpy", "python3-numpy"), ("torch", "python3-torch")):
        try:
            __import__(module)
        except ImportError:
            die(f"{module} is missing: install Debian's {package} (apt-get install {package}) "
                "and run this script with /usr/bin/python3")
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import train
    train.run(args)


if __name__ == "__main__":
    main()
