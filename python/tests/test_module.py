"""The Python module against the command line and by hand (run by ctest: python_module)."""
import json
import os
import subprocess

import numpy as np
import pandas as pd
import pytest

import tiersim

SRC = os.environ.get("TIERSIM_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BIN = os.environ.get("TIERSIM_BIN", os.path.join(SRC, "build", "tiersim"))
QUICKSTART = os.path.join(SRC, "experiments", "quickstart.json")


def cli(*args):
    return subprocess.run([BIN, *args], capture_output=True, text=True)


def without_wall_time(text):
    return "".join(line for line in text.splitlines(True) if '"wall_time_s"' not in line)


def fmnist_config(engine):
    config = json.load(open(os.path.join(SRC, "experiments", "load.json")))
    for key in ("trace", "profile", "platform"):
        config[key] = os.path.join(SRC, "experiments", config[key])
    config.pop("sweep")
    config.pop("figures")
    config["workload"]["devices"] = 20
    config["workload"]["requests"] = 4000
    config["simulation"] = {"engine": engine, "seed": 3}
    return config


# ---- traces --------------------------------------------------------------------------------

def random_probs(exits, n, classes, seed=1):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(exits, n, classes)) * 3
    p = np.exp(logits)
    return p / p.sum(axis=2, keepdims=True)


def test_from_numpy_round_trips_through_csv_exactly(tmp_path):
    probs = random_probs(3, 50, 4)
    labels = np.random.default_rng(2).integers(0, 4, 50)
    split = ["calibration" if i % 3 == 0 else "test" for i in range(50)]
    trace = tiersim.Trace.from_numpy(probs, labels, exit_names=["m", "e", "c"], classes=list("abcd"), split=split)
    back = tiersim.Trace.load(trace.to_csv(tmp_path / "t.csv"))
    assert np.array_equal(back.probabilities, probs)
    assert np.array_equal(back.confidence, probs.max(axis=2))
    assert np.array_equal(back.predictions, probs.argmax(axis=2))
    assert np.array_equal(back.labels, labels)
    assert back.split == split and back.exit_names == ["m", "e", "c"] and back.classes == list("abcd")
    # Entropy is derived from the probabilities when loaded (natural log), as tiersim computes it.
    assert np.allclose(back.entropy, -(probs * np.log(probs)).sum(axis=2), rtol=1e-12)
    # conf + pred (+ entropy) round-trip as well.
    conf, pred = probs.max(axis=2), probs.argmax(axis=2)
    entropy = -(probs * np.log(probs)).sum(axis=2)
    t2 = tiersim.Trace.from_numpy(conf=conf, pred=pred, labels=labels, entropy=entropy, classes=list("abcd"))
    b2 = tiersim.Trace.load(t2.to_csv(tmp_path / "t2.csv"))
    assert np.array_equal(b2.confidence, conf) and np.array_equal(b2.entropy, entropy)
    acc = b2.accuracy()
    assert list(acc.columns) == ["exit", "name", "accuracy", "mean_confidence"]
    assert acc.accuracy[1] == (pred[1] == labels).mean()


@pytest.mark.parametrize("kwargs, message", [
    (dict(probs=np.full((2, 3, 2), 0.5), labels=[0, 1]), "probs: expected shape (exits, 2, classes) for 2 labels"),
    (dict(probs=np.array([[[0.5, 0.5], [0.6, 0.5]]]), labels=[0, 1]),
     "probs: the probabilities at index (0, 1) (exit, sample) sum to 1.1, expected 1 within 1e-3"),
    (dict(probs=np.array([[[0.5, 0.5], [np.nan, 0.5]]]), labels=[0, 1]), "probs: NaN at index (0, 1, 0)"),
    (dict(probs=np.full((1, 3, 2), 0.5), labels=[0, 1, 2]), "labels: class outside 0..1 at index 2"),
    (dict(conf=[[0.9, 0.8]], pred=[[0, 1, 1]], labels=[0, 1]), "pred: expected the shape of conf (1, 2), got (1, 3)"),
    (dict(conf=[[0.9, 1.5]], pred=[[0, 1]], labels=[0, 1]), "conf: outside [0, 1] at index (0, 1)"),
])
def test_from_numpy_refuses_bad_arrays_naming_argument_and_index(kwargs, message):
    with pytest.raises(ValueError) as e:
        tiersim.Trace.from_numpy(**kwargs)
    assert str(e.value).startswith(message)


# ---- runs ----------------------------------------------------------------------------------

@pytest.mark.parametrize("engine", ["simgrid", "analytic"])
def test_run_equals_the_command_line_byte_for_byte(tmp_path, engine):
    r = cli("run", QUICKSTART, "-o", str(tmp_path / "cli"), "--requests", "--set", f"simulation.engine={engine}")
    assert r.returncode == 0, r.stderr
    result = tiersim.run(QUICKSTART, out=tmp_path / "py", engine=engine, log_requests=True)
    cli_summary = (tmp_path / "cli" / "runs" / "quickstart" / "summary.json").read_text()
    assert without_wall_time(result.summary_json) == without_wall_time(cli_summary)
    assert (tmp_path / "py" / "runs" / "quickstart" / "summary.json").read_text() == result.summary_json
    # The requests, streamed from the run without a CSV, equal the CLI's requests.csv.
    csv = pd.read_csv(tmp_path / "cli" / "runs" / "quickstart" / "requests.csv", keep_default_na=False,
                      float_precision="round_trip")  # pandas' default parser is not exact
    frame = result.requests
    assert list(frame.columns) == list(csv.columns)
    for column in csv.columns:
        assert list(frame[column]) == list(csv[column]), column
    assert result.summary["requests"] == len(frame)


def test_sweep_dataframe_equals_the_command_lines_summary_csv(tmp_path):
    config = json.load(open(QUICKSTART))
    for key in ("trace", "profile", "platform"):
        config[key] = os.path.join(SRC, "experiments", config[key])
    config["workload"]["requests"] = 2000
    config["sweep"] = {"grid": {"workload.devices": [2, 8]}, "seeds": 2}
    path = tmp_path / "sweep.json"
    path.write_text(json.dumps(config))
    assert cli("run", str(path), "-o", str(tmp_path / "cli"), "-j", "2").returncode == 0
    frame = tiersim.sweep(path, jobs=2, out=tmp_path / "py")
    expected = pd.read_csv(tmp_path / "cli" / "summary.csv", float_precision="round_trip")
    assert len(frame) == 4
    assert list(frame.columns) == list(expected.columns)
    pd.testing.assert_frame_equal(frame.drop(columns="wall_time_s"), expected.drop(columns="wall_time_s"))
    assert sorted(frame["workload.devices"]) == [2, 2, 8, 8]
    pd.testing.assert_frame_equal(tiersim.load_results(tmp_path / "py"), frame)


class PyEntropy:
    """exit where entropy < thresholds (BranchyNet), written in Python"""

    def __init__(self, thresholds):
        self.thresholds = thresholds

    def at_exit(self, ctx):
        return tiersim.EXIT if ctx.entropy < self.thresholds else tiersim.NEXT


@pytest.mark.parametrize("engine", ["simgrid", "analytic"])
def test_a_python_entropy_rule_gives_the_cpp_policys_results(engine):
    tiersim.register_policy("py_entropy", PyEntropy)
    config = fmnist_config(engine)
    cpp = tiersim.run(config, policy={"name": "entropy", "params": {"thresholds": 0.2}})
    py = tiersim.run(config, policy={"name": "py_entropy", "params": {"thresholds": 0.2}})
    strip = lambda s: {k: v for k, v in s.items() if k not in ("wall_time_s", "policy")}  # noqa: E731
    assert strip(py.summary) == strip(cpp.summary)
    assert py.summary["policy"] == "py_entropy" and 0 < py.summary["exit_fraction"]["mobile"] < 1


def test_policies_lists_the_registered_ones_python_included():
    tiersim.register_policy("py_entropy", PyEntropy)
    table = tiersim.policies()
    row = table[table.name == "entropy"].iloc[0]
    assert row.tuned_parameter == "thresholds" and row.parameters == ["thresholds"]
    assert "main_exit" in table[table.name == "meanet"].iloc[0].parameters
    assert table[table.name == "py_entropy"].iloc[0].parameters == ["thresholds"]
    assert "written in Python" in table[table.name == "py_entropy"].iloc[0].summary
    with pytest.raises(ValueError, match='policy "entropy" is built into tiersim'):
        tiersim.register_policy("entropy", PyEntropy)


# ---- errors --------------------------------------------------------------------------------

def test_config_errors_raise_the_command_lines_message(tmp_path):
    r = cli("validate", QUICKSTART, "--set", "workload.devices=0")
    assert r.returncode == 2
    with pytest.raises(tiersim.InputError) as e:
        tiersim.run(QUICKSTART, devices=0)
    assert "tiersim: error: " + str(e.value) + "\n" == r.stderr
    assert isinstance(e.value, ValueError)
    with pytest.raises(tiersim.InputError, match=r"<config dict>: /policy/name: unknown policy \"nope\""):
        tiersim.run(fmnist_config("analytic"), policy={"name": "nope"})


class Exploding:
    def at_exit(self, ctx):
        if ctx.request == 7:
            raise KeyError(f"request {ctx.request}")
        return tiersim.NEXT


@pytest.mark.parametrize("engine", ["simgrid", "analytic"])
def test_a_python_policy_that_raises_stops_the_run_with_its_exception(tmp_path, engine):
    tiersim.register_policy("exploding", Exploding)
    with pytest.raises(KeyError, match="request 7"):
        tiersim.run(fmnist_config(engine), policy={"name": "exploding"}, out=tmp_path)
    assert os.listdir(tmp_path / "runs") == []  # nothing half-written


def test_a_policy_returning_something_else_is_a_type_error():
    class Wrong:
        def at_exit(self, ctx):
            return "exit"
    tiersim.register_policy("wrong", Wrong)
    with pytest.raises(TypeError, match="expected a tiersim.Decision"):
        tiersim.run(fmnist_config("analytic"), policy={"name": "wrong"})


class Learner:
    """counts what observe() and ctx.state() tell it, reported through describe()"""
    needs_state = True
    needs_feedback = True

    def __init__(self):
        self.observed = self.correct = self.most_flows = self.decisions = 0
        self.prepared_samples = 0

    def prepare(self, trace):
        self.prepared_samples = int(trace["confidence"].shape[1])

    def at_exit(self, ctx):
        self.decisions += 1
        self.most_flows = max(self.most_flows, ctx.state()["edge"]["flows"])
        return tiersim.EXIT if ctx.exit >= 2 else tiersim.NEXT  # exit 2 is on the edge: every request uploads

    def observe(self, outcome):
        self.observed += 1
        self.correct += outcome.correct

    def describe(self):
        return {"observed": self.observed, "correct": self.correct, "most_flows": self.most_flows,
                "decisions": self.decisions, "prepared_samples": self.prepared_samples}


def test_a_python_policy_learns_from_outcomes_and_reads_the_state():
    tiersim.register_policy("learner", Learner)
    config = fmnist_config("simgrid")
    config["workload"]["devices"] = 200
    s = tiersim.run(config, policy={"name": "learner"}).summary
    info = s["policy_info"]
    assert info["observed"] == s["requests"] == 4000
    assert info["correct"] == round(s["accuracy"] * s["requests"])
    assert info["decisions"] == s["policy_decisions"] - s["requests"]  # the count includes one at_input each
    assert info["prepared_samples"] == 25000
    assert s["state"] == "simulated"
    # Every request uploads block 2's activation to the edge: under 200 phones the access point has flows.
    assert info["most_flows"] > 0
