"""tiersim from Python: confidence traces from numpy, runs and sweeps into pandas, policies
written in Python. The simulation is tiersim's C++ core (the compiled _tiersim module); see
python/README.md. Import it with PYTHONPATH=build/python (scripts/build.sh builds it).

    import tiersim
    trace = tiersim.Trace.from_numpy(probs, labels, exit_names=["mobile", "edge", "cloud"])
    result = tiersim.run("experiments/quickstart.json", devices=50, log_requests=True)
    result.summary["accuracy"], result.requests.latency_s.quantile(0.95)
    df = tiersim.sweep("experiments/load.json", jobs=2)
"""
import collections
import inspect
import json
import math
import os
import shutil
import tempfile

import numpy as np
import pandas as pd

from . import _tiersim
from ._tiersim import EXIT, NEXT, Context, Decision, InputError, Outcome, exit_answering, offload  # noqa: F401

__all__ = ["Trace", "Result", "run", "sweep", "load_results", "policies", "register_policy", "InputError",
           "Decision", "Context", "Outcome", "EXIT", "NEXT", "offload", "exit_answering"]


# ---- traces --------------------------------------------------------------------------------

def _first_bad(mask):
    """The first index (as a tuple, or an int for 1-d) where mask is True."""
    index = tuple(int(i) for i in np.argwhere(mask)[0])
    return index[0] if len(index) == 1 else index


class Trace:
    """A confidence trace: what a multi-exit network did on every sample at every exit
    (traces/FORMAT.md). Arrays are exits x samples (x classes), as numpy arrays."""

    def __init__(self, labels, predictions, confidence, entropy=None, probabilities=None, split=None,
                 exit_names=None, classes=None, sample_ids=None, dataset="", model="", source=""):
        self.labels = labels
        self.predictions = predictions
        self.confidence = confidence
        self.entropy = entropy
        self.probabilities = probabilities
        self.split = split
        self.exit_names = list(exit_names)
        self.classes = list(classes)
        self.sample_ids = sample_ids
        self.dataset, self.model, self.source = dataset, model, source

    @property
    def exits(self):
        return self.confidence.shape[0]

    @property
    def samples(self):
        return self.confidence.shape[1]

    @classmethod
    def from_numpy(cls, probs=None, labels=None, *, conf=None, pred=None, entropy=None, exit_names=None,
                   classes=None, split=None, sample_ids=None, dataset="numpy", model="numpy",
                   source="tiersim.Trace.from_numpy"):
        """From softmax outputs probs[E, N, C], or conf[E, N] (max softmax) and pred[E, N]
        (argmax); labels[N]; optional entropy[E, N] (natural log), split[N] (strings such as
        "calibration"/"test"), sample_ids[N]. Bad arrays raise ValueError naming the argument and
        the first bad index."""
        if labels is None:
            raise ValueError("labels: required, one true class per sample")
        labels = np.asarray(labels)
        if labels.ndim != 1:
            raise ValueError(f"labels: expected shape (N,), got {labels.shape}")
        n = labels.shape[0]
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(f"labels: expected integers, got dtype {labels.dtype}")
        if probs is not None:
            if conf is not None or pred is not None:
                raise ValueError("probs: give probs, or conf and pred, not both")
            probs = np.asarray(probs, dtype=np.float64)
            if probs.ndim != 3 or probs.shape[1] != n:
                raise ValueError(f"probs: expected shape (exits, {n}, classes) for {n} labels, got {probs.shape}")
            if np.isnan(probs).any():
                raise ValueError(f"probs: NaN at index {_first_bad(np.isnan(probs))}")
            if ((probs < 0) | (probs > 1)).any():
                raise ValueError(f"probs: outside [0, 1] at index {_first_bad((probs < 0) | (probs > 1))}")
            sums = probs.sum(axis=2)
            if (np.abs(sums - 1) > 1e-3).any():
                bad = _first_bad(np.abs(sums - 1) > 1e-3)
                raise ValueError(f"probs: the probabilities at index {bad} (exit, sample) sum to {sums[bad]:.6g}, "
                                 f"expected 1 within 1e-3")
            pred = probs.argmax(axis=2).astype(np.int32)
            conf = probs.max(axis=2)
            n_classes = probs.shape[2]
        else:
            if conf is None or pred is None:
                raise ValueError("conf: give probs[E, N, C], or conf[E, N] and pred[E, N]")
            conf = np.asarray(conf, dtype=np.float64)
            pred = np.asarray(pred)
            if conf.ndim != 2 or conf.shape[1] != n:
                raise ValueError(f"conf: expected shape (exits, {n}) for {n} labels, got {conf.shape}")
            if pred.shape != conf.shape:
                raise ValueError(f"pred: expected the shape of conf {conf.shape}, got {pred.shape}")
            if not np.issubdtype(pred.dtype, np.integer):
                raise ValueError(f"pred: expected integers, got dtype {pred.dtype}")
            if np.isnan(conf).any():
                raise ValueError(f"conf: NaN at index {_first_bad(np.isnan(conf))}")
            if ((conf < 0) | (conf > 1)).any():
                raise ValueError(f"conf: outside [0, 1] at index {_first_bad((conf < 0) | (conf > 1))}")
            n_classes = len(classes) if classes is not None else int(max(labels.max(), pred.max())) + 1
            pred = pred.astype(np.int32)
        exits = conf.shape[0]
        classes = list(classes) if classes is not None else [f"class{k}" for k in range(n_classes)]
        if len(classes) != n_classes:
            raise ValueError(f"classes: {len(classes)} names for {n_classes} classes")
        if n_classes < 2:
            raise ValueError("classes: expected at least 2")
        for name, a in (("labels", labels), ("pred", pred)):
            bad = (a < 0) | (a >= n_classes)
            if bad.any():
                raise ValueError(f"{name}: class outside 0..{n_classes - 1} at index {_first_bad(bad)}")
        if entropy is not None:
            entropy = np.asarray(entropy, dtype=np.float64)
            if entropy.shape != conf.shape:
                raise ValueError(f"entropy: expected shape {conf.shape}, got {entropy.shape}")
            bad = np.isnan(entropy) | (entropy < 0) | (entropy > math.log(n_classes) + 1e-4)
            if bad.any():
                raise ValueError(f"entropy: NaN or outside [0, ln {n_classes}] at index {_first_bad(bad)}")
        exit_names = list(exit_names) if exit_names is not None else [f"exit{e}" for e in range(exits)]
        if len(exit_names) != exits:
            raise ValueError(f"exit_names: {len(exit_names)} names for {exits} exits")
        if split is not None:
            split = [str(s) for s in split]
            if len(split) != n:
                raise ValueError(f"split: {len(split)} values for {n} samples")
        sample_ids = np.arange(n, dtype=np.int64) if sample_ids is None else np.asarray(sample_ids, dtype=np.int64)
        if sample_ids.shape != (n,):
            raise ValueError(f"sample_ids: expected shape ({n},), got {sample_ids.shape}")
        if n and (np.diff(sample_ids) <= 0).any():
            raise ValueError(f"sample_ids: not increasing at index {_first_bad(np.diff(sample_ids) <= 0) + 1}")
        return cls(labels.astype(np.int32), pred, conf, entropy, probs, split, exit_names, classes, sample_ids,
                   dataset, model, source)

    @classmethod
    def load(cls, path):
        """A trace file (CSV or CSV.gz with its sidecar), as tiersim reads it."""
        d = _tiersim.load_trace(os.fspath(path))
        split = d["split"] if any(d["split"]) else None
        return cls(d["labels"], d["predictions"], d["confidence"], d["entropy"], d["probabilities"], split,
                   d["exit_names"], d["classes"], d["sample_ids"], d["dataset"], d["model"], d["source"])

    def accuracy(self, split=None):
        """Per-exit accuracy and mean confidence (over the samples of `split`, default all)."""
        keep = np.ones(self.samples, bool) if split is None else np.array([s == split for s in (self.split or [])])
        if split is not None and not keep.any():
            raise ValueError(f"split: no sample has split {split!r}")
        right = self.predictions[:, keep] == self.labels[keep]
        return pd.DataFrame({"exit": range(self.exits), "name": self.exit_names, "accuracy": right.mean(axis=1),
                             "mean_confidence": self.confidence[:, keep].mean(axis=1)})

    def to_csv(self, path):
        """Writes the canonical CSV and its sidecar NAME.json (traces/FORMAT.md); every number
        in the shortest text that reads back to the same double."""
        path = os.fspath(path)
        header = ["sample", "exit", "label", "prediction", "confidence"]
        if self.entropy is not None:
            header.append("entropy")
        if self.split is not None:
            header.append("split")
        if self.probabilities is not None:
            header += [f"p{k}" for k in range(len(self.classes))]
        lines = [",".join(header)]
        for s in range(self.samples):
            for e in range(self.exits):
                row = [str(int(self.sample_ids[s])), str(e), str(int(self.labels[s])), str(int(self.predictions[e, s])),
                       repr(float(self.confidence[e, s]))]
                if self.entropy is not None:
                    row.append(repr(float(self.entropy[e, s])))
                if self.split is not None:
                    row.append(self.split[s])
                if self.probabilities is not None:
                    row += [repr(float(p)) for p in self.probabilities[e, s]]
                lines.append(",".join(row))
        with open(path + ".tmp", "w") as f:
            f.write("\n".join(lines) + "\n")
        sidecar = os.path.splitext(path[:-3] if path.endswith(".gz") else path)[0] + ".json"
        accuracy = [round(float(a), 6) for a in (self.predictions == self.labels).mean(axis=1)]
        meta = collections.OrderedDict(dataset=self.dataset, model=self.model, source=self.source,
                                       classes=self.classes, exits=self.exit_names, exit_accuracy=accuracy)
        with open(sidecar + ".tmp", "w") as f:
            json.dump(meta, f, indent=2)
            f.write("\n")
        os.replace(path + ".tmp", path)
        os.replace(sidecar + ".tmp", sidecar)
        return path


# ---- configs -------------------------------------------------------------------------------

# Keyword overrides of run() and sweep(): a shortcut's dotted path; any other keyword replaces
# a top-level key of the config whole (policy={...}, workload={...}).
SHORTCUTS = {"devices": "workload.devices", "requests": "workload.requests", "engine": "simulation.engine",
             "seed": "simulation.seed", "network_model": "simulation.network_model"}


def _set_path(config, path, value):
    node = config
    keys = path.split(".")
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[keys[-1]] = value


def _config(config, overrides, set_, scratch):
    """(config dict, config path for messages and relative paths) from a dict or a file."""
    if isinstance(config, (str, os.PathLike)):
        path = os.fspath(config)  # as given: messages name it as the command line would
        if not os.path.isfile(path):
            raise InputError(f"{os.fspath(config)}: cannot be read (expected a config file)")
        with open(path) as f:
            text = f.read()
        try:
            config = json.loads(text, object_pairs_hook=collections.OrderedDict)
        except json.JSONDecodeError as e:
            raise InputError(f"{os.fspath(config)}: not JSON ({e.msg} at line {e.lineno})") from None
        config_path = path
    else:
        config = json.loads(json.dumps(config), object_pairs_hook=collections.OrderedDict)  # a copy
        config_path = "<config dict>"
    for key, value in overrides.items():
        if isinstance(value, Trace):  # a Trace object for "trace": written once to the scratch folder
            value = value.to_csv(os.path.join(scratch, "trace.csv"))
        _set_path(config, SHORTCUTS.get(key, key), value)
    for path, value in (set_ or {}).items():
        _set_path(config, path, value)
    return config, config_path


class Result:
    """One run: `summary` (summary.json as a dict, in its order), `summary_json` (its text, as
    the CLI writes it), `requests` (a DataFrame with requests.csv's columns, when asked for),
    `out` (the results directory, or None when it was temporary)."""

    def __init__(self, summary_json, requests, out):
        self.summary_json = summary_json
        self.summary = json.loads(summary_json, object_pairs_hook=collections.OrderedDict)
        self.requests = requests
        self.out = out

    def __repr__(self):
        s = self.summary
        return (f"<tiersim.Result {s.get('policy')}: accuracy {s.get('accuracy'):.4f}, p95 "
                f"{s['latency_s']['p95']:.4g} s, {s['energy_j_per_inference']['total']:.4g} J/inference>")


def run(config, *, out=None, log_requests=False, set=None, **overrides):  # noqa: A002 (set: as the CLI's --set)
    """Runs one point: `config` is a dict or a config file; keyword overrides (devices=200,
    engine="analytic", policy={...}, trace=Trace or path, ...) and set={"dotted.path": value}.
    Writes OUT/runs/NAME as `tiersim run` does (a temporary folder when out is None). Returns a
    Result; errors raise tiersim.InputError with the CLI's one-line message."""
    scratch = tempfile.mkdtemp(prefix="tiersim-")
    try:
        config, config_path = _config(config, overrides, set, scratch)
        target = os.fspath(out) if out is not None else os.path.join(scratch, "out")
        summary, columns = _tiersim.run_point(json.dumps(config), config_path, target, log_requests)
        requests = pd.DataFrame(columns) if columns is not None else None
        return Result(summary, requests, os.fspath(out) if out is not None else None)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def sweep(config, *, jobs=None, out=None, resume=False, force=False, set=None, **overrides):  # noqa: A002
    """Runs every point of a config's sweep in `jobs` worker processes (default: the cores) and
    returns the tidy table, one row per point: the DataFrame of OUT/summary.csv (every config
    value, then every metric; experiments/README.md, "Results tables")."""
    scratch = tempfile.mkdtemp(prefix="tiersim-")
    try:
        config, config_path = _config(config, overrides, set, scratch)
        target = os.fspath(out) if out is not None else os.path.join(scratch, "out")
        report = _tiersim.run_sweep(json.dumps(config), config_path, target, jobs or os.cpu_count() or 1, resume, force)
        if report["failures"]:
            raise RuntimeError("points failed: " + "; ".join(report["failures"]))
        return load_results(target)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def load_results(directory):
    """The tidy table of a results directory (summary.csv, rebuilt from its runs first)."""
    directory = os.fspath(directory)
    if not os.path.isdir(os.path.join(directory, "runs")):
        raise InputError(f"{directory}: not a results directory (no runs/ folder)")
    _tiersim.rebuild_results_tables(directory)
    return pd.read_csv(os.path.join(directory, "summary.csv"), float_precision="round_trip")  # exact doubles


_PYTHON_POLICIES = {}  # name -> class, for their parameters


def policies():
    """The registered policies, yours included: name, summary, the parameter `tiersim calibrate`
    tunes and every parameter the policy reads (what each means: policies/README.md)."""
    rows = _tiersim.policies()
    for row in rows:
        if row["parameters"] is None and row["name"] in _PYTHON_POLICIES:
            signature = inspect.signature(_PYTHON_POLICIES[row["name"]])
            row["parameters"] = [p for p in signature.parameters if p not in ("args", "kwargs")]
    return pd.DataFrame(rows)


def register_policy(name, cls, summary="", needs_state=None, needs_feedback=None):
    """Makes a Python class a policy a config can name: {"policy": {"name": NAME, "params":
    {...}}} builds cls(**params). The class has at_exit(ctx) and optionally at_input(ctx),
    prepare(trace_arrays) and observe(outcome); it returns tiersim.EXIT, tiersim.NEXT,
    tiersim.offload(tier) or tiersim.exit_answering(cls) (or a bool: exit or not). Class
    attributes needs_state / needs_feedback say whether it reads ctx.state() and learns from
    observe() (policies/README.md). Both engines use it."""
    state = getattr(cls, "needs_state", False) if needs_state is None else needs_state
    feedback = getattr(cls, "needs_feedback", False) if needs_feedback is None else needs_feedback
    _PYTHON_POLICIES[name] = cls
    _tiersim.register_policy(name, cls, summary or (cls.__doc__ or "").strip().split("\n")[0], bool(state),
                             bool(feedback))
