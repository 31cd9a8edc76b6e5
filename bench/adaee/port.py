#!/usr/bin/python3
"""A port of AdaEE's buffer simulation to compare tiersim with (experiments/adaee.json).

The repository Div290/Buffer_based_threshold (simulation.py, with param.py) cannot run as it is:
simulation.py reads `param.dataframe_path`, which param.py does not define (it has
`dataframe_save_path`, a Windows path), and it expects the long SST-2 layout
(Sample_ID, Confidence, Prediction, Label) rather than the CIFAR-10 trace's wide one. This
script re-implements its algorithm, step for step, on tiersim's copy of the CIFAR-10 MobileNet
trace (traces/cifar10_mobilenet2.csv, exits 0 = side branch, 1 = final):

* batches arrive with exponential gaps of mean 1 / lambda; each holds Poisson(lambda) samples
  (lambda = param.arrival_rate = 5); samples beyond a buffer of max_queue_size = 10 are lost
  (and their trace rows skipped);
* when the server is free it pops the first sample; q = the buffer length before the pop; the
  UCB learner of queue length q (one per q = 1..10, thresholds 0.55..0.95) picks a threshold;
  the sample exits at the side branch (e_process_time = 0 s) if its confidence reaches it, else
  runs to the final exit (c_process_time = 0.5 s);
* rewards, given at once (the final exit's confidence is read before the 0.5 s have passed):
  exit: -e_process_time; final: C_L - C_I - (1 / (10 * max_queue_size)) * j
  - processing_time / 10000 for the learner of queue length j + 1, and every learner is
  updated with the chosen arm (j = 0..9);
* UCB: arms in order until each was tried, then argmax values + sqrt(2 ln(N + 1e-6) /
  (counts + 1e-5)).

Its event loop lets the clock go back: when the server was idle and a batch arrives, the next
service starts at the instant the server became free (`current_time = server_busy_until`),
before the sample arrived, so idle time is banked and fewer samples are lost. `--true-clock`
starts each service at max(arrival, server free), as a queue (and tiersim) does.

Prints, per seed and as a mean: loss rate (lost / arrivals), accuracy over processed samples
(the repository's final "Accuracy is"), accuracy over arrivals (lost samples wrong, tiersim's
`accuracy`), the side-branch exit fraction, and the mean reward of the decisions (each at its
own queue length).
"""
import argparse
import csv
import math
import sys

import numpy as np

THRESHOLDS = [0.55, 0.65, 0.75, 0.85, 0.95]


def load(path):
    conf, pred, label = {}, {}, {}
    with open(path) as f:
        for row in csv.DictReader(f):
            s, e = int(row["sample"]), int(row["exit"])
            conf.setdefault(s, {})[e] = float(row["confidence"])
            pred.setdefault(s, {})[e] = int(row["prediction"])
            label[s] = int(row["label"])
    samples = sorted(label)
    return ([conf[s][0] for s in samples], [conf[s][1] for s in samples], [pred[s][0] for s in samples],
            [pred[s][1] for s in samples], [label[s] for s in samples])


class Ucb:
    def __init__(self, arms):
        self.counts = np.zeros(arms)
        self.values = np.zeros(arms)

    def select(self):
        total = np.sum(self.counts)
        if total < len(self.counts):
            return int(total)
        return int(np.argmax(self.values + np.sqrt(2 * np.log(total + 1e-6) / (self.counts + 1e-5))))

    def update(self, arm, reward):
        self.counts[arm] += 1
        self.values[arm] += (reward - self.values[arm]) / self.counts[arm]


def run(trace, seed, lam=5.0, max_queue=10, e_time=0.0, c_time=0.5, true_clock=False):
    conf0, conf1, pred0, pred1, label = trace
    n = len(label)
    rng = np.random.default_rng(seed)
    ucb = {q: Ucb(len(THRESHOLDS)) for q in range(1, max_queue + 1)}
    queue = []  # (row, arrival time)
    t = 0  # next trace row
    total = lost = processed = correct = exited = 0
    rewards = []
    busy_until = 0.0
    next_arrival = rng.exponential(1 / lam)
    now = 0.0
    while total < n or queue:
        if not queue or next_arrival < busy_until:
            now = next_arrival
            arrivals = int(rng.poisson(lam))
            accepted = min(arrivals, max_queue - len(queue))
            for _ in range(accepted):
                if t < n:
                    queue.append((t, now))
                    t += 1
            t += arrivals - accepted
            lost += arrivals - accepted
            total += arrivals
            next_arrival = now + rng.exponential(1 / lam)
        else:
            q = len(queue)
            row, arrived = queue.pop(0)
            start = max(busy_until, arrived) if true_clock else busy_until
            now = busy_until
            arm = ucb[q].select()
            if conf0[row] >= THRESHOLDS[arm]:
                duration, prediction = e_time, pred0[row]
                per_queue = [-duration] * max_queue
                exited += 1
            else:
                duration, prediction = c_time, pred1[row]
                per_queue = [conf1[row] - conf0[row] - (1 / (10 * max_queue)) * j - duration / 10000
                             for j in range(max_queue)]
            rewards.append(per_queue[q - 1])
            correct += prediction == label[row]
            busy_until = start + duration
            for j in range(max_queue):
                ucb[j + 1].update(arm, per_queue[j])
            processed += 1
    return {"loss": lost / total, "accuracy_processed": correct / processed, "accuracy_arrivals": correct / total,
            "exit_fraction": exited / processed, "mean_reward": float(np.mean(rewards)), "arrivals": total}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trace", default="traces/cifar10_mobilenet2.csv")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--true-clock", action="store_true", help="start a service no earlier than its sample arrived")
    args = parser.parse_args()
    trace = load(args.trace)
    keys = ["loss", "accuracy_processed", "accuracy_arrivals", "exit_fraction", "mean_reward"]
    print("seed," + ",".join(keys))
    results = []
    for seed in range(1, args.seeds + 1):
        r = run(trace, seed, true_clock=args.true_clock)
        results.append(r)
        print(f"{seed}," + ",".join(f"{r[k]:.4f}" for k in keys))
    print("mean," + ",".join(f"{np.mean([r[k] for r in results]):.4f}" for k in keys))
    print("std," + ",".join(f"{np.std([r[k] for r in results], ddof=1):.4f}" for k in keys))


if __name__ == "__main__":
    sys.exit(main())
