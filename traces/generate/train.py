"""Training and trace writing for generate.py, which checks its inputs first and then imports
this module (PyTorch is needed only once there is something to train)."""
import gzip
import io
import json
import math
import os
import platform
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from generate import DATA_FILES  # the dataset files generate.py checked before importing this

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
           "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
TEST_ID_BASE, TRAIN_ID_BASE = 0, 10000


# ----------------------------------------------------------------------------- data

def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load_fashion_mnist(data_dir):
    arrays = [read_idx(os.path.join(data_dir, f)) for f in DATA_FILES]
    to_x = lambda a: torch.from_numpy(a.astype(np.float32) / 255.0).unsqueeze(1)
    to_y = lambda a: torch.from_numpy(a.astype(np.int64))
    return to_x(arrays[0]), to_y(arrays[1]), to_x(arrays[2]), to_y(arrays[3])


class Data:
    """Training / calibration / test parts with their tiersim sample ids."""

    def __init__(self, args):
        x_train, y_train, x_test, y_test = load_fashion_mnist(args.data)
        perm = torch.from_numpy(np.random.RandomState(args.seed).permutation(len(x_train)))
        cal_idx, train_idx = perm[:args.calibration], perm[args.calibration:]
        train_idx = train_idx[:args.train_limit]
        norm = lambda x: (x - 0.2860) / 0.3530  # Fashion-MNIST training mean and std
        self.train = (norm(x_train[train_idx]), y_train[train_idx], train_idx + TRAIN_ID_BASE)
        self.calibration = (norm(x_train[cal_idx]), y_train[cal_idx], cal_idx + TRAIN_ID_BASE)
        self.test = (norm(x_test), y_test, torch.arange(len(x_test)) + TEST_ID_BASE)
        # Training samples whose per-epoch dynamics are recorded (and whose rows the ResNet trace
        # carries, so that DIMEC-DC can place pools in device-exit feature space).
        g = np.random.RandomState(args.seed + 1)
        self.tracked = torch.from_numpy(np.sort(g.choice(len(train_idx), min(args.dynamics_samples, len(train_idx)),
                                                         replace=False)))


def augment(x):
    """Random horizontal flip and random shift by up to 2 pixels (padding 2, crop 28)."""
    flip = torch.rand(x.shape[0]) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = F.pad(x, (2, 2, 2, 2), value=float(x.min()))
    dx, dy = np.random.randint(0, 5, size=2)
    return padded[:, :, dy:dy + 28, dx:dx + 28]


# ----------------------------------------------------------------------------- quantization

class SignSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return torch.where(x >= 0, torch.ones_like(x), -torch.ones_like(x))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.abs() <= 1).to(g.dtype)


class RoundSTE(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, g):
        return g


def quantize_weight(w, bits):
    if bits == 1:  # XNOR-Net: sign times the mean magnitude per output channel
        scale = w.abs().mean(dim=tuple(range(1, w.dim())), keepdim=True)
        return SignSTE.apply(w) * scale
    levels = 2 ** (bits - 1) - 1  # symmetric uniform, per output channel
    scale = w.abs().amax(dim=tuple(range(1, w.dim())), keepdim=True).clamp(min=1e-8) / levels
    return RoundSTE.apply(w / scale).clamp(-levels, levels) * scale


class QuantAct(nn.Module):
    """Binary: sign. k bits: clamp to [0, 1] and round to 2^k - 1 levels (DoReFa)."""

    def __init__(self, bits):
        super().__init__()
        self.bits = bits

    def forward(self, x):
        if self.bits == 1:
            return SignSTE.apply(x)
        levels = 2 ** self.bits - 1
        return RoundSTE.apply(x.clamp(0, 1) * levels) / levels


class QConv2d(nn.Conv2d):
    def __init__(self, *a, bits, **k):
        super().__init__(*a, **k)
        self.bits = bits

    def forward(self, x):
        return F.conv2d(x, quantize_weight(self.weight, self.bits), self.bias, self.stride, self.padding)


class QLinear(nn.Linear):
    def __init__(self, *a, bits, **k):
        super().__init__(*a, **k)
        self.bits = bits

    def forward(self, x):
        return F.linear(x, quantize_weight(self.weight, self.bits), self.bias)


# ----------------------------------------------------------------------------- networks

class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.c1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.b1 = nn.BatchNorm2d(cout)
        self.c2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.b2 = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.b1(self.c1(x)))
        y = self.b2(self.c2(y))
        return F.relu(y + (x if self.short is None else self.short(x)))


def exit_head(channels, classes, pool=2, linear=nn.Linear):
    return nn.Sequential(nn.AdaptiveAvgPool2d(pool), nn.Flatten(), linear(channels * pool * pool, classes))


class MultiExitNet(nn.Module):
    """Stages run in order; stage s ends in exit head s. forward returns every exit's logits."""

    def __init__(self, stages, heads, stage_names):
        super().__init__()
        self.stages = nn.ModuleList(stages)
        self.heads = nn.ModuleList(heads)
        self.stage_names = stage_names

    def forward(self, x):
        outs = []
        for stage, head in zip(self.stages, self.heads):
            x = stage(x)
            outs.append(head(x))
        return outs


def resnet4():
    stages = [
        nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(), BasicBlock(16, 16)),
        nn.Sequential(BasicBlock(16, 32, 2)),
        nn.Sequential(BasicBlock(32, 64, 2)),
        nn.Sequential(BasicBlock(64, 64), BasicBlock(64, 128, 2)),
    ]
    heads = [exit_head(16, 10, 4), exit_head(32, 10, 2), exit_head(64, 10, 2), exit_head(128, 10, 1)]
    return MultiExitNet(stages, heads, ["stem+block1", "block2", "block3", "block4+5"])


class MEANetExtension(nn.Module):
    """Extension block: more layers on the main block's features, classifying the hard classes only."""

    def __init__(self, cin, hard):
        super().__init__()
        self.body = nn.Sequential(BasicBlock(cin, 64, 2), BasicBlock(64, 64))
        self.head = exit_head(64, len(hard), 2)

    def forward(self, x):
        return self.head(self.body(x))


def meanet_main():
    stages = [nn.Sequential(nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                            BasicBlock(16, 32, 2))]
    return MultiExitNet(stages, [exit_head(32, 10, 2)], ["main-block"])


def hybrid(bits):
    """Edge stage quantized to `bits` (weights and activations) after a full-precision input layer
    (as in XNOR-Net and the hybrid network's binary layers); cloud stage in fp32."""
    edge = nn.Sequential(
        nn.Conv2d(1, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), QuantAct(bits),
        QConv2d(16, 32, 3, 1, 1, bias=False, bits=bits), nn.BatchNorm2d(32), nn.MaxPool2d(2), QuantAct(bits),
        QConv2d(32, 64, 3, 1, 1, bias=False, bits=bits), nn.BatchNorm2d(64), nn.MaxPool2d(2), QuantAct(bits))
    cloud = nn.Sequential(BasicBlock(64, 128, 2), BasicBlock(128, 128))
    heads = [exit_head(64, 10, 2, linear=lambda i, o: QLinear(i, o, bits=bits)), exit_head(128, 10, 1)]
    return MultiExitNet([edge, cloud], heads, [f"edge-{bits}bit", "cloud-fp32"])


# ----------------------------------------------------------------------------- training

def batches(n, size, shuffle):
    order = torch.randperm(n) if shuffle else torch.arange(n)
    for i in range(0, n, size):
        yield order[i:i + size]


def train(net, x, y, epochs, lr, on_epoch=None, label_map=None, log=""):
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9, weight_decay=5e-4, nesterov=True)
    steps = epochs * math.ceil(len(x) / 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps, pct_start=0.2)
    for epoch in range(epochs):
        net.train()
        start, total = time.time(), 0.0
        for idx in batches(len(x), 128, True):
            outs = net(augment(x[idx]))
            target = y[idx] if label_map is None else label_map[y[idx]]
            loss = sum(F.cross_entropy(o, target) for o in outs)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += float(loss) * len(idx)
        print(f"  {log} epoch {epoch + 1}/{epochs}: loss {total / len(x):.4f} ({time.time() - start:.0f} s)", flush=True)
        if on_epoch:
            on_epoch(epoch)


@torch.no_grad()
def softmax_outputs(net, x):
    net.eval()
    chunks = [[F.softmax(o, 1) for o in net(x[idx])] for idx in batches(len(x), 1000, False)]
    return [torch.cat([c[e] for c in chunks]) for e in range(len(chunks[0]))]


# ----------------------------------------------------------------------------- profiles

def measure_stage(module, x, bits_of=lambda m: 32):
    """MACs of one stage (conv and linear layers, counted by forward hooks), its layer count and output."""
    counts = {"macs": 0.0, "layers": 0, "bits": set()}

    def hook(m, inp, out):
        if isinstance(m, nn.Conv2d):
            macs = out.numel() / out.shape[0] * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]
        else:
            macs = out.numel() / out.shape[0] * m.in_features
        counts["macs"] += macs
        counts["layers"] += 1
        counts["bits"].add(getattr(m, "bits", 32))

    handles = [m.register_forward_hook(hook) for m in module.modules() if isinstance(m, (nn.Conv2d, nn.Linear))]
    with torch.no_grad():
        out = module(x)
    for h in handles:
        h.remove()
    return counts, out


def profile_multi_exit(net, name, notes):
    """Profile stages: stage s is the stage body plus its exit head (the head runs where the stage runs)."""
    net.eval()
    x = torch.zeros(1, 1, 28, 28)
    stages = []
    for s, (body, head) in enumerate(zip(net.stages, net.heads)):
        c_body, x = measure_stage(body, x)
        c_head, _ = measure_stage(head, x)
        stages.append({"name": net.stage_names[s], "macs": int(c_body["macs"] + c_head["macs"]), "bits": 32,
                       "exit": s, "output_bytes": int(x.numel() * 4),
                       "layers": c_body["layers"] + c_head["layers"]})
    return {"name": name, "notes": notes, "input_bytes": 28 * 28, "stages": stages}


def full_model_cost(net):
    """MACs and layers of a multi-exit network run as one model to its final exit: every stage,
    and only the last exit head."""
    cost, x = {"macs": 0.0, "layers": 0}, torch.zeros(1, 1, 28, 28)
    for body in net.stages:
        c, x = measure_stage(body, x)
        cost["macs"] += c["macs"]
        cost["layers"] += c["layers"]
    c, _ = measure_stage(net.heads[-1], x)
    return {"macs": cost["macs"] + c["macs"], "layers": cost["layers"] + c["layers"]}


def profile_hybrid(net, bits, label):
    """Three stages: the edge's full-precision input layer (no exit), its quantized layers with the
    early exit, and the cloud's fp32 stage. Activations leaving a quantized layer are `bits` wide."""
    net.eval()
    edge, cloud = net.stages
    c_in, x = measure_stage(edge[:3], torch.zeros(1, 1, 28, 28))
    in_bytes = x.numel() * bits / 8
    c_q, x = measure_stage(edge[3:], x)
    c_qh, _ = measure_stage(net.heads[0], x)
    edge_bytes = x.numel() * bits / 8
    c_c, x = measure_stage(cloud, x)
    c_ch, _ = measure_stage(net.heads[1], x)
    assert c_in["bits"] == {32} and c_q["bits"] == c_qh["bits"] == {bits} and c_c["bits"] == c_ch["bits"] == {32}
    def stage(name, parts, b, exit, out):
        entry = {"name": name, "macs": int(sum(p["macs"] for p in parts)), "bits": b, "exit": exit,
                 "output_bytes": int(out), "layers": sum(p["layers"] for p in parts)}
        if exit is None:  # a stage without an exit has no "exit" key
            del entry["exit"]
        return entry
    return {"name": f"hybrid-{label}-fmnist",
            "notes": f"Measured by forward hooks on the trained network. The edge runs a full-precision input "
                     f"layer (stage 0, no exit) and {bits}-bit layers with the early exit (stage 1, head quantized "
                     f"too); the cloud runs the fp32 remainder (stage 2). Activations leaving a {bits}-bit "
                     "quantizer are sent packed. The device sends the raw 28x28 image.",
            "input_bytes": 28 * 28,
            "stages": [stage("input-layer-fp32", [c_in], 32, None, in_bytes),
                       stage(f"edge-{bits}bit", [c_q, c_qh], bits, 0, edge_bytes),
                       stage("cloud-fp32", [c_c, c_ch], 32, 1, 40)],
            "tiers": {"edge": {"stages": [0, 1]}, "cloud": {"stages": [0, 2]}}}


# ----------------------------------------------------------------------------- trace writing

def entropy(p):
    return -(p * torch.log(p.clamp(min=1e-12))).sum(1)


def gzip_text(path):
    """A text file written gzip-compressed with no timestamp in its header, so that the same
    rows give byte-identical files."""
    return io.TextIOWrapper(gzip.GzipFile(path, "wb", compresslevel=9, mtime=0), encoding="utf-8")


def write_rows(path, parts):
    """parts: list of (split, ids, labels, [per-exit softmax or (prediction, confidence, entropy)])."""
    rows = []
    for split, ids, labels, exits in parts:
        cols = []
        for e in exits:
            if isinstance(e, tuple):
                cols.append(e)
            else:
                conf, pred = e.max(1)
                cols.append((pred, conf, entropy(e)))
        for i in range(len(ids)):
            for e, (pred, conf, ent) in enumerate(cols):
                rows.append((int(ids[i]), e, int(labels[i]), int(pred[i]), float(conf[i]), float(ent[i]), split))
    rows.sort(key=lambda r: (r[0], r[1]))
    tmp = path + ".partial"
    with gzip_text(tmp) as f:
        f.write("sample,exit,label,prediction,confidence,entropy,split\n")
        for r in rows:
            f.write(f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]:.5f},{r[5]:.5f},{r[6]}\n")
    return tmp


def exit_stats(parts, split="test"):
    for name, ids, labels, exits in parts:
        if name != split:
            continue
        acc, conf = [], []
        for e in exits:
            pred, c = (e[0], e[1]) if isinstance(e, tuple) else (e.argmax(1), e.max(1).values)
            acc.append(round(float((pred == labels).float().mean()), 4))
            conf.append(round(float(c.mean()), 4))
        return acc, conf


def versions(args, seconds):
    return {"script": "traces/generate/generate.py", "seed": args.seed, "epochs": args.epochs,
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "machine": f"{platform.machine()}, {torch.get_num_threads()} threads, {args.device}",
            "generation_time_s": round(seconds, 1)}


class Writer:
    """Writes each trace's files as .partial first; commit() renames them all at the end, so an
    interrupted run never leaves a half-written trace beside the committed ones."""

    def __init__(self, out):
        self.out, self.pending = out, []

    def json(self, name, data):
        tmp = os.path.join(self.out, name + ".partial")
        with open(tmp, "w") as f:
            json.dump(data, f, indent=2)
            f.write("\n")
        self.pending.append((tmp, os.path.join(self.out, name)))

    def file(self, tmp, name):
        self.pending.append((tmp, os.path.join(self.out, name)))

    def commit(self):
        for tmp, final in self.pending:
            os.replace(tmp, final)


# ----------------------------------------------------------------------------- the four traces

def make_resnet(args, data, writer):
    start = time.time()
    net = resnet4()
    xt, yt, idt = data.train
    tracked = data.tracked
    dynamics = []  # (sample id, epoch, exit, gold prob)

    def record(epoch):
        outs = softmax_outputs(net, xt[tracked])
        for e, p in enumerate(outs):
            gold = p.gather(1, yt[tracked][:, None]).squeeze(1)
            dynamics.extend((int(idt[tracked[i]]), epoch, e, float(gold[i])) for i in range(len(tracked)))

    train(net, xt, yt, args.epochs, 0.1, on_epoch=record, log="resnet4")
    parts = [(split, ids, y, softmax_outputs(net, x)) for split, (x, y, ids) in
             [("train", (xt[tracked], yt[tracked], idt[tracked])), ("calibration", data.calibration), ("test", data.test)]]
    name = "fmnist_resnet4"
    writer.file(write_rows(os.path.join(args.out, name + ".csv.gz"), parts), name + ".csv.gz")
    dyn_tmp = os.path.join(args.out, name + ".dynamics.csv.gz.partial")
    with gzip_text(dyn_tmp) as f:
        f.write("sample,epoch,exit,gold_prob\n")
        for s, ep, e, p in sorted(dynamics):
            f.write(f"{s},{ep},{e},{p:.4f}\n")
    writer.file(dyn_tmp, name + ".dynamics.csv.gz")
    acc, conf = exit_stats(parts)
    profile = profile_multi_exit(net, "resnet4-fmnist", "Measured by forward hooks on the trained network "
                                 "(conv and linear MACs; each stage includes its exit head). Activations "
                                 "sent after a stage: fp32. Raw input: 28x28 bytes. Mobile runs stages 0-1, "
                                 "the edge 0-2, the cloud all four.")
    profile["tiers"] = {"mobile": {"stages": [0, 1]}, "edge": {"stages": [0, 2]}, "cloud": {"stages": [0, 3]}}
    writer.json(name + ".profile.json", profile)
    writer.json(name + ".json", sidecar(
        "multi-exit ResNet (stem + 5 basic blocks, 16-128 channels), exits after blocks 1, 2, 3 and 5",
        ["block1", "block2", "block3", "final"], acc, conf, args, start,
        "Splits: train = the training images whose dynamics NAME.dynamics.csv.gz records "
        f"({args.dynamics_samples} of 50 000, per epoch and exit: probability of the gold label, eval mode "
        "after each epoch); calibration and test as in the generator's docstring."))
    return net, acc


def make_meanet(args, data, writer, cloud_net):
    start = time.time()
    main = meanet_main()
    xt, yt, _ = data.train
    train(main, xt, yt, args.epochs, 0.1, log="meanet main")
    # Hard classes as the MEANet authors pick them: lowest main-block accuracy on held-out data
    # (here the calibration split).
    xc, yc, _ = data.calibration
    pred_c = softmax_outputs(main, xc)[0].argmax(1)
    per_class = [float((pred_c[yc == k] == k).float().mean()) for k in range(10)]
    hard = sorted(sorted(range(10), key=lambda k: per_class[k])[:args.hard_classes])
    print(f"  meanet hard classes {[CLASSES[k] for k in hard]} (main-block calibration accuracy "
          f"{[round(per_class[k], 3) for k in hard]})", flush=True)
    ext = MEANetExtension(32, hard)
    label_map = torch.full((10,), -1, dtype=torch.long)
    label_map[hard] = torch.arange(len(hard))
    mask = label_map[yt] >= 0
    for p in main.parameters():
        p.requires_grad_(False)
    main.eval()
    with torch.no_grad():
        feats = torch.cat([main.stages[0](xt[mask][i]) for i in batches(int(mask.sum()), 1000, False)])
    ext_net = MultiExitNet([nn.Identity()], [ext], ["extension"])
    train(ext_net, feats, yt[mask], args.epochs, 0.05, label_map=label_map, log="meanet extension")

    hard_t = torch.tensor(hard)

    @torch.no_grad()
    def exits(x):
        main_p = softmax_outputs(main, x)[0]
        f = torch.cat([main.stages[0](x[i]) for i in batches(len(x), 1000, False)])
        ext_net.eval()
        ext_p = softmax_outputs(ext_net, f)[0]
        conf, k = ext_p.max(1)
        cloud_p = softmax_outputs(cloud_net, x)[-1]
        return [main_p, (hard_t[k], conf, entropy(ext_p)), cloud_p]

    parts = [(split, ids, y, exits(x)) for split, (x, y, ids) in
             [("calibration", data.calibration), ("test", data.test)]]
    name = "fmnist_meanet"
    writer.file(write_rows(os.path.join(args.out, name + ".csv.gz"), parts), name + ".csv.gz")
    acc, conf = exit_stats(parts)
    main.eval()
    c_main, f = measure_stage(nn.Sequential(main.stages[0]), torch.zeros(1, 1, 28, 28))
    c_mhead, _ = measure_stage(main.heads[0], f)
    c_ext, _ = measure_stage(ext, f)
    cloud = full_model_cost(cloud_net)
    profile = {
        "name": "meanet-fmnist",
        "notes": "Measured by forward hooks. The device runs the main block (stage 0, all 10 classes) and, "
                 "for samples routed to it, the extension block over the hard classes (stage 1, on the main "
                 "block's features). The cloud runs the full multi-exit ResNet (fmnist_resnet4, all stages) "
                 "from the raw 28x28 input (exit 2 of this trace is its final exit).",
        "input_bytes": 28 * 28,
        "stages": [
            {"name": "main-block", "macs": int(c_main["macs"] + c_mhead["macs"]), "bits": 32, "exit": 0,
             "output_bytes": int(f.numel() * 4), "layers": c_main["layers"] + c_mhead["layers"]},
            {"name": "extension-hard-classes", "macs": int(c_ext["macs"]), "bits": 32, "exit": 1,
             "output_bytes": 4 * len(hard), "layers": c_ext["layers"]},
        ],
        "tiers": {"mobile": {"stages": [0, 1]},
                  "cloud": {"full_model": {"macs": int(cloud["macs"]), "bits": 32, "exit": 2,
                                           "layers": cloud["layers"]}}},
    }
    writer.json(name + ".profile.json", profile)
    side = sidecar("MEANet-style: main block (exit 0, 10 classes), extension block over the hard classes "
                   "(exit 1), full multi-exit ResNet in the cloud (exit 2)",
                   ["main", "extension", "cloud"], acc, conf, args, start,
                   f"Hard classes = the {args.hard_classes} with the lowest main-block accuracy on the calibration "
                   f"split: {', '.join(f'{CLASSES[k]} ({per_class[k]:.3f})' for k in hard)}.")
    side["exit_classes"] = {"1": [CLASSES[k] for k in hard]}
    writer.json(name + ".json", side)
    return acc


def make_hybrid(args, data, writer, bits):
    start = time.time()
    net = hybrid(bits)
    xt, yt, _ = data.train
    train(net, xt, yt, args.epochs, 0.05, log=f"hybrid {bits}-bit")
    parts = [(split, ids, y, softmax_outputs(net, x)) for split, (x, y, ids) in
             [("calibration", data.calibration), ("test", data.test)]]
    label = "binary" if bits == 1 else f"{bits}bit"
    name = f"fmnist_hybrid_{label}"
    writer.file(write_rows(os.path.join(args.out, name + ".csv.gz"), parts), name + ".csv.gz")
    acc, conf = exit_stats(parts)
    profile = profile_hybrid(net, bits, label)
    writer.json(name + ".profile.json", profile)
    writer.json(name + ".json", sidecar(
        f"conditionally deep hybrid network: {bits}-bit quantized edge stage with an early exit, "
        "fp32 cloud stage (2 basic blocks, 128 channels)", ["edge", "cloud"], acc, conf, args, start,
        "Quantization-aware training: straight-through estimators; "
        + ("binary weights sign(w)*mean|w| per channel (XNOR-Net), binary activations sign(x)."
           if bits == 1 else f"{bits}-bit symmetric per-channel weights, {bits}-bit activations in [0, 1] (DoReFa).")))
    return acc


def sidecar(model, exits, acc, conf, args, start, notes):
    return {"dataset": "Fashion-MNIST (calibration: 10 000 of the 60 000 training images; test: the 10 000 test images)",
            "model": model, "source": "traces/generate/generate.py (tiersim), trained from scratch",
            "classes": CLASSES, "exits": exits, "exit_accuracy": acc, "exit_accuracy_split": "test",
            "notes": f"{notes} exit_accuracy is on the test split; mean test confidence per exit: {conf}.",
            "generator": versions(args, time.time() - start)}


def run(args):
    """Trains the networks generate.py asked for and writes their traces into args.out."""
    os.makedirs(args.out, exist_ok=True)
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(os.cpu_count() or 1)
    data = Data(args)
    only = set(args.only or ["resnet", "meanet", "hybrid"])
    writer = Writer(args.out)
    total = time.time()
    if only & {"resnet", "meanet"}:
        net, acc = make_resnet(args, data, writer)
        print(f"fmnist_resnet4: test accuracy per exit {acc}", flush=True)
        if "meanet" in only:
            print(f"fmnist_meanet: test accuracy per exit {make_meanet(args, data, writer, net)}", flush=True)
    if "hybrid" in only:
        for bits in (1, 4):
            print(f"fmnist_hybrid {bits}-bit: test accuracy per exit {make_hybrid(args, data, writer, bits)}", flush=True)
    writer.commit()
    print(f"done in {time.time() - total:.0f} s; traces in {args.out}")

