"""bench/ns3/crosscheck.py without ns-3 (run by ctest: ns3_crosscheck_premises, TIERSIM set).

The calibration fits on a closed form of CM02 for equal flows started together; these tests check
that premise against tiersim's own replay under the shipped calibrated models, and that the
cross-check's Poisson cases take tiersim's arrival times."""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench" / "ns3"))
import crosscheck  # noqa: E402

# Every shipped calibrated model: one per cases file (a file's variants would add theirs).
CASE_FILES = [("cases.json", None), ("lte_cases.json", None)]


def step(steps, size):
    """The value of SimGrid-style steps [[bytes, value], ...] at `size`."""
    return [v for s, v in steps if s <= size][-1]


@pytest.mark.parametrize("cases_file,variant", CASE_FILES)
def test_the_fits_closed_form_is_what_tiersim_replays(cases_file, variant):
    spec = crosscheck.load_cases(ROOT / "bench" / "ns3" / cases_file, variant)
    model = json.loads((ROOT / "platforms" / "network" / f"{spec['model']}.json").read_text())
    caps = {l["through"]: (l.get("bandwidth_factor", 1.0), l.get("contention_decay", 0.0), l.get("contention_up_to", 1))
            for l in model.get("links", [])}
    cases = [c for c in spec["cases"] if "poisson_hz" not in c]
    # The fit's closed form leaves the time jitter out (it has mean 1; tests/test_network.cpp
    # checks its draws): replayed without it, equal flows are equal.
    for entry in model["routes"]:
        entry.pop("time_jitter", None)
    sim = crosscheck.replay_model(spec, model, cases)
    checked = 0
    for route in spec["routes"]:
        entry = next(e for e in model["routes"] if e["through"] == spec["routes"][route]["through"])
        links, latency = crosscheck.route_links(spec, route)
        for c in (c for c in cases if c["route"] == route):
            size = c["bytes"]
            expected = crosscheck.equal_flows_time(
                links, latency, size, c["devices"], step(entry["latency_factor"], size),
                step(entry["bandwidth_factor"], size), step(entry["tcp_gamma_bytes"], size), caps)
            for duration in sim[c["name"]]:  # equal flows: every one ends at the same time (repeats: alone)
                assert duration == pytest.approx(expected, rel=1e-9), c["name"]
            checked += 1
    assert checked >= 30


def test_poisson_cases_take_tiersims_arrivals():
    spec = crosscheck.load_cases(ROOT / "bench" / "ns3" / "cases.json")
    case = next(c for c in spec["cases"] if c["name"] == "wifi_poisson_20")
    rows = crosscheck.transfers(spec, case)
    times = [t for _, t in rows]
    assert times == sorted(times) and 0 <= times[0] and times[-1] < case["duration_s"]
    assert {d for d, _ in rows} == set(range(case["devices"]))
    expected = case["devices"] * case["poisson_hz"] * case["duration_s"]  # 800
    assert abs(len(rows) - expected) < 4 * expected ** 0.5  # Poisson: 4 standard deviations
    # The same seed gives the same arrivals; another seed others.
    crosscheck._arrivals.clear()
    assert crosscheck.transfers(spec, case) == rows
    crosscheck._arrivals.clear()
    assert crosscheck.transfers(spec, dict(case, seed=case["seed"] + 1)) != rows


def test_a_jitter_table_is_the_spread_of_the_times_with_mean_one():
    # Times 8, 9, 10, 13 (mean 10): quantiles of time / mean, then scaled so that the quantile
    # function tiersim draws from (linear between the 21 points) has mean 1.
    table = crosscheck.jitter_table([0.008, 0.009, 0.010, 0.013])
    assert len(table) == crosscheck.JITTER_POINTS
    assert table == sorted(table)
    trapezoid = (table[0] / 2 + sum(table[1:-1]) + table[-1] / 2) / (len(table) - 1)
    assert trapezoid == pytest.approx(1.0, abs=1e-4)
    assert table[-1] / table[0] == pytest.approx(13 / 8, rel=1e-3)  # min and max keep their ratio


def test_repeats_are_isolated_transfers_at_a_random_phase():
    spec = crosscheck.load_cases(ROOT / "bench" / "ns3" / "cases.json")
    case = next(c for c in spec["cases"] if c["name"] == "wifi_repeat_100k")
    rows = crosscheck.transfers(spec, case)
    assert len(rows) == case["repeats"] and {d for d, _ in rows} == {0}
    for k, (_, t) in enumerate(rows):  # one per period, in the first half of it
        assert k * case["period_s"] <= t < (k + 0.5) * case["period_s"]
    assert len({round(t % case["period_s"], 9) for _, t in rows}) == len(rows)  # phases differ
    assert crosscheck.transfers(spec, case) == rows
