#!/usr/bin/python3
"""A policy written in Python against tiersim's C++ entropy policy, on the shipped Fashion-MNIST
ResNet trace handled as numpy arrays. No training, no notebook; under a minute on 2 cores.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/python_policy_sweep.py [OUT_DIR]

1. the trace as numpy arrays (what a PyTorch evaluation loop would give you), back into a
   tiersim.Trace with Trace.from_numpy;
2. a "margin" rule written in Python: exit once the confidence at this exit beats the previous
   exit's by less than `delta` and is above `floor` (the prediction has settled);
3. both swept over their parameter in one sweep (tiersim.sweep, worker processes), 20 phones on
   WiFi, the analytic engine;
4. accuracy against energy per inference with matplotlib: OUT_DIR/accuracy_energy.png.
"""
import os
import sys
import tempfile

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import tiersim  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


class Settled:
    """exit when confidence >= floor and it moved by less than delta since the last exit"""

    def __init__(self, floor, delta=0.02):
        self.floor, self.delta = floor, delta

    def at_exit(self, ctx):
        if ctx.confidence < self.floor:
            return tiersim.NEXT
        if ctx.exit == 0:
            return tiersim.EXIT if ctx.confidence >= 0.99 else tiersim.NEXT
        return tiersim.EXIT if abs(ctx.confidence - ctx.confidence_at(ctx.exit - 1)) < self.delta else tiersim.NEXT


def main(out_dir):
    os.makedirs(out_dir, exist_ok=True)
    # 1. numpy arrays -> Trace (exits x samples)
    shipped = tiersim.Trace.load(os.path.join(ROOT, "traces", "fmnist_resnet4.csv.gz"))
    conf, pred, entropy, labels = shipped.confidence, shipped.predictions, shipped.entropy, shipped.labels
    trace = tiersim.Trace.from_numpy(conf=conf, pred=pred, labels=labels, entropy=entropy, split=shipped.split,
                                     exit_names=shipped.exit_names, classes=shipped.classes,
                                     dataset="Fashion-MNIST", model="ResNet, 4 exits", source="numpy arrays")
    print(trace.accuracy(split="test").to_string(index=False))

    # 2. the Python policy, usable in any config by name
    tiersim.register_policy("settled", Settled)

    # 3. one sweep: the C++ entropy policy over its threshold, the Python one over its floor
    config = {
        "name": "python-vs-cpp",
        "trace": trace.to_csv(os.path.join(out_dir, "fmnist.csv")),
        "profile": os.path.join(ROOT, "traces", "fmnist_resnet4.profile.json"),
        "platform": os.path.join(ROOT, "platforms", "wifi_edge_cloud.xml"),
        "policy": {"name": "entropy", "params": {"thresholds": 0.2}},
        "workload": {"devices": 20, "requests": 5000, "split": "test",
                     "arrival": {"process": "poisson", "rate_hz": 2.0}},
        "simulation": {"engine": "analytic", "seed": 1},
        "sweep": [
            {"grid": {"policy.params.thresholds": [0.02, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6]}},
            {"set": {"policy": {"name": "settled", "params": {"floor": 0.5}}},
             "grid": {"policy.params.floor": [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995]}},
        ],
    }
    table = tiersim.sweep(config, jobs=2, out=os.path.join(out_dir, "results"))
    print(table[["policy", "policy.params.thresholds", "policy.params.floor", "accuracy",
                 "energy_j_per_inference.total", "exit_fraction.mobile"]].to_string(index=False))

    # 4. the figure
    fig, ax = plt.subplots(figsize=(3.3, 2.6))
    for policy, marker in (("entropy", "o"), ("settled", "s")):
        rows = table[table.policy == policy].sort_values("energy_j_per_inference.total")
        ax.plot(1e3 * rows["energy_j_per_inference.total"], 100 * rows["accuracy"], marker=marker,
                label=f"{policy} ({'C++' if policy == 'entropy' else 'Python'})")
    ax.set_xlabel("energy per inference (mJ)")
    ax.set_ylabel("accuracy (%)")
    ax.grid(True, linewidth=0.3)
    ax.legend(frameon=False, fontsize=7)
    fig.tight_layout()
    path = os.path.join(out_dir, "accuracy_energy.png")
    fig.savefig(path, dpi=200)
    print(f"figure: {path}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp(prefix="tiersim-example-"))
