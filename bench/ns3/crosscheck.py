#!/usr/bin/python3
"""Packet-level cross-check and calibration of tiersim's network models against ns-3 3.37.

  crosscheck.py reference CASES.json --work DIR      run ns-3 on every case (cached by input hash)
  crosscheck.py compare   CASES.json --work DIR [--models CM02,LV08,NAME] [--all] [--markdown]
  crosscheck.py calibrate CASES.json --work DIR [--out platforms/network/NAME.json]
  crosscheck.py figure    CASES.json --work DIR [--models ...] [--out PNG]
  crosscheck.py grids     CASES.json --work DIR [--out MODEL.json]   the fit's errors per route, Markdown

CASES.json (bench/ns3/cases.json) names a tiersim platform, the routes to test (hosts, the glob of
the links a calibrated model's entry matches, the ns-3 access: a WiFi cell or wired) and the cases:
`devices` transfers of `bytes` all at once, `repeats` isolated transfers of one device (one per
`period_s`, at a random phase), or Poisson arrivals of `poisson_hz` per device over `duration_s`,
the arrival times those of tiersim's own arrival process (a run's requests.csv, with the case's
seed). Each case's transfers are written once (transfers.csv) and fed to both simulators:
ns-3 (bench/ns3/ns3_reference) and `tiersim network replay` with each model.

calibrate fits, for each route, a latency factor, a bandwidth factor and a TCP window (SimGrid's
TCP-gamma) per size class (piecewise constant, SimGrid's SMPI-style steps, boundaries at the
geometric middle between fitted sizes) and a capacity factor for each of the route's
`capacity_links` (the WiFi cell), by least squares on the relative errors of the mean and the p95
of all the route's all-at-once "fit" cases at once (scipy.optimize.least_squares, soft-L1 loss,
from several starts, on CM02's closed form for equal flows started together), per size class a time
jitter from the route's "fit" repeats (the quantiles of their times over the mean), replays every
case through tiersim with the result, and writes the model with tiersim's errors per case. "held_out" cases are never fitted on and are reported separately.
"""
import argparse
import csv
import fnmatch
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TIERSIM = Path(os.environ.get("TIERSIM", ROOT / "build" / "tiersim"))
NS3 = Path(os.environ.get("NS3_REFERENCE", ROOT / "build" / "ns3_reference"))
CASE_GAP_S = 1000.0  # cases replayed in one tiersim process are this far apart in time


def fail(msg):
    print(f"crosscheck: {msg}", file=sys.stderr)
    sys.exit(2)


def load_cases(path, variant=None):
    """The cases file, with a variant's settings (its model name and TCP settings) if one is named."""
    cases_file = Path(path)
    spec = json.loads(cases_file.read_text())
    spec["platform_path"] = (cases_file.parent / spec["platform"]).resolve()
    spec["cases_file"] = f"bench/ns3/{cases_file.name}"
    if variant:
        variants = spec.get("variants", {})
        if variant not in variants:
            fail(f"{path}: /variants: no variant '{variant}' (expected one of: {', '.join(variants) or 'none'})")
        spec["model"] = variants[variant]["model"]
        spec["tcp"] = {**spec["tcp"], **variants[variant].get("tcp", {})}
        spec["cases_file"] += f", variant {variant}"
    for i, c in enumerate(spec["cases"]):
        if c["route"] not in spec["routes"]:
            fail(f"{path}: /cases/{i}/route: unknown route '{c['route']}' (expected one of: {', '.join(spec['routes'])})")
    return spec


_routes = {}  # (platform, from, to) -> `tiersim network route`'s answer: one process per route, not per case


def route_info(spec, route, device=0):
    r = spec["routes"][route]
    key = (str(spec["platform_path"]), r["from"].format(device=device), r["to"])
    if key not in _routes:
        out = subprocess.run([str(TIERSIM), "network", "route", *key], capture_output=True, text=True)
        if out.returncode != 0:
            fail(out.stderr.strip())
        _routes[key] = json.loads(out.stdout)
    return _routes[key]


def scenario(spec, case):
    """The ns-3 scenario: the route's links after the radio hop (WiFi or LTE) become point-to-point links."""
    r = spec["routes"][case["route"]]
    info = route_info(spec, case["route"])
    radio_glob = r.get("radio_links")
    path = [{"id": l["id"], "bandwidth_bps": l["bandwidth_Bps"] * 8, "latency_s": l["latency_s"]}
            for l in info["links"] if not (radio_glob and fnmatch.fnmatch(l["id"], radio_glob))]
    return {"case": case["name"], "platform": str(spec["platform_path"]), "route": [info["from"], info["to"]],
            "access": r["access"], "path": path, "devices": case["devices"], "tcp": spec["tcp"],
            "stop_s": 300}


_arrivals = {}


def tiersim_arrivals(spec, case):
    """(device, arrival_s) of a Poisson case: tiersim's own arrival process, as a run with the case's
    devices, rate and seed writes them into its requests.csv (the analytic engine, the quickstart's
    trace; only the arrival times are used), cut at duration_s."""
    if case["name"] in _arrivals:
        return _arrivals[case["name"]]
    n, rate, duration = case["devices"], case["poisson_hz"], case["duration_s"]
    config = {"name": case["name"], "trace": str(ROOT / "traces" / "sst2_bert12.csv"),
              "profile": str(ROOT / "traces" / "sst2_bert12.profile.json"), "platform": str(spec["platform_path"]),
              "policy": {"name": "all-on-edge"},
              # three times the expected count: every device's arrivals run past duration_s
              "workload": {"devices": n, "requests": int(3 * n * rate * duration) + 10,
                           "arrival": {"process": "poisson", "rate_hz": rate}},
              "simulation": {"engine": "analytic", "seed": case["seed"]}, "outputs": {"requests_csv": True}}
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "config.json").write_text(json.dumps(config))
        out = subprocess.run([str(TIERSIM), "run", f"{tmp}/config.json", "-o", f"{tmp}/out"], capture_output=True,
                             text=True)
        if out.returncode != 0:
            fail(out.stderr.strip())
        with open(Path(tmp, "out", "runs", case["name"], "requests.csv")) as f:
            rows = [(int(r["device"]), float(r["arrival_s"])) for r in csv.DictReader(f)]
    if not rows or max(t for _, t in rows) < duration:
        fail(f"{case['name']}: tiersim's arrivals end before duration_s = {duration}")
    _arrivals[case["name"]] = sorted(((d, t) for d, t in rows if t < duration), key=lambda r: (r[1], r[0]))
    return _arrivals[case["name"]]


def transfers(spec, case):
    """(device, start_s) of every transfer of the case: all at 0; `repeats` isolated transfers of
    device 0, one per `period_s` at a random point of its first half (a random phase against the
    access's periodic schedules: beacons, LTE subframes and scheduling requests), so their spread is
    the access's own randomness; or tiersim's Poisson arrivals."""
    if "repeats" in case:
        phase = np.random.default_rng(case["seed"]).uniform(0.0, 0.5, case["repeats"])
        return [(0, (k + float(u)) * case["period_s"]) for k, u in enumerate(phase)]
    if "poisson_hz" not in case:
        return [(d, 0.0) for d in range(case["devices"])]
    return tiersim_arrivals(spec, case)


def case_dir(work, case):
    return Path(work) / case["name"]


def write_inputs(spec, case, work):
    d = case_dir(work, case)
    d.mkdir(parents=True, exist_ok=True)
    sc = scenario(spec, case)
    (d / "scenario.json").write_text(json.dumps(sc, indent=2) + "\n")
    rows = transfers(spec, case)
    with open(d / "transfers.csv", "w") as f:
        f.write("transfer,device,start_s,bytes\n")
        for i, (dev, t) in enumerate(rows):
            f.write(f"{i},{dev},{t!r},{case['bytes']}\n")
    return d


def stats(durations):
    x = np.asarray(durations, dtype=float)
    return float(x.mean()), float(np.percentile(x, 95))


def read_durations(path):
    with open(path) as f:
        rows = list(csv.DictReader(f))
    return [float(r["duration_s"]) for r in rows]


def run_reference(spec, work, names=None):
    if not NS3.exists():
        fail(f"{NS3}: not built (bench/ns3/compare.sh builds it)")
    for case in spec["cases"]:
        if names and case["name"] not in names:
            continue
        d = write_inputs(spec, case, work)
        digest = hashlib.sha256((d / "scenario.json").read_bytes() + (d / "transfers.csv").read_bytes()
                                + NS3.read_bytes()).hexdigest()
        stamp = d / "ns3.sha256"
        if stamp.exists() and stamp.read_text() == digest and (d / "ns3.csv").exists():
            continue
        t0 = time.time()
        out = subprocess.run([str(NS3), str(d / "scenario.json"), str(d / "transfers.csv"), str(d / "ns3.csv")],
                             capture_output=True, text=True)
        if out.returncode != 0:
            fail(out.stderr.strip())
        (d / "ns3_wall_s.txt").write_text(f"{time.time() - t0:.3f}\n")
        stamp.write_text(digest)
        print(f"  ns-3 {case['name']}: {time.time() - t0:.1f} s", file=sys.stderr)


def replay(spec, cases, model, platform=None):
    """Replays the cases in one tiersim process (cases CASE_GAP_S apart); returns {name: durations}."""
    platform = platform or spec["platform_path"]
    with tempfile.TemporaryDirectory() as tmp:
        lines, owner = ["transfer,source,destination,start_s,bytes"], []
        for k, case in enumerate(cases):
            r = spec["routes"][case["route"]]
            # ids restart with each case: a model's jitter draws a transfer by its id, so a case
            # gets the same draws alone or beside others
            for i, (dev, t) in enumerate(transfers(spec, case)):
                lines.append(f"{i},{r['from'].format(device=dev)},{r['to']},{k * CASE_GAP_S + t!r},{case['bytes']}")
                owner.append(case["name"])
        Path(tmp, "t.csv").write_text("\n".join(lines) + "\n")
        t0 = time.time()
        out = subprocess.run([str(TIERSIM), "network", "replay", str(platform), f"{tmp}/t.csv", "-o", f"{tmp}/o.csv",
                              "--model", model], capture_output=True, text=True)
        wall = time.time() - t0
        if out.returncode != 0:
            fail(out.stderr.strip())
        result = {}
        for name, dur in zip(owner, read_durations(f"{tmp}/o.csv")):
            result.setdefault(name, []).append(dur)
        return result, wall


def reference_stats(spec, work):
    out = {}
    for case in spec["cases"]:
        f = case_dir(work, case) / "ns3.csv"
        if not f.exists():
            fail(f"{f}: missing (run: crosscheck.py reference)")
        d = read_durations(f)
        if any(math.isnan(x) for x in d):
            fail(f"{f}: unfinished transfers in the ns-3 reference")
        out[case["name"]] = stats(d)
    return out


# ---- calibration ---------------------------------------------------------------------------

def size_steps(sizes):
    """Step boundaries between fitted sizes: 0, then the geometric middle of neighbours."""
    sizes = sorted(set(sizes))
    return [0.0] + [math.sqrt(a * b) for a, b in zip(sizes, sizes[1:])]


def model_json(summary, entries, links=(), fit=None, platform=None):
    model = {"summary": summary, **({"platform": platform} if platform else {}), "routes": entries}
    if links:
        model["links"] = list(links)
    if fit:
        model["fit"] = fit
    return model


def route_entry(through, steps, lat, bw, gamma, jitter=None):
    entry = {"through": through,
             "latency_factor": [[round(s, 1), float(f"{f:.5g}")] for s, f in zip(steps, lat)],
             "bandwidth_factor": [[round(s, 1), float(f"{f:.5g}")] for s, f in zip(steps, bw)],
             "tcp_gamma_bytes": [[round(s, 1), round(g)] for s, g in zip(steps, gamma)]}
    if jitter and any(len(q) > 1 for q in jitter):
        entry["time_jitter"] = [[round(s, 1), q] for s, q in zip(steps, jitter)]
    return entry


JITTER_POINTS = 21  # quantiles at probabilities 0, 0.05, ..., 1


def jitter_table(durations):
    """The quantiles of durations / their mean at JITTER_POINTS evenly spaced probabilities, scaled so
    that the quantile function tiersim draws from (linear between them) has mean 1 exactly: the
    jitter spreads a transfer's time without moving the mean the factors were fitted to."""
    q = np.quantile(np.asarray(durations) / np.mean(durations), np.linspace(0, 1, JITTER_POINTS))
    mean = (q[0] / 2 + q[1:-1].sum() + q[-1] / 2) / (len(q) - 1)
    return [round(float(x), 4) for x in q / mean]


def fit_jitter(spec, work, route, sizes):
    """Per size class, the time jitter of the route's isolated repeats of that size (cases with
    `repeats`); [1] (none) for a size without them."""
    tables = []
    for size in sizes:
        case = next((c for c in spec["cases"] if c["route"] == route and c.get("repeats") and c["use"] == "fit"
                     and c["bytes"] == size), None)
        tables.append(jitter_table(read_durations(case_dir(work, case) / "ns3.csv")) if case else [1.0])
    return tables


# Residual scales: the targets (mean within 10 %, p95 within 20 %) become |residual| <= 1.
MEAN_TOL, P95_TOL = 0.10, 0.20
PRIOR = 0.05  # pull of each bandwidth and capacity factor towards 1 (per unit of log), breaks ties
REPORT_WEIGHT = 2.0  # the reference cases ("report": true) count twice in the fit


def model_errors(sim, ref, name):
    """A model's mean and p95 for the case and their errors relative to ns-3's."""
    (sm, sp), (rm, rp) = stats(sim[name]), ref[name]
    return sm, sp, (sm - rm) / rm, (sp - rp) / rp


def case_errors(sim, ref, cases):
    """{case: (mean error, p95 error)}."""
    return {c["name"]: model_errors(sim, ref, c["name"])[2:] for c in cases}


def route_links(spec, route):
    """The route's links as (id, bytes/s, shared by the route's devices) and its latency."""
    first, second = route_info(spec, route, 0), route_info(spec, route, 1)
    other = {l["id"] for l in second["links"]}
    return [(l["id"], l["bandwidth_Bps"], l["id"] in other) for l in first["links"]], first["latency_s"]


def equal_flows_time(links, latency, size, n, lat_f, bw_f, gamma, caps):
    """CM02's time for n equal transfers started together on the route (max-min shares them
    equally): latency x lat_f + size / (bw_f x min(gamma / 2 latency, capacity / flows on each link)).
    `caps` maps link globs to (capacity factor, contention decay, up to): a decayed link shared by n
    offers capacity / (1 + decay (min(n, up to) - 1)). Exact for SimGrid's CM02 with our callbacks;
    the fit uses it and `calibrate` checks it against tiersim's replay of every fitted case."""
    rate = gamma / (2 * latency)
    for link, bandwidth, shared in links:
        factor, decay, up_to = next((c for g, c in caps.items() if fnmatch.fnmatch(link, g)), (1.0, 0.0, 1))
        flows = n if shared else 1
        rate = min(rate, bandwidth * factor / (1 + decay * (min(flows, up_to) - 1)) / flows)
    return lat_f * latency + size / (bw_f * rate)


DECAY_FLOOR = 1e-4  # the fit's lower bound: a decay that ends there is none


def link_entries(caps):
    return [{"through": g, "bandwidth_factor": f,
             **({"contention_decay": d, "contention_up_to": u} if d > 1.001 * DECAY_FLOOR else {})}
            for g, (f, d, u) in caps.items()]


def globs(route_spec):
    through = route_spec["through"]
    return [through] if isinstance(through, str) else list(through)


def fit_order(spec):
    """Routes through one kind of link first, the wired before the radio ones (a radio route fits the
    cell's capacities, which a route through several kinds then keeps), then the others."""
    return sorted(spec["routes"], key=lambda r: (len(globs(spec["routes"][r])),
                                                 0 if spec["routes"][r]["access"]["type"] == "wired" else 1))


def entry_order(spec, route):
    """The model lists entries for several kinds of link first (the first match wins), then the
    WAN's, then the radio's: a route crossing both kinds without its own entry takes the WAN's."""
    r = spec["routes"][route]
    return (-len(globs(r)), 0 if r["access"]["type"] == "wired" else 1)


def fit_route(spec, route, cases, ref, sizes, fixed_caps, starts=200):
    """Least squares on the closed form, from several starts (the objective has kinks where the
    bound changes from the window to a link): per size a latency factor, a bandwidth factor and a
    TCP-gamma, the capacity factors of the route's `capacity_links` and the contention decays of
    its `decay_links` (those fitted on earlier routes, `fixed_caps`, stay as they are)."""
    from scipy.optimize import least_squares
    links, latency = route_links(spec, route)
    cap_links = spec["routes"][route].get("capacity_links", [])
    decay_links = spec["routes"][route].get("decay_links", [])
    k, c = len(sizes), len(cap_links)
    most = max(case["devices"] for case in cases)  # a decay holds up to the most transfers fitted on

    def unpack(p):
        e = np.exp(p)
        caps = dict(fixed_caps)
        for g in dict.fromkeys(cap_links + decay_links):  # in order: the written model is reproducible
            f = e[3 * k + cap_links.index(g)] if g in cap_links else caps.get(g, (1.0, 0.0, 1))[0]
            d = e[3 * k + c + decay_links.index(g)] if g in decay_links else caps.get(g, (1.0, 0.0, 1))[1]
            u = most if g in decay_links else caps.get(g, (1.0, 0.0, 1))[2]
            caps[g] = (f, d, u)
        return e[:k], e[k:2 * k], e[2 * k:3 * k], caps

    def residual(p):
        lat, bw, gamma, caps = unpack(p)
        res = []
        for case in cases:
            i = sizes.index(case["bytes"])
            t = equal_flows_time(links, latency, case["bytes"], case["devices"], lat[i], bw[i], gamma[i], caps)
            rm, rp = ref[case["name"]]
            w = REPORT_WEIGHT if case.get("report") else 1.0
            res += [w * (t - rm) / rm / MEAN_TOL, w * (t - rp) / rp / P95_TOL]
        return np.array(res + [PRIOR * math.log(f) for f in list(bw) + [caps[g][0] for g in cap_links]])

    lo = ([math.log(0.01)] * k + [math.log(0.05)] * k + [math.log(1e3)] * k + [math.log(0.1)] * c
          + [math.log(DECAY_FLOOR)] * len(decay_links))
    hi = ([math.log(100.0)] * k + [math.log(20.0)] * k + [math.log(1e9)] * k + [math.log(10.0)] * c
          + [math.log(10.0)] * len(decay_links))
    rng = np.random.default_rng(0)
    best = None
    for _ in range(starts):
        x0 = rng.uniform(lo, hi)
        sol = least_squares(residual, x0, bounds=(lo, hi), loss="soft_l1", f_scale=1.0)
        if best is None or sol.cost < best.cost:
            best = sol
    return unpack(best.x), links, latency


def dump_model(model):
    """The model as indented JSON with every list of plain numbers on one line ([bytes, factor]
    steps, a jitter's quantiles)."""
    text = json.dumps(model, indent=2)
    return re.sub(r"\[[^\[\]{}\"]*\]", lambda m: json.dumps(json.loads(m.group(0))), text) + "\n"


def replay_model(spec, model, cases):
    """Replays the cases through tiersim with `model` (a model file's JSON, not written anywhere)."""
    with tempfile.TemporaryDirectory() as tmp:
        plat = Path(tmp) / Path(spec["platform_path"]).name
        plat.symlink_to(spec["platform_path"])
        (Path(tmp) / "network").mkdir()
        (Path(tmp) / "network" / "fit.json").write_text(json.dumps(model))
        return replay(spec, cases, "fit", platform=plat)[0]


def replay_with(spec, fitted_entries, links, cases):
    """Replays the cases through tiersim with a model of the routes fitted so far."""
    entries = [fitted_entries[n] for n in sorted(fitted_entries, key=lambda n: entry_order(spec, n))]
    return replay_model(spec, model_json("fit", entries, links), cases)


def calibrate(spec, work, out_path):
    """Fits each route on all its fit cases at once (fit_route), then replays every case through
    tiersim with the fitted model: the errors recorded and printed are tiersim's."""
    ref = reference_stats(spec, work)
    fit_record = {"reference": f"bench/ns3/ns3_reference (ns-3 3.37), cases in {spec['cases_file']}",
                  "objective": f"least squares (soft-L1) on relative errors, mean / {MEAN_TOL} and p95 / {P95_TOL}, "
                               f"all fit cases of a route at once (those marked report weigh {REPORT_WEIGHT}), "
                               f"on CM02's closed form for equal flows",
                  "routes": {}}
    fitted_entries = {}
    caps = {}
    for route in fit_order(spec):
        r = spec["routes"][route]
        ours = [c for c in spec["cases"] if c["route"] == route]
        cases = [c for c in ours if c["use"] == "fit" and not c.get("repeats")]  # the factors' fit
        repeats = [c for c in ours if c["use"] == "fit" and c.get("repeats")]   # the jitter's
        held = [c for c in ours if c["use"] != "fit"]
        sizes = sorted({c["bytes"] for c in cases})
        t0 = time.time()
        (lat, bw, gamma, caps), rlinks, latency = fit_route(spec, route, cases, ref, sizes, caps)
        caps = {g: (float(f"{f:.5g}"), float(f"{d:.5g}"), u) for g, (f, d, u) in caps.items()}
        fitted_entries[route] = route_entry(r["through"], size_steps(sizes), lat, bw, gamma)
        links = link_entries(caps)
        # The closed form the fit used against tiersim's replay of the same cases (rounded model,
        # before the jitter, which the closed form leaves out).
        sim = replay_with(spec, fitted_entries, links, cases)

        def closed_form(c):
            i = sizes.index(c["bytes"])
            return equal_flows_time(rlinks, latency, c["bytes"], c["devices"], lat[i], bw[i], gamma[i], caps)

        gap = max(abs(closed_form(c) / stats(sim[c["name"]])[0] - 1) for c in cases)
        fitted_entries[route] = route_entry(r["through"], size_steps(sizes), lat, bw, gamma,
                                            fit_jitter(spec, work, route, sizes))
        entries = [fitted_entries[n] for n in sorted(fitted_entries, key=lambda n: entry_order(spec, n))]
        sim = replay_with(spec, fitted_entries, links, cases + repeats + held)
        fitted, held_errors = case_errors(sim, ref, cases + repeats), case_errors(sim, ref, held)
        fit_record["routes"][route] = {
            "fitted_on": [c["name"] for c in cases],
            **({"jitter_fitted_on": [c["name"] for c in repeats]} if repeats else {}),
            "errors": {n: {"mean": round(em, 4), "p95": round(ep, 4)} for n, (em, ep) in fitted.items()},
            "held_out": {n: {"mean": round(em, 4), "p95": round(ep, 4)} for n, (em, ep) in held_errors.items()}}
        worst = max(fitted.items(), key=lambda kv: abs(kv[1][0]))
        worst_p95 = max(fitted.items(), key=lambda kv: abs(kv[1][1]))
        print(f"  {route}: fitted in {time.time() - t0:.0f} s; worst fitted mean error {worst[1][0]:+.1%} ({worst[0]}), "
              f"p95 {worst_p95[1][1]:+.1%} ({worst_p95[0]}); closed form vs tiersim within {gap:.1e}", file=sys.stderr)
    model = model_json(f"CM02 calibrated against ns-3 3.37 on {Path(spec['platform']).name} "
                       f"({spec['cases_file']}): latency, bandwidth and TCP window by route and size", entries, links,
                       fit_record, Path(spec["platform"]).name)
    Path(out_path).parent.mkdir(parents=True, exist_ok=True)
    Path(out_path).write_text(dump_model(model))
    print(f"wrote {out_path}", file=sys.stderr)


# ---- comparison ----------------------------------------------------------------------------

def ms(seconds):
    """A time for a Markdown table: 7.79 ms, 281.6 ms, 1 448.8 ms."""
    x = seconds * 1e3
    text = f"{x:,.2f}" if x < 100 else f"{x:,.1f}"
    return text.replace(",", "\u202f") + " ms"


def pct(error):
    return f"{error:+.1%}".replace("-", "\u2212").replace("%", " %")


def ns3_wall(work, case):
    """ns-3's wall time for the case (seconds), None if it was not recorded."""
    f = case_dir(work, case) / "ns3_wall_s.txt"
    return float(f.read_text()) if f.exists() else None


def compare_markdown(spec, cases, models, ref, sims, walls, work):
    """The comparison as a Markdown table (docs take it as printed)."""
    platform = Path(spec["platform"]).stem
    one = len(models) == 1
    head = ["platform", "case", "use", "ns-3 mean", "ns-3 p95"]
    for m in models:
        head += ([f"{m} mean"] if one else []) + [f"{m} error, mean / p95"]
    head += ["ns-3 wall", "tiersim wall"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for c in cases:
        rm, rp = ref[c["name"]]
        wall = ns3_wall(work, c)
        row = [platform, f"`{c['name']}`", c["use"].replace("_", " "), ms(rm), ms(rp)]
        for m in models:
            sm, _, em, ep = model_errors(sims[m], ref, c["name"])
            row += ([ms(sm)] if one else []) + [f"{pct(em)} / {pct(ep)}"]
        row += [f"{wall:.2f} s" if wall is not None else "",
                f"{max(walls[(m, c['name'])] for m in models):.2f} s"]
        print("| " + " | ".join(row) + " |")


def compare(spec, work, models, only_report, markdown=False):
    ref = reference_stats(spec, work)
    cases = [c for c in spec["cases"] if c.get("report") or not only_report]
    sims, walls = {}, {}
    for m in models:
        sims[m] = {}
        for c in cases:  # one process per case: its wall time is the case's
            r, walls[(m, c["name"])] = replay(spec, [c], m)
            sims[m].update(r)
    if markdown:
        return compare_markdown(spec, cases, models, ref, sims, walls, work)
    print(f"{'case':<18} {'use':<8} {'ns-3 mean':>10} {'ns-3 p95':>10} {'ns-3 wall':>9}  "
          + "  ".join(f"{m + ' mean':>16} {'err':>6} {'p95 err':>7} {'wall':>6}" for m in models))
    worst = {m: (0.0, "") for m in models}
    worst_p95 = {m: (0.0, "") for m in models}
    for c in cases:
        rm, rp = ref[c["name"]]
        wall = ns3_wall(work, c)
        cells = []
        for m in models:
            sm, _, em, ep = model_errors(sims[m], ref, c["name"])
            if abs(em) > abs(worst[m][0]):
                worst[m] = (em, c["name"])
            if abs(ep) > abs(worst_p95[m][0]):
                worst_p95[m] = (ep, c["name"])
            cells.append(f"{sm * 1e3:>13.2f} ms {em:>+6.1%} {ep:>+7.1%} {walls[(m, c['name'])]:>5.2f}s")
        print(f"{c['name']:<18} {c['use']:<8} {rm * 1e3:>7.2f} ms {rp * 1e3:>7.2f} ms {wall if wall is not None else float('nan'):>8.2f}s  " + "  ".join(cells))
    for m in models:
        print(f"{m}: worst p95 error {worst_p95[m][0]:+.1%} ({worst_p95[m][1]})")
    print("worst mean error: " + ", ".join(f"{m} {worst[m][0]:+.1%} ({worst[m][1]})" for m in models))


# ---- error grids (platforms/README.md) ------------------------------------------------------

def size_label(size):
    for unit, scale in (("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:g} {unit}"
    return f"{size:g} B"


def grids(spec, model_path):
    """Per route, the fit record's mean / p95 errors (%) of the fitted all-at-once cases as a size x
    transfers grid, then those of the isolated repeats and the held-out cases, as Markdown."""
    fit = json.loads(Path(model_path).read_text())["fit"]["routes"]
    platform = Path(spec["platform"]).stem

    def cell(e):
        return f"{pct(e['mean'])[:-2]} / {pct(e['p95'])[:-2]}"

    for route in fit_order(spec):
        record = fit[route]
        ours = [c for c in spec["cases"] if c["route"] == route and c["use"] == "fit" and not c.get("repeats")]
        counts = sorted({c["devices"] for c in ours})
        r = spec["routes"][route]
        print(f"{platform}, {r['from'].format(device='N')} → {r['to']} (route `{route}`): mean / p95 error (%) "
              f"of the fitted cases\n")
        print("| size | " + " | ".join(f"{n} at once" for n in counts) + " |")
        print("|---|" + "---|" * len(counts))
        for size in sorted({c["bytes"] for c in ours}):
            row = [next((cell(record["errors"][c["name"]]) for c in ours if c["bytes"] == size and c["devices"] == n), "")
                   for n in counts]
            print(f"| {size_label(size)} | " + " | ".join(row) + " |")
        repeats = [c for c in spec["cases"] if c["route"] == route and c.get("repeats") and c["use"] == "fit"]
        if repeats:
            print("\nIsolated repeats (the jitter's fit): " + "; ".join(
                f"{size_label(c['bytes'])} {cell(record['errors'][c['name']])}" for c in repeats) + ".")
        if record["held_out"]:
            print("\nHeld out: " + "; ".join(f"`{n}` {cell(e)}" for n, e in record["held_out"].items()) + ".")
        print()


# ---- figure --------------------------------------------------------------------------------

def figure(spec, work, models, out):
    """tiersim's mean (left) and p95 (right) transfer time against ns-3's, every case, one marker
    per model (filled: fit cases; open: held out), log-log with the diagonal and the issue's bands
    (mean within 10 %, p95 within 20 %)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    ref = reference_stats(spec, work)
    cases = spec["cases"]
    fig, axes = plt.subplots(1, 2, figsize=(12.0, 5.6))
    styles = {"CM02": ("tab:red", "s"), "LV08": ("tab:orange", "^")}
    sims = {m: replay(spec, cases, m)[0] for m in models}
    for k, (ax, what, band) in enumerate(zip(axes, ("mean", "p95"), (0.10, 0.20))):
        lo, hi = float("inf"), 0.0
        for m in models:
            colour, marker = styles.get(m, ("tab:blue", "o"))
            for use, filled in (("fit", True), ("held_out", False)):
                xs = [ref[c["name"]][k] * 1e3 for c in cases if c["use"] == use]
                ys = [stats(sims[m][c["name"]])[k] * 1e3 for c in cases if c["use"] == use]
                if not xs:
                    continue
                lo, hi = min(lo, *xs, *ys), max(hi, *xs, *ys)
                ax.scatter(xs, ys, s=22, marker=marker, edgecolors=colour, linewidths=1.0,
                           facecolors=colour if filled else "none", alpha=0.85, label=m if filled else None)
        ax.scatter([], [], s=22, marker="o", edgecolors="black", facecolors="none", label="open: held-out cases")
        grid = np.geomspace(lo / 1.5, hi * 1.5, 50)
        ax.plot(grid, grid, color="black", linewidth=0.8)
        ax.fill_between(grid, grid * (1 - band), grid * (1 + band), color="grey", alpha=0.25,
                        label=f"within {band:.0%}".replace("%", " %"))
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(grid[0], grid[-1])
        ax.set_ylim(grid[0], grid[-1])
        ax.set_xlabel(f"ns-3 3.37, {what} transfer time (ms)")
        ax.set_ylabel(f"tiersim, {what} transfer time (ms)")
        ax.grid(True, which="major", linewidth=0.4, alpha=0.5)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(f"{Path(spec['platform']).name}: {len(cases)} cases, {len(spec['routes'])} routes")
    fig.tight_layout()
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    print(f"wrote {out}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["reference", "compare", "calibrate", "figure", "grids"])
    ap.add_argument("cases")
    ap.add_argument("--work", required=True, help="folder for each case's inputs and the ns-3 results (cached)")
    ap.add_argument("--models", help="comma-separated network models to compare (default: CM02, LV08 and the "
                                     "cases file's calibrated model)")
    ap.add_argument("--out", help="calibrate: the model file to write (default <platform folder>/network/<model>.json); "
                                  "figure: the PNG")
    ap.add_argument("--all", action="store_true", help="compare: every case, not only those marked report")
    ap.add_argument("--markdown", action="store_true", help="compare: print a Markdown table (for the docs)")
    ap.add_argument("--only", help="reference: comma-separated case names")
    ap.add_argument("--variant", help="a variant of the cases file (its \"variants\": model name and TCP settings)")
    a = ap.parse_args()
    spec = load_cases(a.cases, a.variant)
    if a.command == "reference":
        run_reference(spec, a.work, a.only.split(",") if a.only else None)
    elif a.command == "grids":
        grids(spec, a.out or Path(spec["platform_path"]).parent / "network" / f"{spec['model']}.json")
    elif a.command == "calibrate":
        out = a.out or Path(spec["platform_path"]).parent / "network" / f"{spec['model']}.json"
        calibrate(spec, a.work, out)
    else:
        models = a.models.split(",") if a.models else ["CM02", "LV08", spec["model"]]
        if a.command == "figure":
            figure(spec, a.work, models, a.out or Path(a.work) / "crosscheck.png")
        else:
            compare(spec, a.work, models, not a.all, a.markdown)


if __name__ == "__main__":
    main()
