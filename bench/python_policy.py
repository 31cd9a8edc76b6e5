#!/usr/bin/python3
"""What a policy written in Python costs against the same rule in C++ (issue 16's target: at
most 2 us of overhead per decision). Two measurements on the shipped Fashion-MNIST ResNet trace
(4 exits, 25 000 samples), the entropy rule (exit where entropy < 0.2):

  direct      at_exit called in a loop over every (sample, exit), no engine: C++ EntropyThreshold
              against the Python class through the bridge (python/policy_bridge.cpp); medians of
              ROUNDS interleaved rounds of CALLS calls, in a process of its own (it loads the inputs)
  end to end  tiersim.run with the analytic and the SimGrid engine, 100 phones, REQUESTS requests:
              wall time of the whole run (fork, load, simulate, summary), medians of interleaved runs

    PYTHONPATH=build/python /usr/bin/python3 bench/python_policy.py   # after scripts/build.sh
"""
import json
import os
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "build", "python"))
import tiersim  # noqa: E402
from tiersim import _tiersim  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
CALLS, ROUNDS, RUNS = 1_000_000, 5, 5
REQUESTS = int(os.environ.get("REQUESTS", 200_000))


class PyEntropy:
    """exit where entropy < thresholds, written in Python"""

    def __init__(self, thresholds):
        self.thresholds = thresholds

    def at_exit(self, ctx):
        return tiersim.EXIT if ctx.entropy < self.thresholds else tiersim.NEXT


def config(engine):
    c = json.load(open(os.path.join(ROOT, "experiments", "load.json")))
    for key in ("trace", "profile", "platform"):
        c[key] = os.path.join(ROOT, "experiments", c[key])
    for key in ("sweep", "figures"):
        c.pop(key)
    c["workload"]["devices"] = 100
    c["workload"]["requests"] = REQUESTS
    c["simulation"] = {"engine": engine, "seed": 1}
    return c


def direct():
    tiersim.register_policy("py_entropy", PyEntropy)
    policies = [{"name": "entropy", "params": {"thresholds": 0.2}}, {"name": "py_entropy", "params": {"thresholds": 0.2}}]
    seconds = _tiersim.time_policies(json.dumps(config("analytic")), "bench", json.dumps(policies), CALLS, ROUNDS)
    print(json.dumps([statistics.median(s) / CALLS * 1e6 for s in seconds]))


def main():
    out = subprocess.run([sys.executable, __file__, "--direct"], capture_output=True, text=True, check=True)
    cpp_us, py_us = json.loads(out.stdout)
    print(f"python policy overhead (entropy rule, FMNIST ResNet trace, {CALLS:,} at_exit calls, median of {ROUNDS} "
          "interleaved rounds)")
    print(f"  direct: C++ {1e3 * cpp_us:.1f} ns/call, Python {1e3 * py_us:.1f} ns/call: "
          f"overhead {py_us - cpp_us:.3f} us per decision (target <= 2 us)")
    tiersim.register_policy("py_entropy", PyEntropy)
    for engine in ("analytic", "simgrid"):
        walls = {"entropy": [], "py_entropy": []}
        decisions = 0
        for _ in range(RUNS):
            for name in walls:
                start = time.perf_counter()
                r = tiersim.run(config(engine), policy={"name": name, "params": {"thresholds": 0.2}})
                walls[name].append(time.perf_counter() - start)
                decisions = r.summary["policy_decisions"]
        cpp, py = statistics.median(walls["entropy"]), statistics.median(walls["py_entropy"])
        print(f"  end to end, {engine:8s} engine, {REQUESTS:,} requests ({decisions:,} decisions), median of {RUNS}: "
              f"C++ {cpp:.3f} s, Python {py:.3f} s ({py / cpp:.2f}x; {(py - cpp) / decisions * 1e6:.2f} us per decision)")


if __name__ == "__main__":
    direct() if sys.argv[1:] == ["--direct"] else main()
