#!/usr/bin/python3
"""tiersim's AdaEE reproduction beside the port of the repository's simulation (port.py).

Reads the results of `tiersim run experiments/adaee.json -o DIR` and prints, per policy setting,
the mean and standard deviation over seeds of: loss rate, accuracy over processed samples,
accuracy over arrivals, side-branch exit fraction among processed samples, mean reward.
Usage: bench/adaee/compare.py DIR   (bench/adaee/run.sh does both and writes last_run.txt)
"""
import json
import pathlib
import statistics
import sys


def row(summary):
    lost = summary["lost_fraction"]
    processed = 1 - lost
    info = summary.get("policy_info") or {}
    return {
        "loss": lost,
        "accuracy_processed": summary["accuracy"] / processed if processed > 0 else 0.0,
        "accuracy_arrivals": summary["accuracy"],
        "exit_fraction": summary["exit_fraction_by_exit"][0] / processed if processed > 0 else 0.0,
        "mean_reward": info.get("mean_reward", float("nan")),
    }


def main():
    runs = pathlib.Path(sys.argv[1]) / "runs"
    groups = {}
    for path in sorted(runs.glob("*/summary.json")):
        summary = json.loads(path.read_text())
        config = json.loads((path.parent / "config.json").read_text())
        params = dict(config["policy"].get("params", {}))
        key = config["policy"]["name"] + " " + ", ".join(
            f"{k}={params[k]}" for k in ("mu", "kappa", "clip_gain", "update_all_buckets", "theta1", "theta2") if k in params)
        groups.setdefault(key, []).append(row(summary))
    keys = ["loss", "accuracy_processed", "accuracy_arrivals", "exit_fraction", "mean_reward"]
    print("setting | seeds | " + " | ".join(keys))
    for name, rows in sorted(groups.items()):
        cells = []
        for k in keys:
            values = [r[k] for r in rows]
            if any(v != v for v in values):  # NaN: the policy reports no reward
                cells.append("—")
                continue
            sd = statistics.stdev(values) if len(values) > 1 else 0.0
            cells.append(f"{statistics.mean(values):.4f} ± {sd:.4f}")
        print(f"{name} | {len(rows)} | " + " | ".join(cells))


if __name__ == "__main__":
    main()
