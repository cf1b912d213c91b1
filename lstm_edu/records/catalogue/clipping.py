"""Chapter 2: gradient clipping on the echo task, over several seeds.

The chapter's experiment: a tanh ``nn.RNN`` (H = 32) whose recurrent matrix has every singular
value 2.5, trained with SGD + momentum to echo its input 3 steps later (T = 50), with no clipping,
element-wise clipping (|g_i| <= 1, ``clip_grad_value_``) or global-norm clipping (||g|| <= 1,
``clip_grad_norm_``).  The model, the data and the training step are those of chapter 2's cells
(:func:`echo_run` mirrors them line for line, same seeds); the record keeps every seed.
"""

from __future__ import annotations

import numpy as np

from lstm_edu.records.registry import register
from lstm_edu.records.catalogue._common import set_threads, thin

CONFIG = dict(delay=3, T=50, hidden=32, sigma=2.5, steps=250, batch=32, lr=0.05, momentum=0.9, threshold=1.0,
              seeds=list(range(10)), val_size=500, val_seed=123, every=10, threads=1,
              clips={"none": None, "value": "value", "norm": "norm"})
LABELS = {"none": "no clipping", "value": "element-wise, |g_i| <= 1", "norm": "global norm <= 1"}


def echo_run(clip, seed: int, config: dict = CONFIG) -> dict:
    """One training run of chapter 2's echo experiment; returns its history.

    History: ``loss`` and ``grad_norm`` (before clipping) per step, ``post_norm`` (after
    clipping), ``cosine`` between raw and clipped gradient on steps where clipping acted (NaN
    where it did not), ``eval_step``/``eval`` (validation MSE after the delay), ``diverged``,
    ``saturated`` (share of |h| > 0.99 on the validation set after training).
    """
    import torch
    from torch import nn

    from lstm_edu.experiments.gradient_flow import scaled_orthogonal
    from lstm_edu.tasks import echo_task

    delay, T, H = config["delay"], config["T"], config["hidden"]
    x_val, y_val = (torch.from_numpy(a) for a in echo_task(config["val_size"], T, delay, rng=config["val_seed"],
                                                            dtype=np.float32))
    torch.manual_seed(seed)
    data_rng = np.random.default_rng(seed)
    rnn, readout = nn.RNN(1, H), nn.Linear(H, 1)
    with torch.no_grad():
        rnn.weight_hh_l0.copy_(torch.from_numpy(scaled_orthogonal(H, config["sigma"], data_rng)))
    params = list(rnn.parameters()) + list(readout.parameters())

    def model(x):
        return readout(rnn(x)[0]).squeeze(-1)

    optimizer = torch.optim.SGD(params, lr=config["lr"], momentum=config["momentum"])
    history = {"loss": [], "grad_norm": [], "post_norm": [], "cosine": [], "eval_step": [], "eval": [],
               "diverged": False}
    for step in range(1, config["steps"] + 1):
        x, y = (torch.from_numpy(a) for a in echo_task(config["batch"], T, delay, rng=data_rng, dtype=np.float32))
        loss = nn.functional.mse_loss(model(x), y)
        optimizer.zero_grad()
        loss.backward()
        before = torch.cat([p.grad.flatten() for p in params])
        if clip == "norm":
            nn.utils.clip_grad_norm_(params, config["threshold"])
        elif clip == "value":
            nn.utils.clip_grad_value_(params, config["threshold"])
        after = torch.cat([p.grad.flatten() for p in params])
        history["loss"].append(loss.item())
        history["grad_norm"].append(before.norm().item())
        history["post_norm"].append(after.norm().item())
        acted = not torch.equal(before, after)
        history["cosine"].append(nn.functional.cosine_similarity(before, after, dim=0).item() if acted else float("nan"))
        if not np.isfinite(loss.item()):
            history["diverged"] = True
            break
        optimizer.step()
        if step % config["every"] == 0 or step == config["steps"]:
            with torch.no_grad():
                history["eval_step"].append(step)
                history["eval"].append(nn.functional.mse_loss(model(x_val)[delay:], y_val[delay:]).item())
    with torch.no_grad():
        history["saturated"] = (rnn(x_val)[0].abs() > 0.99).float().mean().item()
    return history


def run(config: dict) -> dict:
    set_threads(config)
    curves, rows, metrics = {}, [], {}
    for name, clip in config["clips"].items():
        finals, first_cos, min_cos, sat = [], [], [], []
        for seed in config["seeds"]:
            h = echo_run(clip, seed, config)
            key = f"{name}/seed{seed}"
            curves[f"{key}/val_mse"] = h["eval"]
            curves[f"{key}/grad_norm"] = thin(h["grad_norm"], 5)
            curves[f"{key}/post_norm"] = thin(h["post_norm"], 5)
            curves.setdefault("eval_step", [float(s) for s in h["eval_step"]])
            cos = np.array(h["cosine"], dtype=float)
            acted = cos[np.isfinite(cos)]
            final = h["eval"][-1] if h["eval"] and not h["diverged"] else float("nan")
            finals.append(final)
            first_cos.append(float(acted[0]) if acted.size else None)
            min_cos.append(float(acted.min()) if acted.size else None)
            sat.append(h["saturated"])
            rows.append([LABELS[name], seed, final, h["diverged"], round(h["grad_norm"][0], 1),
                         "-" if not acted.size else round(float(acted[0]), 3),
                         "-" if not acted.size else round(float(acted.min()), 3),
                         round(float(np.median(h["post_norm"][:3])), 2), round(h["saturated"], 3)])
        finals_arr = np.array(finals, dtype=float)
        metrics[name] = {
            "label": LABELS[name], "runs": len(finals), "diverged": int(np.sum(~np.isfinite(finals_arr))),
            "median_final_val_mse": float(np.nanmedian(finals_arr)) if np.isfinite(finals_arr).any() else None,
            "min_final_val_mse": float(np.nanmin(finals_arr)) if np.isfinite(finals_arr).any() else None,
            "max_final_val_mse": float(np.nanmax(finals_arr)) if np.isfinite(finals_arr).any() else None,
            "first_cosine": first_cos, "min_cosine": min_cos, "median_saturated": float(np.median(sat)),
        }
    table = {"columns": ["clipping", "seed", "final val MSE", "diverged", "first raw norm", "first cosine",
                         "min cosine", "median post-clip norm, steps 1-3", "saturated"], "rows": rows}
    return {"metrics": metrics, "curves": curves, "seeds": config["seeds"], "tables": {"runs": table},
            "notes": f"{len(rows)} runs of {config['steps']} SGD steps on one CPU thread"}


def _table(record):
    rows = []
    for name, m in record.metrics.items():
        if not isinstance(m, dict):
            continue
        firsts = [c for c in m["first_cosine"] if c is not None]
        rows.append([m["label"], f"{m['runs'] - m['diverged']} of {m['runs']}", m["median_final_val_mse"],
                     "-" if m["min_final_val_mse"] is None else f"{m['min_final_val_mse']:.4f}-{m['max_final_val_mse']:.4f}",
                     "-" if not firsts else f"{min(firsts):.2f}-{max(firsts):.2f}"])
    return ["clipping", "finite runs", "median final val MSE", "range", "first-step cosine (range)"], rows


def _plot(record):
    """Validation MSE of every seed, one panel per clipping rule."""
    import matplotlib.pyplot as plt

    from lstm_edu.figures import COLUMN_WIDTH_IN, set_alt

    step = record.curves["eval_step"]
    fig, axes = plt.subplots(1, 3, figsize=(COLUMN_WIDTH_IN, 3.0), sharey=True)
    for ax, name in zip(axes, CONFIG["clips"]):
        for key, values in record.curves.items():
            if key.startswith(f"{name}/") and key.endswith("/val_mse"):
                ax.plot(step[:len(values)], values, lw=1)
        ax.axhline(1.0, color="gray", ls="--", lw=1)
        ax.set(title={"none": "none", "value": "element-wise", "norm": "global norm"}[name], xlabel="SGD step",
               yscale="log")
    axes[0].set_ylabel("validation MSE")
    fig.tight_layout()
    medians = "; ".join(f"{m['label']}: median final validation MSE "
                        + ("n/a" if m["median_final_val_mse"] is None else f"{m['median_final_val_mse']:.3f}")
                        for m in record.metrics.values() if isinstance(m, dict))
    set_alt(fig, "Three panels, no clipping, element-wise clipping and global-norm clipping: each line is one seed's "
                 f"validation MSE on a log scale against SGD steps, the dashed line MSE 1 of predicting 0. {medians}.")
    return fig


register("clipping-seeds", run=run, config=CONFIG, chapter=2, title="Gradient clipping on the echo task, several seeds",
         description="Chapter 2's exploding-gradient RNN (every singular value of W_hh 2.5) trained with no clipping, "
                     "element-wise clipping and global-norm clipping, each seed kept.",
         table=_table, plot=_plot)
