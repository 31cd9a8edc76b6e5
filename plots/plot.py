#!/usr/bin/python3
"""Paper-style figures from a tiersim results directory (`tiersim plot DIR`).

Reads DIR/runs/*/summary.json (and requests.csv / config.json where a figure needs them) and
writes PDF and PNG figures sized for a two-column paper (3.3 in wide), serif fonts, readable in
grey-scale (marker, line style and hatch differ per policy as well as colour), with the same
style for a policy in every figure. A figure that lacks what it needs is skipped with one line
naming the missing piece; the others are still produced; the exit status is 1 if any was skipped.

Runs on Debian's system interpreter with Debian's python3-matplotlib and python3-numpy.
"""
import argparse
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402

WIDTH_IN = 3.3
# A fixed order, so that a policy keeps its style across figures and directories.
POLICY_ORDER = ["oracle", "all-on-mobile", "all-on-edge", "all-in-cloud", "entropy", "normalized_entropy",
                "max_softmax", "patience", "random", "meanet", "dimec_dc"]
COLOURS = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#999999", "#882255", "#44AA99"]
MARKERS = ["*", "o", "s", "^", "D", "v", "P", "X", "<", ">", "h"]
LINES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), "-", "--", "-.", ":"]
TIER_HATCH = {"mobile": "", "edge": "///", "cloud": "xx"}
TIER_COLOUR = {"mobile": "#0072B2", "edge": "#E69F00", "cloud": "#999999"}
ENERGY_PARTS = [("mobile_compute", "mobile compute", "", "#0072B2"), ("mobile_radio", "mobile radio", "...", "#56B4E9"),
                ("edge", "edge", "///", "#E69F00"), ("cloud", "cloud", "xx", "#999999")]


class Missing(Exception):
    """A figure cannot be drawn: the message names what is missing."""


def style(policy):
    i = POLICY_ORDER.index(policy) if policy in POLICY_ORDER else len(POLICY_ORDER) + hash(policy) % 7
    i %= len(COLOURS)
    return dict(color=COLOURS[i], marker=MARKERS[i], linestyle=LINES[i])


def setup_matplotlib():
    plt.rcParams.update({
        "font.family": "serif", "font.serif": ["DejaVu Serif"], "font.size": 7, "axes.labelsize": 7,
        "legend.fontsize": 6, "xtick.labelsize": 6, "ytick.labelsize": 6, "lines.linewidth": 1.0,
        "lines.markersize": 3.5, "axes.linewidth": 0.6, "legend.frameon": False, "savefig.dpi": 300,
        "pdf.fonttype": 42,
    })


def load_runs(out_dir):
    runs_dir = os.path.join(out_dir, "runs")
    runs = []
    if os.path.isdir(runs_dir):
        for name in sorted(os.listdir(runs_dir)):
            path = os.path.join(runs_dir, name)
            if name.endswith(".partial") or not os.path.isfile(os.path.join(path, "summary.json")):
                continue
            with open(os.path.join(path, "summary.json")) as f:
                summary = json.load(f)
            config = None
            if os.path.isfile(os.path.join(path, "config.json")):
                with open(os.path.join(path, "config.json")) as f:
                    config = json.load(f)
            runs.append({"id": name, "dir": path, "summary": summary, "config": config})
    return runs


def need(run, *keys):
    value = run["summary"]
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise Missing(f"run {run['id']}: summary.json has no {'.'.join(keys)}")
        value = value[key]
    return value


def by_policy(runs):
    groups = {}
    for run in runs:
        groups.setdefault(need(run, "policy"), []).append(run)
    return sorted(groups.items(), key=lambda kv: POLICY_ORDER.index(kv[0]) if kv[0] in POLICY_ORDER else 99)


def pareto(points):
    """Indices of points (x = cost, y = accuracy) no other point beats: as accurate and cheaper."""
    front = []
    for i, (x, y) in enumerate(points):
        if not any((x2 <= x and y2 >= y and (x2 < x or y2 > y)) for j, (x2, y2) in enumerate(points) if j != i):
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def accuracy_vs(ax, runs, cost_of, xlabel):
    deployable = []  # the oracle knows the labels: a bound, kept off the front
    for policy, group in by_policy(runs):
        pts = sorted((cost_of(r), need(r, "accuracy")) for r in group)
        if policy != "oracle":
            deployable += pts
        ax.plot([p[0] for p in pts], [100 * p[1] for p in pts], label=policy, **style(policy))
    front = pareto(deployable)
    ax.plot([deployable[i][0] for i in front], [100 * deployable[i][1] for i in front], color="black",
            linewidth=0.6, linestyle="none", marker="o", markersize=7, markerfacecolor="none", zorder=0,
            label="Pareto front\n(oracle excluded)")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy (%)")
    xs = [cost_of(r) for r in runs]
    if min(xs) > 0 and max(xs) / min(xs) > 30:  # log only when the costs span orders of magnitude
        ax.set_xscale("log")
    ax.grid(True, linewidth=0.3, alpha=0.5)


def legend_below(fig, ax, ncol=3):
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=ncol, bbox_to_anchor=(0.5, 0.0))


def fig_accuracy_energy(runs):
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.6))
    accuracy_vs(ax, runs, lambda r: need(r, "energy_j_per_inference", "total"), "energy per inference (J)")
    legend_below(fig, ax)
    fig.tight_layout(rect=(0, 0.17, 1, 1))
    return fig


def fig_accuracy_latency(runs):
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH_IN, 3.8))
    accuracy_vs(axes[0], runs, lambda r: need(r, "latency_s", "mean"), "mean latency (s)")
    accuracy_vs(axes[1], runs, lambda r: need(r, "latency_s", "p95"), "95th percentile latency (s)")
    legend_below(fig, axes[0])
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    return fig


def short(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        return "/".join(short(v) for v in value)
    return str(value)


def run_label(run):
    """Policy, its parameters, and the other swept values, briefly: "entropy 0.1, devices=5"."""
    params = ((run["config"] or {}).get("policy") or {}).get("params") or {}
    label = need(run, "policy") + "".join(f" {short(v)}" for v in params.values() if not isinstance(v, (dict, str)))
    sweep = run["summary"].get("sweep", {})
    others = [f"{k.split('.')[-1]}={short(v)}" for k, v in sweep.items()
              if k not in ("simulation.seed", "policy") and not k.startswith("policy.")]
    return label + (", " + ", ".join(others) if others else "")


def ordered(runs):
    def key(run):
        policy = run["summary"].get("policy", "")
        return (POLICY_ORDER.index(policy) if policy in POLICY_ORDER else 99, run_label(run))
    return sorted(runs, key=key)


def stacked_bars(runs, parts, value_of, ylabel):
    runs = ordered(runs)
    labels = [run_label(r) for r in runs]
    height = 0.9 + 0.16 * len(runs)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height + 0.6))
    left = [0.0] * len(runs)
    for key, name, hatch, colour in parts:
        widths = [value_of(r, key) for r in runs]
        ax.barh(range(len(runs)), widths, left=left, label=name, hatch=hatch, color=colour, edgecolor="black",
                linewidth=0.3)
        left = [l + w for l, w in zip(left, widths)]
    ax.set_yticks(range(len(runs)))
    ax.set_yticklabels(labels)
    ax.invert_yaxis()
    ax.set_xlabel(ylabel)
    ax.legend(loc="lower center", ncol=len(parts) if len(parts) <= 3 else 2, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout()
    return fig


def fig_exit_distribution(runs):
    parts = [(t, t, TIER_HATCH[t], TIER_COLOUR[t]) for t in ("mobile", "edge", "cloud")]
    return stacked_bars(runs, parts, lambda r, t: 100 * need(r, "exit_fraction", t), "inferences ending there (%)")


def fig_energy_breakdown(runs):
    return stacked_bars(runs, ENERGY_PARTS, lambda r, k: 1e3 * need(r, "energy_j_per_inference", k),
                        "energy per inference (mJ)")


def read_latencies(run):
    path = os.path.join(run["dir"], "requests.csv")
    if not os.path.isfile(path):
        raise Missing(f"run {run['id']}: no requests.csv (run with --requests or outputs.requests_csv)")
    with open(path) as f:
        return sorted(float(row["latency_s"]) for row in csv.DictReader(f))


def policy_label(run):
    """Policy and its parameters: one curve per policy setting."""
    return run_label(run).split(", ")[0]


def fig_latency_cdf(runs):
    # At one load: the highest offered load among the runs when configs say it, else all runs.
    try:
        top = max(offered_load(r) for r in runs)
        runs = [r for r in runs if offered_load(r) == top]
        title = f"offered load {top:.3g} requests/s"
    except Missing:
        title = None
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.6))
    seen = set()
    for run in ordered(runs):
        label = policy_label(run)
        if label in seen:
            continue
        seen.add(label)
        lat = read_latencies(run)
        n = len(lat)
        ax.plot(lat, [(i + 1) / n for i in range(n)], label=label, marker=None,
                **{k: v for k, v in style(run["summary"]["policy"]).items() if k != "marker"})
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.set_xlabel("latency (s)" + (f", {title}" if title else ""))
    ax.set_ylabel("fraction of requests")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    legend_below(fig, ax)
    fig.tight_layout(rect=(0, 0.2, 1, 1))
    return fig


def offered_load(run):
    config = run["config"]
    if not config:
        raise Missing(f"run {run['id']}: no config.json")
    workload = config.get("workload", {})
    arrival = workload.get("arrival", {})
    if "rate_hz" not in arrival:
        raise Missing(f"run {run['id']}: no workload.arrival.rate_hz (offered load needs an open-loop arrival rate)")
    return workload.get("devices", 1) * arrival["rate_hz"]


def fig_p95_vs_load(runs):
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.2))
    loads = {offered_load(r) for r in runs}
    if len(loads) < 2:
        raise Missing("fewer than two offered loads among the runs (sweep workload.devices or rate_hz)")
    curves = {}
    for run in ordered(runs):
        curves.setdefault(policy_label(run), []).append(run)
    for label, group in curves.items():
        pts = sorted((offered_load(r), need(r, "latency_s", "p95")) for r in group)
        ax.plot([p[0] for p in pts], [p[1] for p in pts], label=label, **style(group[0]["summary"]["policy"]))
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("offered load (requests/s, all devices)")
    ax.set_ylabel("95th percentile latency (s)")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    legend_below(fig, ax, ncol=2)
    fig.tight_layout(rect=(0, 0.3, 1, 1))
    return fig


BASELINES = {"oracle", "all-on-mobile", "all-on-edge", "all-in-cloud"}


def fig_per_class_exits(runs, run_id=None):
    """Where each true class's inferences end, for one run (--run, default the first that is no baseline)."""
    if run_id:
        chosen = [r for r in runs if r["id"] == run_id]
        if not chosen:
            raise Missing(f"no completed run {run_id}")
        run = chosen[0]
    else:
        candidates = [r for r in ordered(runs) if r["summary"].get("policy") not in BASELINES] or ordered(runs)
        run = candidates[0]
    classes = need(run, "by_class")
    names = list(classes)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.9 + 0.17 * len(names) + 0.6))
    left = [0.0] * len(names)
    for tier in ("mobile", "edge", "cloud"):
        widths = [100 * classes[n]["exit_fraction"][tier] for n in names]
        ax.barh(range(len(names)), widths, left=left, label=tier, hatch=TIER_HATCH[tier], color=TIER_COLOUR[tier],
                edgecolor="black", linewidth=0.3)
        left = [l + w for l, w in zip(left, widths)]
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([f"{n} ({100 * classes[n]['accuracy']:.0f} %)" for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("inferences ending there (%)")
    ax.set_title(run_label(run), fontsize=6, pad=14)
    ax.legend(loc="lower center", ncol=3, bbox_to_anchor=(0.5, 1.0), borderaxespad=0.1)
    fig.tight_layout()
    return fig


FIGURES = {
    "accuracy_energy": fig_accuracy_energy,
    "accuracy_latency": fig_accuracy_latency,
    "exit_distribution": fig_exit_distribution,
    "energy_breakdown": fig_energy_breakdown,
    "latency_cdf": fig_latency_cdf,
    "p95_vs_load": fig_p95_vs_load,
    "per_class_exits": fig_per_class_exits,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="results directory (tiersim run -o DIR)")
    parser.add_argument("-o", "--out", help="figure directory (default DIR/figures)")
    parser.add_argument("--only", nargs="+", choices=sorted(FIGURES), help="only these figures")
    parser.add_argument("--run", help="the run per_class_exits shows (default: the first that is no baseline)")
    args = parser.parse_args()
    runs = load_runs(args.dir)
    if not runs:
        print(f"tiersim plot: {args.dir}: no completed runs under runs/ to plot", file=sys.stderr)
        return 2
    out = args.out or os.path.join(args.dir, "figures")
    os.makedirs(out, exist_ok=True)
    setup_matplotlib()
    skipped = 0
    for name in args.only or FIGURES:
        try:
            fig = FIGURES[name](runs, args.run) if name == "per_class_exits" else FIGURES[name](runs)
        except Missing as e:
            print(f"tiersim plot: {name}: skipped: {e}", file=sys.stderr)
            skipped += 1
            continue
        for ext in ("pdf", "png"):
            tmp = os.path.join(out, f"{name}.tmp.{ext}")
            fig.savefig(tmp)
            os.replace(tmp, os.path.join(out, f"{name}.{ext}"))
        plt.close(fig)
        print(f"{out}/{name}.pdf, .png")
    return 1 if skipped else 0


if __name__ == "__main__":
    sys.exit(main())
