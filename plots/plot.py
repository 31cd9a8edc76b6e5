#!/usr/bin/python3
"""Paper-style figures from a tiersim results directory (`tiersim plot DIR`).

Reads DIR/runs/*/summary.json (and requests.csv / config.json where a figure needs them) and
writes PDF and PNG figures sized for a two-column paper (3.3 in wide), serif fonts, readable in
grey-scale (marker, line style and hatch differ per policy as well as colour), with the same
style for a policy in every figure; settings of one policy (another trace or platform) keep its
hue in another shade, line and marker.

Runs that differ only in their seed (a sweep's "seeds": k) are replicas of one point: a figure
draws the point's mean, with 95 % Student t error bars when it has several replicas, and bar
charts give at most one bar per policy and setting. Energies are in mJ in every figure; a
deadline (workload.deadline_s) is drawn on latency axes and the accuracy target (the final
exit's accuracy less --max-drop) on accuracy axes.

Which figures: --only NAME..., else the experiment's "figures" (DIR/experiment.json), else every
figure that applies to the results (a figure of another kind of experiment, e.g. the load curve
without a load sweep, is left out with a note). A figure asked for that lacks what it needs, or
any figure missing a metric, is skipped with one line naming the missing piece; the others are
still produced; the exit status is then 1.

Runs on Debian's system interpreter with Debian's python3-matplotlib, python3-numpy and
python3-scipy (Student t quantiles).
"""
import argparse
import copy
import csv
import json
import math
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.colors  # noqa: E402
import matplotlib.ticker  # noqa: E402
from scipy import stats  # noqa: E402

WIDTH_IN = 3.3
# A fixed order, so that a policy keeps its style across figures and directories.
POLICY_ORDER = ["oracle", "all-on-mobile", "all-on-edge", "all-in-cloud", "entropy", "normalized_entropy",
                "max_softmax", "patience", "random", "meanet", "dimec_dc",
                "buffer_threshold", "ucb_threshold", "ucb_exit", "deadline_aware"]
COLOURS = ["#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
           "#999999", "#882255", "#332288", "#117733", "#AA4499", "#44AA99", "#661100"]
MARKERS = ["*", "o", "s", "^", "D", "v", "P", "X", "<", ">", "h", "d", "p", "H", "8"]
LINES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 1)), "-", "--", "-.", (0, (5, 2, 1, 2)),
         "-", (0, (4, 1, 1, 1, 1, 1)), "--", ":"]
TIER_HATCH = {"mobile": "", "edge": "///", "cloud": "xx"}
TIER_COLOUR = {"mobile": "#0072B2", "edge": "#E69F00", "cloud": "#999999"}
# The headline's parts (energy_j_per_inference), in its order; a breakdown shows those that are
# not zero in every run (tails with radio state machines, idle parts with shared idle power).
ENERGY_PARTS = [("mobile_compute", "mobile compute", "", "#0072B2"), ("mobile_radio", "mobile radio", "...", "#56B4E9"),
                ("mobile_radio_tail", "radio tail", "ooo", "#CCE5F5"), ("mobile_idle", "mobile idle", "--", "#B3D4E8"),
                ("edge", "edge", "///", "#E69F00"), ("cloud", "cloud", "xx", "#999999"),
                ("edge_idle", "edge idle", "\\\\", "#F5D699"), ("cloud_idle", "cloud idle", "++", "#D9D9D9")]


class Missing(Exception):
    """A figure cannot be drawn: the message names what is missing."""


class NotApplicable(Missing):
    """The results are not of the kind a figure shows (e.g. no load sweep for p95_vs_load).
    Drawing every figure by default, such a figure is left out without failing."""


# Policies outside POLICY_ORDER (a researcher's own) take these, in name order of those present
# (style_index), so that no two share a look with each other or with a known policy.
EXTRA_COLOURS = ["#4477AA", "#EE6677", "#228833", "#CCBB44", "#66CCEE", "#AA3377", "#BBBBBB", "#EE7733",
                 "#0077BB", "#33BBEE", "#EE3377", "#CC3311"]
EXTRA_MARKERS = ["1", "2", "3", "4", "x", "+", "|", "$a$", "$b$", "$c$", "$d$", "$e$"]
OTHER_POLICIES = []  # set by main(): the policies of the directory that POLICY_ORDER lacks, sorted


def style(policy, variant=0):
    """A policy's colour, marker and line; variant k > 0 (another trace, platform or setting of the
    same policy) keeps the hue, shades it and changes the line and marker."""
    if policy in POLICY_ORDER:
        i = POLICY_ORDER.index(policy)
        colour, marker = COLOURS[i % len(COLOURS)], MARKERS[i % len(MARKERS)]
    else:
        if policy not in OTHER_POLICIES:
            OTHER_POLICIES.append(policy)
        i = len(POLICY_ORDER) + OTHER_POLICIES.index(policy)
        k = OTHER_POLICIES.index(policy)
        colour, marker = EXTRA_COLOURS[k % len(EXTRA_COLOURS)], EXTRA_MARKERS[k % len(EXTRA_MARKERS)]
    colour = matplotlib.colors.to_rgb(colour)
    if variant:
        # alternately darker and lighter, further for later variants
        t = min(0.25 * ((variant + 1) // 2), 0.6)
        target = (0, 0, 0) if variant % 2 else (1, 1, 1)
        colour = tuple(c + (g - c) * t for c, g in zip(colour, target))
        marker = MARKERS[(i + variant) % len(MARKERS)]
    return dict(color=colour, marker=marker, linestyle=LINES[(i + variant) % len(LINES)])


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


def point_key(run):
    """Runs with equal configs but for name and seed are replicas of one point."""
    config = copy.deepcopy(run["config"])
    if not isinstance(config, dict):
        return "run " + run["id"]
    config.pop("name", None)
    if isinstance(config.get("simulation"), dict):
        config["simulation"].pop("seed", None)
    return json.dumps(config, sort_keys=True)


def mean_of(values):
    """Element-wise mean of summary values of one shape (numbers averaged, the rest from the first)."""
    first = values[0]
    if isinstance(first, bool) or not isinstance(first, (int, float, dict, list)):
        return first
    if isinstance(first, (int, float)):
        numbers = [v for v in values if isinstance(v, (int, float))]
        if all(v == numbers[0] for v in numbers):
            return numbers[0]  # not moved by rounding in the sum
        return sum(numbers) / len(numbers)
    if isinstance(first, dict):
        return {k: mean_of([v[k] for v in values if isinstance(v, dict) and k in v]) for k in first}
    if all(isinstance(v, list) and len(v) == len(first) for v in values):
        return [mean_of([v[i] for v in values]) for i in range(len(first))]
    return first


def group_points(runs):
    """The runs as points: each the first replica's record with the replicas' mean summary and
    "replicas", the runs themselves (metric() then reads means; mean_ci() the spread)."""
    groups = {}
    for run in runs:
        groups.setdefault(point_key(run), []).append(run)
    points = []
    for replicas in groups.values():
        point = dict(replicas[0])
        point["summary"] = mean_of([r["summary"] for r in replicas]) if len(replicas) > 1 else replicas[0]["summary"]
        point["replicas"] = replicas
        points.append(point)
    return points


def mean_ci(point, value_of):
    """(mean, half width of the 95 % Student t interval) of value_of over a point's replicas; 0
    for one replica or identical values."""
    values = [value_of(r) for r in point.get("replicas") or [point]]
    mean = sum(values) / len(values)
    if len(values) < 2 or all(v == values[0] for v in values):
        return mean, 0.0
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))
    return mean, stats.t.ppf(0.975, len(values) - 1) * sd / math.sqrt(len(values))


def draw(ax, points, x_of, y_of, label, look, x_interval=False):
    """A curve through points (sorted by x): means, with 95 % error bars where a point has
    replicas (in x too when x is a measured quantity, e.g. energy)."""
    xs = [mean_ci(p, x_of) for p in points]
    ys = [mean_ci(p, y_of) for p in points]
    order = sorted(range(len(points)), key=lambda i: xs[i][0])
    x, y = [xs[i][0] for i in order], [ys[i][0] for i in order]
    xerr = [xs[i][1] for i in order] if x_interval else None
    yerr = [ys[i][1] for i in order]
    # Always an errorbar container (none drawn without replicas): the legend then lists the
    # curves in drawing order, after the reference lines (targets, deadlines).
    ax.errorbar(x, y, yerr=yerr if any(yerr) else None, xerr=xerr if xerr and any(xerr) else None, label=label,
                capsize=1.5, elinewidth=0.5, capthick=0.5, **look)


SUMMARY_SCHEMA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "experiments", "summary.schema.json")


def summary_fields(path=SUMMARY_SCHEMA):
    """Field id -> its key path in summary.json ("*" stands for any key, e.g. a class name), read
    from the schema tiersim generates from its summary table (sim/model/summary.hpp)."""
    with open(path) as f:
        schema = json.load(f)
    fields = {}

    def walk(node, keys):
        if "x-tiersim-id" in node:
            fields[node["x-tiersim-id"]] = tuple(keys)
            return
        for key, child in node.get("properties", {}).items():
            walk(child, keys + [key])
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], keys + ["*"])

    walk(schema, [])
    return fields


FIELDS = summary_fields()


def metric(run, field, key=None):
    """A run's summary value by field id (experiments/summary.schema.json); `key` fills the "*"
    of a per-class field. An id the schema lacks is a KeyError: plot.py and tiersim disagree."""
    return need(run, *(key if k == "*" else k for k in FIELDS[field]))


def optional(run, field, default=None):
    """A field a run may lack (e.g. sweep: only in sweeps), by id; `default` when absent."""
    value = run["summary"]
    for key in FIELDS[field]:
        if not isinstance(value, dict) or key not in value:
            return default
        value = value[key]
    return value


def need(run, *keys):
    value = run["summary"]
    for key in keys:
        if not isinstance(value, dict) or key not in value:
            raise Missing(f"run {run['id']}: summary.json has no {'.'.join(keys)}")
        value = value[key]
    return value


def pareto(points):
    """Indices of points (x = cost, y = accuracy) no other point beats: as accurate and cheaper."""
    front = []
    for i, (x, y) in enumerate(points):
        if not any((x2 <= x and y2 >= y and (x2 < x or y2 > y)) for j, (x2, y2) in enumerate(points) if j != i):
            front.append(i)
    return sorted(front, key=lambda i: points[i][0])


def accuracy_vs(ax, runs, cost_of, xlabel, latency=False):
    """Accuracy against a cost, a curve per policy (its parameters and the load vary along it),
    the Pareto front of the deployable points (means), the accuracy target and, on a latency
    axis, the deadline."""
    try:
        several_loads = len({offered_load(r) for r in runs}) > 1
    except Missing:
        several_loads = False
    if several_loads:  # a front across loads compares unlike things: the highest load alone
        runs, title = at_highest_load(runs)
        ax.set_title(title, fontsize=7)
    deployable = []  # the oracle knows the labels: a bound, kept off the front
    for label, group, look in curves(runs, exclude=LOAD_KEYS):
        if metric(group[0], "policy") != "oracle":
            deployable += [(cost_of(r), metric(r, "accuracy")) for r in group]
        draw(ax, group, cost_of, lambda r: 100 * metric(r, "accuracy"), label, look, x_interval=True)
    front = pareto(deployable)
    ax.plot([deployable[i][0] for i in front], [100 * deployable[i][1] for i in front], color="black",
            linewidth=0.6, linestyle="none", marker="o", markersize=7, markerfacecolor="none", zorder=0,
            label="Pareto front\n(oracle excluded)")
    target_line(ax, runs)
    if latency:
        deadline_line(ax, runs, vertical=True)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("accuracy (%)")
    xs = [cost_of(r) for r in runs]
    if min(xs) > 0 and max(xs) / min(xs) > 30:  # log only when the costs span orders of magnitude
        ax.set_xscale("log")
    ax.grid(True, linewidth=0.3, alpha=0.5)


MAX_DROP = 0.005  # --max-drop: the accuracy target is the final exit's accuracy less this
ENERGY_FIELD = "energy_j_per_inference"  # --energy: the energy metric the figures show


def target_line(ax, runs, scale=100):
    """The accuracy target: the final exit's accuracy (all-in-cloud's, the best of its points)
    less MAX_DROP, dotted, when the results have an all-in-cloud run."""
    cloud = [metric(r, "accuracy") for r in runs if optional(r, "policy") == "all-in-cloud"]
    if cloud:
        target = max(cloud) - MAX_DROP
        ax.axhline(scale * target, color="black", linewidth=0.6, linestyle=":",
                   label=f"target {scale * target:.3g}{' %' if scale == 100 else ''}")


def deadline_line(ax, runs, vertical=False, scale=1.0):
    """The deadline (workload.deadline_s) on a latency axis, when the runs share one."""
    deadlines = {optional(r, "slo_deadline_s") for r in runs} - {None}
    if len(deadlines) != 1:
        return
    d = scale * deadlines.pop()
    kwargs = dict(color="#CC3311", linewidth=0.7, linestyle=(0, (4, 2)),
                  label=f"deadline {d:g} {'ms' if scale == 1e3 else 's'}")
    (ax.axvline if vertical else ax.axhline)(d, **kwargs)


def energy_of(run):
    """The chosen energy metric (--energy) in mJ."""
    return 1e3 * metric(run, ENERGY_FIELD)


def legend_below(fig, ax):
    """Puts ax's legend below the plots, in as many columns as its labels' length allows within
    the figure's width, and lays the figure out above it."""
    handles, labels = ax.get_legend_handles_labels()
    longest = max((len(l.split("\n")[0]) for l in labels), default=1)
    ncol = max(1, min(3, int(66 / (longest + 8))))  # about 66 characters of 6 pt text in 3.3 in
    fig.legend(handles, labels, loc="lower center", ncol=ncol, bbox_to_anchor=(0.5, 0.0))
    rows = math.ceil(len(labels) / ncol) + sum(l.count("\n") for l in labels[-ncol:])
    # The figure grows by the legend's height: the plots keep the height they were made with.
    legend_in = 0.12 + 0.13 * rows
    fig.set_figheight(fig.get_figheight() + max(0.0, legend_in - 0.6))
    fig.tight_layout(rect=(0, min(legend_in / fig.get_figheight(), 0.6), 1, 1))


def fig_accuracy_energy(runs):
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.6))
    accuracy_vs(ax, runs, energy_of, energy_label(runs))
    legend_below(fig, ax)
    return fig


def fig_accuracy_latency(runs):
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH_IN, 3.8))
    accuracy_vs(axes[0], runs, lambda r: metric(r, "latency_mean_s"), "mean latency (s)", latency=True)
    accuracy_vs(axes[1], runs, lambda r: metric(r, "latency_p95_s"), "95th percentile latency (s)", latency=True)
    legend_below(fig, axes[0])
    return fig


def short(value):
    if isinstance(value, float):
        return f"{value:.3g}"
    if isinstance(value, list):
        return "/".join(short(v) for v in value)
    return str(value)


def short_value(key, value):
    """A swept value as a reader wants it: file names without folder and extension."""
    if key in ("trace", "platform", "profile") and isinstance(value, str):
        name = os.path.basename(value)
        for ext in (".gz", ".csv", ".json", ".xml", ".profile"):
            name = name[:-len(ext)] if name.endswith(ext) else name
        return name
    return short(value)


def setting(run, exclude=()):
    """The swept values that are not the policy's own parameters, e.g. "trace=fmnist_resnet4"."""
    sweep = optional(run, "sweep", {})
    parts = []
    for k, v in sweep.items():
        if k in exclude or k in ("simulation.seed", "policy", "profile") or k.startswith("policy."):
            continue
        parts.append(short_value(k, v) if k in ("trace", "platform") else f"{k.split('.')[-1]}={short_value(k, v)}")
    return ", ".join(parts)


def policy_params(run):
    """The run's policy parameters, from its config.json ({} without one)."""
    return ((run["config"] or {}).get("policy") or {}).get("params") or {}


def run_label(run, exclude=()):
    """Policy, its parameters, and the other swept values, briefly: "entropy 0.1, devices=5"."""
    params = policy_params(run)
    label = metric(run, "policy") + "".join(f" {short(v)}" for v in params.values() if not isinstance(v, (dict, str)))
    rest = setting(run, exclude)
    return label + (", " + rest if rest else "")


def styled(groups):
    """(label, runs, style) per group {(policy, setting): runs}: the policy's colour, shaded per setting."""
    variants = {}
    out = []
    for (policy, rest), group in groups.items():
        k = variants.setdefault(policy, [])
        k.append(rest)
        out.append((policy + (f", {rest}" if rest else ""), group, style(policy, len(k) - 1)))
    return out


def curves(runs, exclude=()):
    """Runs grouped into curves: one per policy and setting (the policy's parameters vary along a
    curve), each with its style: the policy's colour, shaded per setting."""
    groups = {}
    for run in ordered(runs):
        groups.setdefault((metric(run, "policy"), setting(run, exclude)), []).append(run)
    return styled(groups)


def load_curves(runs):
    """Runs grouped into curves along the offered load: one per policy, swept policy parameters
    (e.g. "theta1=-0.01") and other setting; the load varies along a curve."""
    groups = {}
    for run in ordered(runs):
        sweep = optional(run, "sweep", {})
        params = ", ".join(f"{k.split('.')[-1]}={short_value(k, v)}" for k, v in sorted(sweep.items())
                           if k.startswith("policy.") and k != "policy")
        rest = ", ".join(x for x in (params, setting(run, exclude=LOAD_KEYS)) if x)
        groups.setdefault((metric(run, "policy"), rest), []).append(run)
    return styled(groups)


def ordered(runs):
    """By policy (fixed order), then by the policy's parameters and swept values, numbers as numbers."""
    def sortable(value):
        return (0, value, "") if isinstance(value, (int, float)) else (1, 0, str(value))

    def key(run):
        policy = optional(run, "policy", "")
        params = policy_params(run)
        values = [v for k, v in sorted(optional(run, "sweep", {}).items()) if not k.startswith("policy.")]
        values += [v for v in params.values() if not isinstance(v, (dict, list))]
        return (POLICY_ORDER.index(policy) if policy in POLICY_ORDER else 99, policy, [sortable(v) for v in values])
    return sorted(runs, key=key)


def irrelevant_keys(runs, values_of):
    """Swept keys that do not change what a figure shows (e.g. the offload cost for exit
    fractions): runs differing only in them would draw identical bars."""
    keys = sorted({k for r in runs for k in optional(r, "sweep", {})
                   if k != "simulation.seed" and not k.startswith("policy.")})
    dropped = []
    for key in keys:
        groups = {}
        for run in runs:
            groups.setdefault(run_label(run, exclude=tuple(dropped) + (key,)), []).append(values_of(run))
        if all(all(max(abs(a - b) for a, b in zip(v, vs[0])) < 1e-12 for v in vs) for vs in groups.values()):
            dropped.append(key)
    return tuple(dropped)


SETTING_NOTE = "one parameter value per policy"


def one_per_policy(runs, values_of):
    """At most one bar per policy and setting: the points at the highest offered load when the
    load is swept, and of a policy's swept parameters the experiment's own value (else the middle
    one). Returns [(label, point)] and a title saying what was chosen (or None)."""
    notes = []
    try:
        loads = {offered_load(r) for r in runs}
    except Missing:
        loads = set()
    if len(loads) > 1:
        runs, title = at_highest_load(runs)
        notes += [title] if title else []
    drop = irrelevant_keys(runs, values_of) + LOAD_KEYS
    groups = {}
    for run in ordered(runs):
        groups.setdefault((metric(run, "policy"), setting(run, exclude=drop)), []).append(run)
    own = (EXPERIMENT or {}).get("policy") or {}
    chosen = []
    for (policy, _), group in groups.items():
        several = len({json.dumps(policy_params(r), sort_keys=True) for r in group}) > 1
        if several and SETTING_NOTE not in notes:
            notes.append(SETTING_NOTE)
        mine = [r for r in group if policy == own.get("name") and policy_params(r) == (own.get("params") or {})]
        pick = mine[0] if mine else group[len(group) // 2]
        chosen.append((run_label(pick, exclude=drop), pick))
    return chosen, "; ".join(notes) or None


def stacked_bars(runs, parts, value_of, ylabel):
    chosen, title = one_per_policy(runs, lambda r: [value_of(r, p[0]) for p in parts])
    runs, labels = [c[1] for c in chosen], [c[0] for c in chosen]
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
    ax.set_xlabel(ylabel + (f"\n({title})" if title else ""))
    ncol = len(parts) if len(parts) <= 3 else 2
    fig.legend(*ax.get_legend_handles_labels(), loc="upper center", ncol=ncol, bbox_to_anchor=(0.5, 1.0))
    fig.tight_layout(rect=(0, 0, 1, 1 - (0.1 + 0.14 * math.ceil(len(parts) / ncol)) / fig.get_figheight()))
    return fig


def fig_exit_distribution(runs):
    parts = [(t, t, TIER_HATCH[t], TIER_COLOUR[t]) for t in ("mobile", "edge", "cloud")]
    return stacked_bars(runs, parts, lambda r, t: 100 * metric(r, f"exit_{t}"), "inferences ending there (%)")


def fig_energy_breakdown(runs):
    def part(run, key):  # summaries written before the tail and idle parts existed lack them
        value = optional(run, f"energy_{key}_j")
        if value is None and key in ("mobile_compute", "mobile_radio", "edge", "cloud"):
            value = metric(run, f"energy_{key}_j")
        return 1e3 * (value or 0.0)
    parts = [p for p in ENERGY_PARTS if any(part(r, p[0]) > 0 for r in runs)] or ENERGY_PARTS[:1]
    return stacked_bars(runs, parts, part, energy_label(runs))


def latency_distribution(run):
    """(latencies, cumulative fractions): every request from requests.csv when the run wrote it,
    else the summary's percentiles (1 % steps)."""
    path = os.path.join(run["dir"], "requests.csv")
    if os.path.isfile(path):
        with open(path) as f:
            lat = sorted(float(row["latency_s"]) for row in csv.DictReader(f))
        return lat, [(i + 1) / len(lat) for i in range(len(lat))]
    pct = metric(run, "latency_percentiles_s")
    return pct, [i / (len(pct) - 1) for i in range(len(pct))]


def at_highest_load(runs):
    """The runs at the highest offered load (all runs when configs do not say the load), and a title."""
    try:
        top = max(offered_load(r) for r in runs)
    except Missing:
        return runs, None
    return [r for r in runs if offered_load(r) == top], f"offered load {top:,.0f} requests/s"


def fig_latency_cdf(runs):
    runs, title = at_highest_load(runs)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.8))
    for label, group, look in curves(runs, exclude=LOAD_KEYS):
        for run in group:  # a curve per run: several settings of one policy share its style
            lat, frac = latency_distribution(run)
            name = run_label(run, exclude=LOAD_KEYS) if len(group) > 1 else label
            ax.plot(lat, frac, label=name, marker=None, **{k: v for k, v in look.items() if k != "marker"})
    deadline_line(ax, runs, vertical=True)
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    ax.set_xlabel("latency (s)")
    if title:
        ax.set_title(title, fontsize=7)
    ax.set_ylabel("fraction of requests")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    legend_below(fig, ax)
    return fig


LOAD_KEYS = ("workload.devices", "workload.arrival.rate_hz")


def offered_load(run):
    config = run["config"]
    if not config:
        raise Missing(f"run {run['id']}: no config.json")
    workload = config.get("workload", {})
    arrival = workload.get("arrival", {})
    if "rate_hz" not in arrival:
        raise Missing(f"run {run['id']}: no workload.arrival.rate_hz (offered load needs an open-loop arrival rate)")
    return workload.get("devices", 1) * arrival["rate_hz"]


def versus_load(runs, value_of, ylabel, log_y, groups=None, log_x=True, lines=()):
    """A curve per group of runs (default: per policy setting) of value_of(run) vs offered load;
    `lines`: functions drawing reference lines (deadline, accuracy target) on the axes."""
    loads = {offered_load(r) for r in runs}
    if len(loads) < 2:
        raise NotApplicable("fewer than two offered loads among the runs (sweep workload.devices or rate_hz)")
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.3 if groups is None else 3.6))
    for label, group, look in (groups or load_curves)(runs):
        draw(ax, group, offered_load, value_of, label, look)
    for line in lines:
        line(ax)
    if log_x:
        ax.set_xscale("log")
    if log_y:
        ax.set_yscale("log")
    for axis in ([ax.xaxis] if log_x else []) + ([ax.yaxis] if log_y else []):
        axis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("offered load (requests/s, all devices)")
    ax.set_ylabel(ylabel)
    ax.grid(True, linewidth=0.3, alpha=0.5)
    legend_below(fig, ax)
    return fig


def fig_p95_vs_load(runs):
    return versus_load(runs, lambda r: metric(r, "latency_p95_s"), "95th percentile latency (s)", True,
                       lines=[lambda ax: deadline_line(ax, runs)])


def fig_accuracy_vs_load(runs):
    return versus_load(runs, lambda r: 100 * metric(r, "accuracy"), "accuracy (%)\n(lost requests count wrong)", False,
                       lines=[lambda ax: target_line(ax, runs)])


def energy_label(runs):
    """The energy axis's label: the metric (--energy) in mJ, and how the headline was made when it
    is not by MACs alone."""
    if ENERGY_FIELD != "energy_j_per_inference":
        return f"{ENERGY_FIELD.replace('_j', '').replace('_', ' ')} (mJ)"
    rules = {(optional(r, "energy_model_compute", "macs"), optional(r, "energy_model_server_idle", "excluded"))
             for r in runs}
    if rules == {("macs", "excluded")}:
        return "energy per inference (mJ)"
    return "energy per inference (mJ)\n" + "; ".join(
        f"{'host power' if c == 'host_power' else 'MACs'}{', idle shared' if i == 'shared' else ''}" for c, i in sorted(rules))


def fig_energy_vs_load(runs):
    return versus_load(runs, energy_of, energy_label(runs), True)


def swept_key(runs, prefix, what):
    """The first swept key starting with `prefix`, and the runs that sweep it."""
    keys = sorted({k for r in runs for k in optional(r, "sweep", {}) if k.startswith(prefix)})
    if not keys:
        raise NotApplicable(f"no swept {what} (sweep {prefix}<name>)")
    return keys[0], [r for r in runs if keys[0] in optional(r, "sweep", {})]


def fig_threshold_tradeoff(runs):
    """Accuracy, share finished before the cloud and compute-energy reduction against the swept
    policy parameter, one curve per policy and setting (the hybrid network's figure)."""
    key, runs = swept_key(runs, "policy.params.", "policy parameter")
    fig, axes = plt.subplots(3, 1, figsize=(WIDTH_IN, 4.6), sharex=True)
    panels = [(lambda r: 100 * metric(r, "accuracy"), "accuracy (%)"),
              (lambda r: 100 * (1 - metric(r, "exit_cloud")), "finished before\nthe cloud (%)"),
              (lambda r: metric(r, "compute_energy_reduction_vs_fp32"), "compute energy\nreduction vs fp32 (x)")]
    for label, group, look in curves(runs, exclude=(key,)):
        for ax, (value_of, _) in zip(axes, panels):
            draw(ax, group, lambda r: optional(r, "sweep")[key], value_of, label, look)
    target_line(axes[0], runs)
    for ax, (_, ylabel) in zip(axes, panels):
        ax.set_ylabel(ylabel)
        ax.grid(True, linewidth=0.3, alpha=0.5)
    axes[2].set_yscale("log")  # reductions span orders of magnitude once most inferences end early
    axes[2].yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axes[-1].set_xlabel(f"{key.split('.')[-1]} (policy parameter)")
    legend_below(fig, axes[0])
    return fig


def fig_cost_vs_offload(runs, max_drop=0.005):
    """Per offload cost o: each policy's cheapest setting within max_drop accuracy of cloud-only,
    as a cost reduction against cloud-only (DIMEC-DC's headline figure)."""
    def offload(run):
        cost = (run["config"] or {}).get("cost")
        if not cost:
            raise NotApplicable(f"run {run['id']}: no cost section in config.json (cost.lambda, cost.offload)")
        return cost["offload"]
    cloud = {}
    for r in runs:
        if optional(r, "policy") == "all-in-cloud":
            cloud[offload(r)] = r
    if not cloud:
        raise NotApplicable("no all-in-cloud run to measure cost reduction against")
    best = {}  # policy -> {o: (reduction %, accuracy drop in points)}
    for r in runs:
        policy, o = metric(r, "policy"), offload(r)
        if policy == "all-in-cloud" or o not in cloud:
            continue
        base = cloud[o]
        drop = metric(base, "accuracy") - metric(r, "accuracy")
        if drop > max_drop + 1e-12:
            continue
        reduction = 100 * (1 - metric(r, "cost_units_per_inference") / metric(base, "cost_units_per_inference"))
        if o not in best.setdefault(policy, {}) or reduction > best[policy][o][0]:
            best[policy][o] = (reduction, 100 * drop)
    if not best:
        raise Missing(f"no run within {100 * max_drop:g} accuracy points of cloud-only")
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH_IN, 3.6), sharex=True)
    for policy in sorted(best, key=lambda p: POLICY_ORDER.index(p) if p in POLICY_ORDER else 99):
        os_ = sorted(best[policy])
        axes[0].plot(os_, [best[policy][o][0] for o in os_], label=policy, **style(policy))
        axes[1].plot(os_, [best[policy][o][1] for o in os_], label=policy, **style(policy))
    axes[0].axhline(0, color="black", linewidth=0.5)
    axes[0].set_ylabel("cost reduction vs\ncloud-only (%)")
    axes[1].set_ylabel("accuracy drop vs\ncloud-only (points)")
    axes[1].axhline(100 * max_drop, color="black", linewidth=0.5, linestyle=":")
    axes[1].set_xlabel("offload cost o (cost units per transfer)")
    axes[1].set_xlim(left=min(min(v) for v in best.values()) - 0.5)  # linear: o = 0 (free offloading) is a value
    for ax in axes:
        ax.grid(True, linewidth=0.3, alpha=0.5)
    axes[0].set_title(f"best setting within {100 * max_drop:g} accuracy points of cloud-only", fontsize=7)
    legend_below(fig, axes[0])
    return fig


POOL_STYLE = {"easy": ("#009E73", "o"), "medium": ("#E69F00", "s"), "hard": ("#D55E00", "^")}


def fig_datamap(runs):
    """Data-cartography map of the first run whose policy wrote pools.csv (DIMEC-DC)."""
    for run in ordered(runs):
        path = os.path.join(run["dir"], "pools.csv")
        if os.path.isfile(path):
            break
    else:
        raise NotApplicable("no run has pools.csv (written by the dimec_dc policy)")
    with open(path) as f:
        rows = list(csv.DictReader(f))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.2))
    for pool, (colour, marker) in POOL_STYLE.items():
        pts = [(float(r["variability"]), float(r["confidence"])) for r in rows if r["pool"] == pool]
        if pts:
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=2, c=colour, marker=marker, linewidths=0,
                       alpha=0.6, label=f"{pool} ({len(pts)})", rasterized=True)
    ax.set_xlabel("variability (std of gold-label probability over epochs)")
    ax.set_ylabel("confidence (mean gold-label\nprobability over epochs)")
    ax.grid(True, linewidth=0.3, alpha=0.5)
    fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=3, markerscale=4,
               title="pool (training samples)", title_fontsize=6, bbox_to_anchor=(0.5, 0.0))
    fig.tight_layout(rect=(0, 0.5 / fig.get_figheight(), 1, 1))  # the legend below: it would hide points
    return fig


def fig_latency_vs_bandwidth(runs):
    key, runs = swept_key(runs, "network.link_bandwidth_Bps.", "link bandwidth")
    fig, axes = plt.subplots(2, 1, figsize=(WIDTH_IN, 4.0), sharex=True)
    for label, group, look in curves(runs, exclude=(key,)):
        mbps = lambda r: 8 * optional(r, "sweep")[key] / 1e6  # noqa: E731
        draw(axes[0], group, mbps, lambda r: metric(r, "latency_mean_s"), label, look)
        draw(axes[1], group, mbps, energy_of, label, look)
    deadline_line(axes[0], runs)
    axes[0].set_ylabel("mean latency (s)")
    axes[1].set_ylabel(energy_label(runs))
    link = key[len("network.link_bandwidth_Bps."):]
    axes[1].set_xlabel(f"bandwidth of links {link} (Mb/s)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.grid(True, linewidth=0.3, alpha=0.5)
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    legend_below(fig, axes[0])
    return fig


BASELINES = {"oracle", "all-on-mobile", "all-on-edge", "all-in-cloud"}


def fig_per_class_exits(runs, run_id=None):
    """Where each true class's inferences end, for one run (--run, default: see main)."""
    if run_id:
        chosen = [r for r in runs if r["id"] == run_id]
        if not chosen:
            raise Missing(f"no completed run {run_id}")
        run = chosen[0]
    else:
        # the experiment's own policy (its config's policy.name), at its middle setting
        own = ((EXPERIMENT or {}).get("policy") or {}).get("name")
        candidates = ([r for r in ordered(runs) if optional(r, "policy") == own] or
                      [r for r in ordered(runs) if optional(r, "policy") not in BASELINES] or ordered(runs))
        run = candidates[len(candidates) // 2]
    names = list(need(run, FIELDS["class_requests"][0]))
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.9 + 0.17 * len(names) + 0.6))
    left = [0.0] * len(names)
    for tier in ("mobile", "edge", "cloud"):
        widths = [100 * metric(run, f"class_exit_{tier}", n) for n in names]
        ax.barh(range(len(names)), widths, left=left, label=tier, hatch=TIER_HATCH[tier], color=TIER_COLOUR[tier],
                edgecolor="black", linewidth=0.3)
        left = [l + w for l, w in zip(left, widths)]
    ax.set_yticks(range(len(names)))
    ax.set_yticklabels([f"{n} ({100 * metric(run, 'class_accuracy', n):.0f} %)" for n in names])
    ax.invert_yaxis()
    ax.set_xlabel("inferences ending there (%)")
    ax.set_title(run_label(run), fontsize=6, pad=14)
    ax.legend(loc="lower center", ncol=3, bbox_to_anchor=(0.5, 1.0), borderaxespad=0.1)
    fig.tight_layout()
    return fig


RULE_ORDER = ["static", "nearest", "round_robin", "random", "least_loaded", "power_of_two"]


def serving_setup(run):
    """(selection rule, largest max_batch of any server) of a run, from its config.json."""
    config = run["config"]
    if not config:
        raise Missing(f"run {run['id']}: no config.json")
    servers = config.get("servers", {})
    rule = servers.get("selection", {}).get("rule", "static")
    settings = [servers.get(t, {}) for t in ("edge", "cloud")] + list(servers.get("hosts", {}).values())
    return rule, max(s.get("max_batch", 1) for s in settings)


def by_rule(runs):
    """Runs grouped into curves per selection rule (colour and marker per rule) and batching
    (solid: none, dashed: batching), as (label, runs, style)."""
    groups = {}
    for run in runs:
        groups.setdefault(serving_setup(run), []).append(run)
    if len(groups) < 2:
        raise NotApplicable("one selection rule and batching setting among the runs (sweep servers.selection)")

    def order(key):
        rule, batch = key
        return (RULE_ORDER.index(rule) if rule in RULE_ORDER else 99, rule, batch)
    out = []
    for rule, batch in sorted(groups, key=order):
        i = (RULE_ORDER.index(rule) if rule in RULE_ORDER else len(RULE_ORDER) + sum(map(ord, rule)) % 5) + 1
        look = dict(color=COLOURS[i % len(COLOURS)], marker=MARKERS[i % len(MARKERS)], markersize=3.5,
                    linestyle="-" if batch == 1 else "--", markerfacecolor="none" if batch > 1 else None)
        label = rule.replace("_", " ") + (f", batch ≤ {batch}" if batch > 1 else "")
        out.append((label, groups[(rule, batch)], look))
    return out


def serving_versus_load(runs, value_of, ylabel, log_y):
    """Against the load, a curve per selection rule and batching when those are swept, else per
    policy (a deadline or drops matter for any policy under load)."""
    try:
        by_rule(runs)
        return versus_load(runs, value_of, ylabel, log_y, groups=by_rule, log_x=False)
    except NotApplicable:
        return versus_load(runs, value_of, ylabel, log_y)


def fig_p95_vs_load_by_rule(runs):
    return versus_load(runs, lambda r: 1e3 * metric(r, "latency_p95_s"), "95th percentile latency (ms)", True,
                       groups=by_rule, log_x=False, lines=[lambda ax: deadline_line(ax, runs, scale=1e3)])


def fig_slo_vs_load(runs):
    def violations(run):
        value = optional(run, "slo_violation_fraction")
        if value is None:
            raise Missing(f"run {run['id']}: summary.json has no slo (set workload.deadline_s)")
        return 100 * value
    deadlines = {optional(r, "slo_deadline_s") for r in runs} - {None}
    if not deadlines:
        raise NotApplicable("no run has a deadline (workload.deadline_s)")
    what = f"the {1e3 * deadlines.pop():g} ms deadline" if len(deadlines) == 1 else "their deadline"
    return serving_versus_load(runs, violations, f"requests that missed\n{what} (%)", False)


def fig_drops_vs_load(runs):
    return serving_versus_load(runs, lambda r: 100 * metric(r, "dropped_fraction"), "dropped (% of requests)", False)


def fig_server_utilisation(runs):
    """Per-server utilisation at the highest offered load, a group of bars per rule and batching."""
    runs, title = at_highest_load(runs)
    curves_ = by_rule(runs)
    tiers = {name: metric(r, "server_tier", name) for r in runs for name in need(r, "servers")
             if metric(r, "server_requests", name) > 0}  # servers no run used are left out
    servers = sorted(tiers, key=lambda n: (["edge", "cloud"].index(tiers[n]), n))
    if not servers:
        raise Missing("no servers in the summaries (tiersim before the serving layer?)")
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.3 + 0.1 * len(curves_) * (len(servers) + 1)))
    height = 0.8 / len(servers)
    hatches = ["", "///", "xx", "...", "\\\\"]
    for k, server in enumerate(servers):
        values = [100 * metric(group[0], "server_utilisation", server) for _, group, _ in curves_]
        ax.barh([i + k * height for i in range(len(curves_))], values, height=height, label=server,
                hatch=hatches[k % len(hatches)], color=COLOURS[(k + 1) % len(COLOURS)], edgecolor="black",
                linewidth=0.3, alpha=0.85)
    ax.set_yticks([i + height * (len(servers) - 1) / 2 for i in range(len(curves_))])
    ax.set_yticklabels([label for label, _, _ in curves_])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("utilisation (% of worker time)")
    if title:
        ax.set_title(title, fontsize=7)
    ax.grid(True, axis="x", linewidth=0.3, alpha=0.5)
    legend_below(fig, ax)
    return fig


FIGURES = {
    "accuracy_energy": fig_accuracy_energy,
    "accuracy_latency": fig_accuracy_latency,
    "exit_distribution": fig_exit_distribution,
    "energy_breakdown": fig_energy_breakdown,
    "latency_cdf": fig_latency_cdf,
    "p95_vs_load": fig_p95_vs_load,
    "energy_vs_load": fig_energy_vs_load,
    "accuracy_vs_load": fig_accuracy_vs_load,
    "per_class_exits": fig_per_class_exits,
    "threshold_tradeoff": fig_threshold_tradeoff,
    "cost_vs_offload": fig_cost_vs_offload,
    "datamap": fig_datamap,
    "latency_vs_bandwidth": fig_latency_vs_bandwidth,
    "p95_vs_load_by_rule": fig_p95_vs_load_by_rule,
    "slo_vs_load": fig_slo_vs_load,
    "drops_vs_load": fig_drops_vs_load,
    "server_utilisation": fig_server_utilisation,
}


EXPERIMENT = None  # DIR/experiment.json: the config the results belong to


def experiment_figures(out_dir):
    """The figures the directory's experiment config asks for ("figures"), if it names any."""
    global EXPERIMENT
    path = os.path.join(out_dir, "experiment.json")
    if not os.path.isfile(path):
        return None
    with open(path) as f:
        EXPERIMENT = json.load(f)
    names = EXPERIMENT.get("figures")
    unknown = [n for n in names or [] if n not in FIGURES]
    if unknown:
        raise SystemExit(f"tiersim plot: {path}: figures: unknown figure {unknown[0]} "
                         f"(expected one of: {', '.join(FIGURES)})")
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", help="results directory (tiersim run -o DIR)")
    parser.add_argument("-o", "--out", help="figure directory (default DIR/figures)")
    parser.add_argument("--only", nargs="+", choices=sorted(FIGURES), help="only these figures")
    parser.add_argument("--run", help="the run per_class_exits shows (default: the experiment's own policy, "
                                      "middle setting)")
    energies = sorted(k for k, path in FIELDS.items() if k.endswith("_j") or k == "energy_j_per_inference"
                      or k == "network_energy_j_per_inference")
    parser.add_argument("--energy", default="energy_j_per_inference", choices=energies, metavar="ID",
                        help="the energy metric of accuracy_energy, energy_vs_load and latency_vs_bandwidth, by its "
                             "id in experiments/summary.schema.json (default: the headline, energy_j_per_inference; "
                             f"one of: {', '.join(energies)})")
    parser.add_argument("--max-drop", type=float, default=0.005,
                        help="the accuracy target drawn on accuracy axes: all-in-cloud's accuracy less this "
                             "(default 0.005: half a point)")
    args = parser.parse_args()
    global ENERGY_FIELD, MAX_DROP
    ENERGY_FIELD, MAX_DROP = args.energy, args.max_drop
    runs = load_runs(args.dir)
    if not runs:
        print(f"tiersim plot: {args.dir}: no completed runs under runs/ to plot", file=sys.stderr)
        return 2
    runs = group_points(runs)  # replicas (seeds) of a point become one, with means and intervals
    OTHER_POLICIES.extend(sorted({optional(r, "policy") for r in runs} - set(POLICY_ORDER) - {None}))
    out = args.out or os.path.join(args.dir, "figures")
    os.makedirs(out, exist_ok=True)
    setup_matplotlib()
    skipped = 0
    wanted = experiment_figures(args.dir)
    explicit = args.only or wanted  # figures asked for by name must be drawn
    for name in explicit or FIGURES:
        try:
            fig = FIGURES[name](runs, args.run) if name == "per_class_exits" else FIGURES[name](runs)
        except NotApplicable as e:
            if explicit:
                print(f"tiersim plot: {name}: skipped: {e}", file=sys.stderr)
                skipped += 1
            else:
                print(f"tiersim plot: {name}: not drawn, does not apply: {e}", file=sys.stderr)
            continue
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
