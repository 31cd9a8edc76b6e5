"""plots/plot.py's aggregation and styles, by hand (run by ctest: plot_helpers)."""
import math
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "plots"))
import plot  # noqa: E402


def run(id_, seed, accuracy, devices=4, policy="entropy", params=None, p95=0.1):
    config = {"name": id_, "policy": {"name": policy, "params": params or {}},
              "workload": {"devices": devices, "arrival": {"process": "poisson", "rate_hz": 2.0}},
              "simulation": {"seed": seed}}
    summary = {"policy": policy, "accuracy": accuracy, "latency_s": {"p95": p95, "percentiles": [0.0, p95]},
               "exit_fraction": {"mobile": 0.5, "edge": 0.5, "cloud": 0.0}}
    return {"id": id_, "dir": "/nonexistent", "summary": summary, "config": config}


def test_replicas_become_one_point_with_the_mean_summary():
    runs = [run("a", 1, 0.80), run("b", 2, 0.90), run("c", 3, 0.85), run("d", 1, 0.70, devices=8)]
    points = plot.group_points(runs)
    assert len(points) == 2
    three = next(p for p in points if len(p["replicas"]) == 3)
    assert math.isclose(plot.metric(three, "accuracy"), 0.85)
    assert three["summary"]["latency_s"]["percentiles"] == [0.0, 0.1]
    assert three["summary"]["policy"] == "entropy"


def test_mean_ci_is_the_student_t_interval():
    # 0.80, 0.90, 0.85: mean 0.85, s = 0.05, t(0.975, 2) = 4.302652729749464 (closed form).
    point = plot.group_points([run("a", 1, 0.80), run("b", 2, 0.90), run("c", 3, 0.85)])[0]
    mean, half = plot.mean_ci(point, lambda r: plot.metric(r, "accuracy"))
    t2 = 0.95 * math.sqrt(2 / 0.0975)
    assert math.isclose(mean, 0.85)
    assert math.isclose(half, t2 * 0.05 / math.sqrt(3), rel_tol=1e-9)
    single = plot.group_points([run("a", 1, 0.8)])[0]
    assert plot.mean_ci(single, lambda r: plot.metric(r, "accuracy")) == (0.8, 0.0)


def test_unknown_policies_get_looks_no_other_policy_has():
    plot.OTHER_POLICIES[:] = ["my_rule", "zzz"]
    known = [plot.style(p) for p in plot.POLICY_ORDER]
    mine, other = plot.style("my_rule"), plot.style("zzz")
    looks = [(tuple(s["color"]), s["marker"]) for s in known + [mine, other]]
    assert len(set(looks)) == len(looks)
    assert all(tuple(mine["color"]) != tuple(s["color"]) for s in known)
    # A policy first seen while drawing is added, not folded onto a known one.
    late = plot.style("late_policy")
    assert "late_policy" in plot.OTHER_POLICIES
    assert tuple(late["color"]) not in {tuple(s["color"]) for s in known}


def test_bars_keep_one_point_per_policy_at_the_highest_load():
    points = plot.group_points([run("a", 1, 0.8, devices=4), run("b", 1, 0.8, devices=8),
                                run("c", 1, 0.9, devices=8, policy="all-in-cloud")])
    for p in points:
        p["summary"]["sweep"] = {"workload.devices": p["config"]["workload"]["devices"]}
    chosen, title = plot.one_per_policy(points, lambda r: [plot.metric(r, "exit_mobile")])
    assert [label for label, _ in chosen] == ["all-in-cloud", "entropy"]
    assert all(p["config"]["workload"]["devices"] == 8 for _, p in chosen)
    assert title == "offered load 16 requests/s"
