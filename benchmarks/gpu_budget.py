"""Estimate each chapter's full-size GPU time on a T4 by counting work, on a machine without a GPU.

    python benchmarks/gpu_budget.py 2 3 4 5 7 7long 7quick calib [--json out.json] [--fresh-cache]

(parts: chapters 2-5; 7 = the capstone's default full-size model, 7long = its opt-in runs,
7quick = the quick-size runs it does by default besides the main model, calib = the check of the
operation count against a real ``train()`` epoch).  The teacher's guide's GPU budget table comes
from this script's output.  For every full-size training workload this script runs real training
steps of the exact full-size configuration on this CPU (1 thread) and measures, per step:
  * the aten operations dispatched (TorchDispatchMode; oneDNN off, so the recurrent layers show
    their per-time-step operations) at two sequence lengths -> a constant part and a per-time-step part;
  * the floating-point operations (torch.utils.flop_counter.FlopCounterMode);
  * the CPU seconds per step (oneDNN on, as the notebooks run), and the numpy data-generation time.
T4 model (assumptions, stated in the book):
  * every eager op outside a cuDNN recurrent layer costs OP_S (kernel launch + PyTorch dispatch);
  * a cuDNN recurrent layer costs KERNELS_PER_T kernels of KERNEL_S per time step and direction
    (forward + backward), instead of its CPU-side per-time-step ops;
  * arithmetic runs at FLOPS_T4 (half the T4's 8.1 TFLOP/s fp32 peak);
  * the three terms are added (no overlap assumed: pessimistic).
Each assumption may be off by about a factor of two; the book checks twice the estimate against
the budget.  The CPU times it prints are for one busy shared core and, for the capstone, ignore
packed sequences (which are slower on a CPU): they are not used for the T4 estimate.
"""
from __future__ import annotations

import json
import sys
import time

import numpy as np
import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import FlopCounterMode

OP_S, KERNEL_S, KERNELS_PER_T, FLOPS_T4 = 10e-6, 5e-6, 4, 4e12
torch.set_num_threads(1)


class Count(TorchDispatchMode):
    def __init__(self):
        super().__init__(); self.n = 0
    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.n += 1
        return func(*args, **(kwargs or {}))


def measure(step, T):
    """(ops, flops, cpu seconds) of one call of step(T)."""
    step(T)  # warm-up
    with torch.backends.mkldnn.flags(enabled=False):
        c = Count()
        with c:
            step(T)
        f = FlopCounterMode(display=False)
        with f:
            step(T)
    return c.n, f.get_total_flops()


def cpu_time(step, T, reps=3):
    step(T)
    t = time.perf_counter()
    for _ in range(reps):
        step(T)
    return (time.perf_counter() - t) / reps


def per_step(step, T, cudnn_units, T_probe=(10, 20), time_cpu=True):
    """T4 seconds and CPU seconds of one step(T); cudnn_units = layer-directions run by cuDNN on a GPU (0: python loop)."""
    (o1, f1), (o2, f2) = measure(step, T_probe[0]), measure(step, T_probe[1])
    o_t, f_t = (o2 - o1) / (T_probe[1] - T_probe[0]), (f2 - f1) / (T_probe[1] - T_probe[0])
    o_c, f_c = o1 - o_t * T_probe[0], f1 - f_t * T_probe[0]
    flops = f_c + f_t * T
    if cudnn_units:
        gpu = o_c * OP_S + T * cudnn_units * KERNELS_PER_T * KERNEL_S + flops / FLOPS_T4
    else:
        gpu = (o_c + o_t * T) * OP_S + flops / FLOPS_T4
    cpu = cpu_time(step, T) if time_cpu else None
    return dict(gpu=gpu, cpu=cpu, ops_const=o_c, ops_per_t=o_t, flops=flops, flops_const=f_c, flops_per_t=f_t)


RESULTS = {}


def report(chapter, name, n, cost, extra_cpu=0.0):
    """n steps of cost (from per_step); extra_cpu: seconds per step spent in numpy (data), added to both."""
    gpu = n * (cost["gpu"] + extra_cpu)
    cpu = n * (cost["cpu"] + extra_cpu) if cost["cpu"] is not None else None
    RESULTS.setdefault(chapter, []).append(dict(name=name, steps=n, gpu_s=gpu, cpu_s=cpu, **{k: cost[k] for k in ("ops_const", "ops_per_t", "flops")}))
    print(f"ch{chapter} {name:45s} {n:8d} steps  T4 ~{gpu/60:6.2f} min  CPU(1 thread, here) "
          f"{'' if cpu is None else f'{cpu/60:6.2f} min'}  ops {cost['ops_const']:.0f}+{cost['ops_per_t']:.1f}/t  "
          f"{cost['flops']/1e9:.2f} GFLOP/step", flush=True)


def data_time(fn, reps=20):
    t = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - t) / reps


# ---------------------------------------------------------------- chapters 2-4: synthetic tasks
from lstm_edu.tasks import adding_problem, echo_task
from lstm_edu.experiments.gates import make_adding_model, LSTMGrid, VARIANTS


class Regressor(nn.Module):  # chapter 2's model, copied
    def __init__(self, kind, input_size, hidden_size, every_step=True):
        super().__init__()
        self.rnn = getattr(nn, kind)(input_size, hidden_size)
        self.readout = nn.Linear(hidden_size, 1)
        self.every_step = every_step
    def forward(self, x):
        outputs, _ = self.rnn(x)
        if not self.every_step:
            outputs = outputs[-1]
        return self.readout(outputs).squeeze(-1)


def ch2_step(model, opt, batch, clip, every_step, T_data=None):
    def step(T):
        x = torch.rand(T, batch, model.rnn.input_size)
        y = torch.rand(T, batch) if every_step else torch.rand(batch)
        loss = nn.functional.mse_loss(model(x), y)
        opt.zero_grad(); loss.backward()
        before = torch.cat([p.grad.flatten() for p in model.parameters()])
        if clip == "norm":
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        after = torch.cat([p.grad.flatten() for p in model.parameters()])
        loss.item(); before.norm().item(); after.norm().item()
        nn.functional.cosine_similarity(before, after, dim=0).item()
        opt.step()
    return step


def fwd(model, batch, D):
    def step(T):
        with torch.no_grad():
            model(torch.rand(T, batch, D)).sum().item()
    return step


def ch2():
    for kind in ("RNN", "LSTM"):
        m = Regressor(kind, 2, 128, every_step=False)
        c = per_step(ch2_step(m, torch.optim.Adam(m.parameters(), 2e-3), 128, "norm", False), 100, 1)
        d = data_time(lambda: adding_problem(128, 100, rng=0, dtype=np.float32))
        report(2, f"adding {kind} H128 T100 B128", 3000, c, d)
        report(2, "  its evaluations (2000 seqs, every 50)", 60, per_step(fwd(m, 2000, 2), 100, 1))
    m = Regressor("RNN", 1, 32)
    c = per_step(ch2_step(m, torch.optim.SGD(m.parameters(), 0.05, momentum=0.9), 32, "norm", True), 50, 1)
    d = data_time(lambda: echo_task(32, 50, 3, rng=0, dtype=np.float32))
    report(2, "echo RNN H32 T50 B32: 3 rules x 5 seeds", 15 * 250, c, d)
    report(2, "  its evaluations (500 seqs, every 10)", 15 * 25, per_step(fwd(m, 500, 1), 50, 1))


def adding_step(model, batch=64, lr=1e-2):
    opt = torch.optim.Adam(model.parameters(), lr)
    def step(T):
        x, y = (torch.from_numpy(a) for a in adding_problem(batch, T, rng=0, dtype=np.float32))
        out = model(x)
        loss = torch.mean((out - y) ** 2)
        opt.zero_grad(); loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step(); loss.item()
    return step


def ch3():
    d = data_time(lambda: adding_problem(64, 100, rng=0, dtype=np.float32))
    for cell in ("rnn", "lstm"):
        report(3, f"adding {cell} H64 T100 B64", 3000, per_step(adding_step(make_adding_model(cell, 64)), 100, 1), d)
    report(3, "forget bias: LSTM H64 T100, 2 biases x 6 seeds", 12 * 2000,
           per_step(adding_step(make_adding_model("lstm", 64)), 100, 1), d)
    grid = LSTMGrid([{"variant": v, "seed": s} for v in VARIANTS for s in range(5)], 32)
    d50 = data_time(lambda: adding_problem(64, 50, rng=0, dtype=np.float32))
    report(3, "ablation: LSTMGrid 4 variants x 5 seeds H32 T50", 1500, per_step(adding_step(grid), 50, 0), d50)


def ch4():
    d = data_time(lambda: adding_problem(64, 100, rng=0, dtype=np.float32))
    cost = {cell: per_step(adding_step(make_adding_model(cell, 64)), 100, 1) for cell in ("rnn", "gru", "lstm")}
    for cell in cost:
        report(4, f"adding {cell} H64 T100 B64, 3 seeds", 3 * 3000, cost[cell], d)
    report(4, "adding wide rnn H130 T100 B64, 1 seed", 3000, per_step(adding_step(make_adding_model("rnn", 130)), 100, 1), d)


# ---------------------------------------------------------------- chapter 5: MNIST rows, seq2seq
def ch5():
    from lstm_edu.nets.models import SequenceClassifier, Seq2Seq
    m = SequenceClassifier(input_size=28, hidden_size=128, num_classes=10)
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    def step(T):
        x = torch.rand(128, T, 28); y = torch.randint(0, 10, (128,))
        loss = nn.functional.cross_entropy(m(x), y)
        opt.zero_grad(); loss.backward(); opt.step(); loss.item()
    report(5, "MNIST rows LSTM H128 T28 B128, 5 epochs", 5 * 469, per_step(step, 28, 1))
    s2s = Seq2Seq(vocab_size=9, hidden_size=64, embedding_dim=16, bos=0)
    opt2 = torch.optim.Adam(s2s.parameters(), 1e-2)
    from lstm_edu.nets.metrics import sequence_cross_entropy
    def step2(T):
        src = torch.randint(1, 9, (64, T)); tgt = torch.randint(1, 9, (64, T))
        dec = torch.cat([torch.zeros(64, 1, dtype=torch.long), tgt[:, :-1]], 1)
        loss = sequence_cross_entropy(s2s(src, dec), tgt)
        opt2.zero_grad(); loss.backward(); opt2.step(); loss.item()
    report(5, "seq2seq reversal H64 T6 B64, 15 epochs", 15 * 63, per_step(step2, 6, 2, T_probe=(6, 12)))


# ---------------------------------------------------------------- chapter 7: IMDB
def ch7(which):
    from lstm_edu.imdb import articles
    from lstm_edu.imdb.train import prepare_data, resolve_config, model_from_config, loss_function
    import dataclasses, os
    data = os.environ.get("LSTM_EDU_DATA")
    data = None if data is None else os.path.join(data, "imdb")
    configs = {"main bilstm (gpu preset)": resolve_config("gpu")}
    if which == "long":
        gpu = resolve_config("gpu")
        configs = {f"compare {m} (gpu preset)": dataclasses.replace(gpu, model=m) for m in ("lstm", "gru", "bow")}
        configs["system A"] = articles.article_config("A")
        configs["system D lstm"] = articles.article_config("D")
        configs["system D gru"] = articles.article_config("D", cell="gru")
    if which == "quick":  # what chapter 7 runs by default on a GPU besides the main model: the quick sizes
        q = resolve_config("quick")
        configs = {f"quick-size compare {m}": dataclasses.replace(q, model=m) for m in ("bilstm", "lstm", "gru", "bow")}
        configs["quick-size system A"] = articles.article_config("A", limit=3000, epochs=3)
        configs["quick-size system D lstm"] = articles.article_config("D", limit=1500, epochs=2)
        configs["quick-size system D gru"] = articles.article_config("D", cell="gru", limit=1500, epochs=2)
    prepared_cache = {}
    if which == "main" and "--fresh-cache" in sys.argv:
        import tempfile
        with tempfile.TemporaryDirectory() as fresh:
            t = time.perf_counter()
            prepare_data(resolve_config("gpu"), data, cache_dir=fresh)
            first = time.perf_counter() - t
        print(f"  first-run data preparation (extract + tokenise + encode, fresh cache): {first:.0f} s here", flush=True)
        RESULTS.setdefault(7, []).append(dict(name="first-run data preparation", cpu_s=first, gpu_s=first))
    for name, config in configs.items():
        key = (config.max_len, config.vocab_size, config.min_freq, config.val_fraction, config.truncate)
        if key not in prepared_cache:
            t = time.perf_counter()
            prepared_cache[key] = prepare_data(config, data)
            print(f"  prepare_data for {name}: {time.perf_counter() - t:.0f} s here", flush=True)
        prepared = prepared_cache[key]
        lengths = np.array([len(s) for s in prepared.train_sequences])
        B = config.batch_size
        # bucketed batches: sort by length, cut into batches, each batch's T = its longest review
        srt = np.sort(lengths)
        batch_T = [int(srt[i:i + B].max()) for i in range(0, len(srt), B)]
        n_batches = len(batch_T)
        val_len = np.array([len(s) for s in prepared.val_sequences]); test_len = np.array([len(s) for s in prepared.test_sequences])
        model = model_from_config(config, len(prepared.vocab))
        opt = torch.optim.Adam(model.parameters(), 1e-3)
        lossf = loss_function(config.num_outputs)
        def step(T, model=model, opt=opt, lossf=lossf, B=B, config=config):
            ids = torch.randint(2, 1000, (B, T)); lens = torch.full((B,), T)
            y = torch.randint(0, 2, (B,))
            y = y.float() if config.num_outputs == 1 else y
            loss = lossf(model(ids, lens), y)
            opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); loss.item()
        units = 0 if config.model == "bow" else (2 if config.model == "bilstm" else 1)
        c0 = per_step(step, 10, units, T_probe=(10, 20), time_cpu=False)
        # per-batch T4 cost: constant + per-time-step (cuDNN kernels) + flops linear in T
        f_t, f_c = c0["flops_per_t"], c0["flops_const"]
        def gpu_batch(T):
            return c0["ops_const"] * OP_S + T * units * KERNELS_PER_T * KERNEL_S + (f_c + f_t * T) / FLOPS_T4
        train_epoch = sum(gpu_batch(T) for T in batch_T)
        # evaluation: forward only (about a third of the flops), batches of 256
        def eval_cost(lens_):
            s = np.sort(lens_); Ts = [int(s[i:i + 256].max()) for i in range(0, len(s), 256)]
            return sum(c0["ops_const"] / 3 * OP_S + T * units * (KERNELS_PER_T / 2) * KERNEL_S
                       + f_t / 3 * T * 256 / B / FLOPS_T4 for T in Ts)
        total = config.epochs * (train_epoch + eval_cost(val_len)) + eval_cost(test_len)
        t_cpu = cpu_time(step, 50, reps=2)
        cpu_total = config.epochs * sum(t_cpu * T / 50 for T in batch_T)
        RESULTS.setdefault(7, []).append(dict(name=name, epochs=config.epochs, batches=n_batches, mean_T=float(np.mean(batch_T)),
                                              gpu_s=total, cpu_s=cpu_total, flops_per_token=f_t / B))
        print(f"ch7 {name:30s} {config.epochs} epochs x {n_batches} batches (mean T {np.mean(batch_T):.0f}), "
              f"T4 ~{total/60:.1f} min, CPU(1 thread, scaled from T=50) ~{cpu_total/60:.0f} min, "
              f"{f_t / B / 1e6:.1f} MFLOP per token", flush=True)


def calibrate():
    """Operations predicted by the per-step model vs dispatched by a real train() epoch (quick preset)."""
    import os
    from lstm_edu.imdb.train import prepare_data, resolve_config, model_from_config, loss_function, train
    data = os.environ.get("LSTM_EDU_DATA")
    data = None if data is None else os.path.join(data, "imdb")
    cfg = resolve_config("quick", epochs=1)
    prep = prepare_data(cfg, data)
    model = model_from_config(cfg, len(prep.vocab))
    opt, lossf, B = torch.optim.Adam(model.parameters(), 1e-3), loss_function(cfg.num_outputs), cfg.batch_size

    def step(T):
        ids, lens, y = torch.randint(2, 1000, (B, T)), torch.full((B,), T), torch.randint(0, 2, (B,)).float()
        loss = lossf(model(ids, lens), y)
        opt.zero_grad(); loss.backward(); nn.utils.clip_grad_norm_(model.parameters(), 1.0); opt.step(); loss.item()

    def forward(T, n=256):
        with torch.no_grad():
            model(torch.randint(2, 1000, (n, T)), torch.full((n,), T)).sum().item()

    c, e = per_step(step, 10, 2, time_cpu=False), per_step(forward, 10, 2, time_cpu=False)

    def batch_T(seqs, b):
        s = sorted(len(x) for x in seqs)
        return [max(s[i:i + b]) for i in range(0, len(s), b)]

    predicted = (sum(c["ops_const"] + c["ops_per_t"] * T for T in batch_T(prep.train_sequences, B))
                 + sum(e["ops_const"] + e["ops_per_t"] * T
                       for T in batch_T(prep.val_sequences, 256) + batch_T(prep.test_sequences, 256)))
    with torch.backends.mkldnn.flags(enabled=False):
        counter = Count()
        with counter:
            train(cfg, prepared=prep, device="cpu", progress=False)
    print(f"calibration, quick preset, 1 epoch + evaluation: predicted {predicted:,.0f} operations, "
          f"dispatched by train() {counter.n:,} ({predicted / counter.n - 1:+.1%})", flush=True)


if __name__ == "__main__":
    parts = {"2": ch2, "3": ch3, "4": ch4, "5": ch5, "7": lambda: ch7("main"), "7long": lambda: ch7("long"),
             "7quick": lambda: ch7("quick"), "calib": calibrate}
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    out = None
    if "--json" in sys.argv:
        out = sys.argv[sys.argv.index("--json") + 1]
        args.remove(out)
    unknown = [a for a in args if a not in parts]
    if not args or unknown:
        sys.exit(f"usage: gpu_budget.py PART... [--json OUT] [--fresh-cache]; parts: {', '.join(parts)}"
                 + (f" (unknown: {', '.join(unknown)})" if unknown else ""))
    for part in args:
        parts[part]()
    for chapter, rows in RESULTS.items():
        print(f"chapter {chapter}: T4 estimate {sum(r['gpu_s'] for r in rows) / 60:.2f} min in all")
    if out:
        with open(out, "w") as handle:
            json.dump(RESULTS, handle, indent=1)
