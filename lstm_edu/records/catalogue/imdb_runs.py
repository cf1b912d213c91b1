"""Chapter 7: the tutorial systems A and D (buggy and fixed), and the four-model comparison.

``imdb-system-a`` and ``imdb-system-d`` train one article system each, twice on the same reviews:
*fixed* with the chapter's own call (``train(articles.article_config(...))``) at the article's size,
and *buggy* with the bug put back:

- system A, buggy: each review becomes a multi-hot vector (``articles.multi_hot``), cast to
  integers and fed to the BiLSTM's embedding as if it were a sentence: a sequence of ``V`` ids that
  are all 0 or 1 (myth M28).  A sequence as long as the vocabulary (10,000 steps instead of 100)
  makes an epoch of the buggy model take most of an hour on one CPU thread, so ``buggy_epochs`` trains
  fewer epochs than the article's ten (the record's notes say so);
- system D, buggy: the classifier at every step (``articles.many_to_many_logits``, what
  ``return_sequences=True`` computes), trained as Keras trains such a model once the label is
  repeated at every step: cross-entropy averaged over all positions, padding included (myth M31).
  It is scored, like the fixed model, by its output after each review's last real token.

``imdb-models`` repeats chapter 7's comparison (BiLSTM, LSTM, GRU, bag of words; same data, same
settings, ``dataclasses.replace(config, model=...)``) on all 25,000 training reviews, so that the
validation split is the whole held-out split (2,514 reviews) rather than 300, with bootstrap error
bars and paired bootstrap differences on the validation predictions.

All three configurations name settings that live elsewhere (the article systems in
:mod:`lstm_edu.imdb.articles`, the ``quick`` preset in :mod:`lstm_edu.imdb.train`), so all are
registered with a resolver: their records go stale when those settings change.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lstm_edu.records.catalogue._common import config_values, set_threads, thin
from lstm_edu.records.registry import register

# limit None: all reviews; buggy_epochs None: the article's count; buggy_vocab None: the whole vocabulary
SYSTEM_A = dict(system="A", limit=None, buggy_epochs=1, buggy_vocab=None, seed=0, threads=1)
SYSTEM_D = dict(system="D", limit=None, buggy_epochs=None, buggy_vocab=None, seed=0, threads=1)
MODELS = dict(preset="quick", overrides={"limit": None}, models=["bilstm", "lstm", "gru", "bow"],
              bootstrap=2000, seed=0, threads=1)


# ----------------------------------------------------------------- helpers


def _bootstrap(correct: dict, resamples: int, seed: int) -> dict:
    """Bootstrap (percentile, 95%) intervals of each model's accuracy and of its difference to the first.

    ``correct`` maps a model name to a 0/1 array over the same reviews; differences are paired
    (each resample draws the same reviews for every model).
    """
    names = list(correct)
    matrix = np.stack([np.asarray(correct[n], dtype=float) for n in names])  # (models, reviews)
    rng = np.random.default_rng(seed)
    n = matrix.shape[1]
    samples = np.empty((resamples, len(names)))
    for r in range(resamples):
        samples[r] = matrix[:, rng.integers(0, n, n)].mean(axis=1)
    out = {}
    for k, name in enumerate(names):
        lo, hi = np.percentile(samples[:, k], [2.5, 97.5])
        diff = samples[:, k] - samples[:, 0]
        dlo, dhi = np.percentile(diff, [2.5, 97.5])
        out[name] = {"accuracy": float(matrix[k].mean()), "ci95": [float(lo), float(hi)],
                     "se": float(samples[:, k].std(ddof=1)),
                     f"minus_{names[0]}": float(matrix[k].mean() - matrix[0].mean()),
                     f"minus_{names[0]}_ci95": [float(dlo), float(dhi)]}
    return out


def _val_probabilities(result) -> np.ndarray:
    from lstm_edu.imdb.train import evaluate_probabilities, make_loaders

    _, val_loader, _ = make_loaders(result.prepared, result.config)
    device = next(result.model.parameters()).device
    return evaluate_probabilities(result.model, val_loader, device)


def _history_curves(prefix: str, history) -> dict:
    curves = {}
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy"):
        if key in history:
            curves[f"{prefix}/{key}"] = [float(v) for v in history[key]]
    return curves


# ------------------------------------------------- imdb-system-a, imdb-system-d


def resolve_article_system(config: dict) -> dict:
    """What :func:`run_article_system` trains: the fixed system's settings and the buggy run's size."""
    from lstm_edu.imdb import articles

    fixed = config_values(articles.article_config(config["system"], limit=config["limit"], seed=config["seed"]))
    return {"fixed": fixed, "buggy_epochs": config["buggy_epochs"] or fixed["epochs"],
            "buggy_vocab": config["buggy_vocab"]}


def _train_buggy(system: str, prepared, config, *, epochs: int, buggy_vocab: int | None = None,
                 eval_batch: int = 64) -> dict:
    """Train system ``system`` with its bug for ``epochs`` epochs.

    System D trains on the fixed run's own length-bucketed batches (``make_loaders``, same seed),
    so the two runs differ only in the bug; system A's multi-hot rows all have one width, so its
    batches are plain random draws.  Returns the per-epoch training loss and validation accuracy,
    the training loss of every batch, the share of padding among the positions trained on, and the
    validation and test accuracy after the last epoch.  Progress goes to standard error
    (the full-size buggy system A takes most of an hour per epoch on one CPU thread).
    """
    import sys
    import time

    import torch
    from torch import nn

    from lstm_edu import seed_everything
    from lstm_edu.imdb import articles
    from lstm_edu.imdb.batching import pad_batch
    from lstm_edu.imdb.train import make_loaders, model_from_config

    seed_everything(config.seed)
    width = buggy_vocab or len(prepared.vocab)
    model = model_from_config(config, len(prepared.vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)

    def batch_inputs(sequences):
        if system == "A":  # the bug: a multi-hot row read as a "sentence" of ids 0 and 1, (B, width)
            clipped = [np.asarray(s)[np.asarray(s) < width] for s in sequences]
            ids = articles.multi_hot(clipped, width).long()
            return ids, torch.full((len(sequences),), width, dtype=torch.int64)
        return pad_batch(sequences)

    def outputs(ids, lengths):
        if system == "A":
            return model(ids, lengths)  # (B,) one logit
        return articles.many_to_many_logits(model, ids, lengths)  # (B, T, 2)

    @torch.no_grad()
    def accuracy(sequences, labels) -> float:
        model.eval()
        hits = 0
        for first in range(0, len(sequences), eval_batch):
            ids, lengths = batch_inputs(sequences[first:first + eval_batch])
            out = outputs(ids, lengths)
            if system == "A":
                predicted = (out > 0).long()
            else:  # read, like the fixed model, after each review's last real token
                predicted = out[torch.arange(out.shape[0]), lengths - 1].argmax(-1)
            hits += int((predicted.numpy() == np.asarray(labels[first:first + eval_batch])).sum())
        model.train()
        return hits / len(sequences)

    rng = np.random.default_rng(config.seed)
    sequences, labels = prepared.train_sequences, np.asarray(prepared.train.labels)
    train_batches = make_loaders(prepared, config)[0]

    def epoch_batches():
        """``(ids, lengths, labels)`` of one epoch's training batches."""
        if system == "A":  # every multi-hot row has the same width, so no order of reviews adds padding
            order = rng.permutation(len(sequences))
            for b in range(0, len(order), config.batch_size):
                index = order[b:b + config.batch_size]
                yield (*batch_inputs([sequences[i] for i in index]), torch.as_tensor(labels[index]))
        else:  # the fixed run's own length-bucketed batches (same seed): the two runs differ only in the bug
            yield from train_batches

    history = {"train_loss": [], "val_accuracy": []}
    batch_losses, real_steps, all_steps = [], 0, 0
    start = time.perf_counter()
    model.train()
    for epoch in range(epochs):
        losses = []
        for ids, lengths, y in epoch_batches():
            real_steps, all_steps = real_steps + int(lengths.sum()), all_steps + ids.numel()
            out = outputs(ids, lengths)
            if system == "A":
                loss = nn.functional.binary_cross_entropy_with_logits(out, y.float())
            else:  # the label repeated at every position, padding included
                per_step_labels = y[:, None].expand(-1, out.shape[1])
                loss = nn.functional.cross_entropy(out.reshape(-1, 2), per_step_labels.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if len(losses) % 100 == 0:
                print(f"  buggy {system}, epoch {epoch + 1}: {len(losses):,} batches, loss "
                      f"{np.mean(losses[-100:]):.4f}, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
        batch_losses.extend(losses)
        history["train_loss"].append(float(np.mean(losses)))
        history["val_accuracy"].append(accuracy(prepared.val_sequences, prepared.val.labels))
    seconds = time.perf_counter() - start
    test = accuracy(prepared.test_sequences, prepared.test.labels)
    return {"history": history, "batch_losses": batch_losses, "test_accuracy": test,
            "val_accuracy": history["val_accuracy"][-1], "train_seconds": seconds,
            "padding_share": 1 - real_steps / all_steps}


def run_article_system(config: dict, data=None, cache_dir=None) -> dict:
    """One article system (``config["system"]``, ``"A"`` or ``"D"``) trained fixed and buggy on the same reviews.

    The fixed run is the chapter's own call, ``train(articles.article_config(...))``, at the
    article's size; the buggy run puts the bug back (see the module docstring) and trains for
    ``buggy_epochs`` epochs (None: the article's count), system A's buggy input spanning the
    ``buggy_vocab`` most frequent words (None: the whole vocabulary, as in the article).
    """
    from lstm_edu.imdb import articles
    from lstm_edu.imdb.train import prepare_data, train

    system, seed = config["system"], config["seed"]
    if system not in articles.SYSTEMS:
        raise ValueError(f"system must be one of {sorted(articles.SYSTEMS)}, got {system!r}")
    if system != "A" and config["buggy_vocab"] is not None:
        raise ValueError("buggy_vocab applies to system A's multi-hot input only; use None for system D")
    set_threads(config)
    article = articles.article_config(system, limit=config["limit"], seed=seed)
    buggy_epochs = config["buggy_epochs"] or article.epochs
    prepared = prepare_data(article, data, cache_dir=cache_dir)
    width = min(config["buggy_vocab"] or len(prepared.vocab), len(prepared.vocab))
    fixed = train(article, prepared=prepared, device="cpu", progress=False)
    buggy = _train_buggy(system, prepared, article, epochs=buggy_epochs,
                         buggy_vocab=width if system == "A" else None)
    n_test = len(prepared.test)
    metrics, rows = {}, []
    for version, epochs, m in (("buggy", buggy_epochs, buggy),
                               ("fixed", fixed.metrics["epochs"], fixed.metrics)):
        se = float(np.sqrt(m["test_accuracy"] * (1 - m["test_accuracy"]) / n_test))
        metrics[version] = {"test_accuracy": m["test_accuracy"], "val_accuracy": m["val_accuracy"],
                            "test_se": se, "epochs": epochs, "train_seconds": m["train_seconds"]}
        rows.append([version, epochs, m["val_accuracy"], m["test_accuracy"], se, round(m["train_seconds"] / 60, 1)])
    metrics["buggy"]["padding_share"] = buggy["padding_share"]  # of the positions the buggy run trained on
    metrics["sizes"] = {**prepared.sizes(), "article_epochs": articles.SYSTEMS[system]["epochs"],
                        "vocabulary": len(prepared.vocab), "buggy_width": width if system == "A" else None}
    curves = _history_curves(f"fixed/seed{seed}", fixed.history)
    curves.update({f"buggy/seed{seed}/{k}": v for k, v in buggy["history"].items()})
    curves[f"buggy/seed{seed}/batch_loss_mean25"] = thin(buggy["batch_losses"], 25, window=25)
    data_text = (f"all {len(prepared.train) + len(prepared.val):,} training reviews (20% held out for validation) "
                 f"and {n_test:,} test reviews" if config["limit"] is None
                 else f"{config['limit']:,} reviews per split (article: 25,000)")
    reductions = []
    if buggy_epochs < article.epochs:
        reductions.append(f"the buggy run trained {buggy_epochs} of the article's {article.epochs} epochs "
                          f"({buggy['train_seconds'] / 60 / buggy_epochs:.0f} min per epoch here)")
    if system == "A" and width < len(prepared.vocab):
        reductions.append(f"its multi-hot vector spans the {width:,} most frequent words (article: the whole vocabulary)")
    if config["limit"] is not None:
        reductions.append("fewer reviews")
    if system == "A" and width == len(prepared.vocab):
        input_text = f"; buggy input: a {width:,}-step multi-hot 'sentence' per review"
    else:
        input_text = ""
    notes = (f"system {system} as the article configured it, on {data_text}{input_text}; "
             + (f"reduced: {'; '.join(reductions)}; " if reductions else "")
             + "one seed; one CPU thread")
    return {"metrics": metrics, "curves": curves, "seeds": [seed],
            "tables": {"versions": {"columns": ["version", "epochs", "val accuracy", "test accuracy", "test SE",
                                                "train min"], "rows": rows}},
            "notes": notes, "scale": "reduced" if reductions else "full"}


def _article_table(record):
    rows = [[version, m["epochs"], m["val_accuracy"], m["test_accuracy"], f"± {m['test_se']:.4f}",
             f"{m['train_seconds'] / 60:.1f}"]
            for version, m in record.metrics.items() if version in ("buggy", "fixed")]
    return ["version", "epochs", "val accuracy (last epoch)", "test accuracy", "1 SE", "train min"], rows


def _article_plot(record):
    """Validation accuracy by epoch (buggy and fixed) and test accuracy with 95% intervals, chance dotted."""
    import matplotlib.pyplot as plt

    from lstm_edu.figures import PALETTE, set_alt

    system = record.name.rsplit("-", 1)[-1].upper()
    seed = record.seeds[0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(8.0, 3.2), gridspec_kw={"width_ratios": [3, 2]})
    styles = {"buggy": dict(color=PALETTE[3], ls="--", marker="s"), "fixed": dict(color=PALETTE[2], marker="o")}
    parts = []
    for k, version in enumerate(("buggy", "fixed")):
        curve = record.curves[f"{version}/seed{seed}/val_accuracy"]
        left.plot(range(1, len(curve) + 1), curve, label=version, **styles[version])
        m = record.metrics[version]
        right.bar(k, m["test_accuracy"], yerr=1.96 * m["test_se"], capsize=4, color=styles[version]["color"],
                  hatch="//" if version == "buggy" else None, edgecolor="black")
        parts.append(f"{version}: validation {', '.join(f'{v:.3f}' for v in curve)} by epoch, "
                     f"test {m['test_accuracy']:.3f}")
    for ax in (left, right):
        ax.axhline(0.5, color="gray", ls=":", lw=1)
    left.set(xlabel="epoch", ylabel="validation accuracy", ylim=(0.4, 1), title=f"system {system}: validation")
    left.xaxis.get_major_locator().set_params(integer=True)
    left.legend(loc="lower right")
    right.set(xticks=[0, 1], xticklabels=["buggy", "fixed"], ylim=(0, 1), ylabel="test accuracy",
              title="test, 95% intervals")
    fig.tight_layout()
    set_alt(fig, f"System {system}, buggy and fixed, chance (0.5) dotted: " + "; ".join(parts) + ".")
    return fig


# ------------------------------------------------------------- imdb-models


def _models_base(config: dict):
    """The ``TrainConfig`` all models of :func:`run_models` share (``model`` aside): preset, then overrides."""
    from lstm_edu.imdb.train import resolve_config

    base = resolve_config(config["preset"], seed=config["seed"], **{k: v for k, v in config["overrides"].items()
                                                                    if k != "limit"})
    return dataclasses.replace(base, limit=config["overrides"].get("limit", base.limit))  # None here means all


def resolve_models(config: dict) -> dict:
    """The shared settings of :func:`run_models` (the models themselves are listed in the configuration)."""
    return config_values(_models_base(config))


def run_models(config: dict, data=None, cache_dir=None) -> dict:
    """Chapter 7's four models on the same data and settings; bootstrap intervals on validation."""
    from lstm_edu.imdb.train import prepare_data, train

    set_threads(config)
    base = _models_base(config)
    prepared = prepare_data(base, data, cache_dir=cache_dir)
    correct_val, correct_test, rows, curves, params = {}, {}, [], {}, {}
    val_labels = np.asarray(prepared.val.labels) == 1
    test_labels = np.asarray(prepared.test.labels) == 1
    for name in config["models"]:
        result = train(dataclasses.replace(base, model=name), prepared=prepared, device="cpu", progress=False)
        correct_val[name] = (_val_probabilities(result) > 0.5) == val_labels
        correct_test[name] = (result.test_probabilities > 0.5) == test_labels
        curves.update(_history_curves(f"{name}/seed{config['seed']}", result.history))
        params[name] = result.metrics["parameters"]
        rows.append([name, result.metrics["val_accuracy"], result.metrics["test_accuracy"], params[name],
                     round(result.metrics["train_seconds"], 1)])
    metrics = {
        "validation": _bootstrap(correct_val, config["bootstrap"], config["seed"]),
        "test": _bootstrap(correct_test, config["bootstrap"], config["seed"] + 1),
        "parameters": params, **{f"n_{k}": v for k, v in prepared.sizes().items()},
        "settings": config_values(base),
    }
    notes = (f"the '{config['preset']}' preset's models and settings, but all {len(prepared.train):,} training "
             f"reviews, {base.epochs} epochs, one seed; bootstrap intervals over the "
             f"{len(prepared.val):,} validation reviews; one CPU thread")
    return {"metrics": metrics, "curves": curves, "seeds": [config["seed"]],
            "tables": {"models": {"columns": ["model", "val accuracy", "test accuracy", "parameters", "train s"],
                                  "rows": rows}},
            "notes": notes}


def _models_table(record):
    rows = []
    val, test = record.metrics["validation"], record.metrics["test"]
    first = next(iter(val))
    for name, m in val.items():
        d_lo, d_hi = m[f"minus_{first}_ci95"]
        rows.append([name, m["accuracy"], f"{m['ci95'][0]:.4f}-{m['ci95'][1]:.4f}",
                     "-" if name == first else f"{m[f'minus_{first}']:+.4f} ({d_lo:+.4f} to {d_hi:+.4f})",
                     test[name]["accuracy"]])
    return ["model", "val accuracy", "95% interval", f"minus {first} (95% interval)", "test accuracy"], rows


def _models_plot(record):
    import matplotlib.pyplot as plt

    from lstm_edu.figures import set_alt

    val = record.metrics["validation"]
    names = list(val)
    fig, ax = plt.subplots(figsize=(6.0, 3.2))
    acc = [val[n]["accuracy"] for n in names]
    lo = [val[n]["accuracy"] - val[n]["ci95"][0] for n in names]
    hi = [val[n]["ci95"][1] - val[n]["accuracy"] for n in names]
    ax.errorbar(range(len(names)), acc, yerr=[lo, hi], fmt="o", capsize=5)
    ax.set(xticks=range(len(names)), xticklabels=names, ylabel="validation accuracy",
           title=f"{record.metrics['n_n_val']:,} validation reviews, 95% intervals")
    fig.tight_layout()
    text = "; ".join(f"{n}: {val[n]['accuracy']:.3f} ({val[n]['ci95'][0]:.3f} to {val[n]['ci95'][1]:.3f})"
                     for n in names)
    set_alt(fig, f"Validation accuracy of each model with its 95% bootstrap interval: {text}.")
    return fig


register("imdb-system-a", run=run_article_system, config=SYSTEM_A, resolve=resolve_article_system, chapter=7,
         title="IMDB: tutorial system A, buggy and fixed",
         description="System A (BiLSTM; the multi-hot input bug, M28) trained with its bug and with the fix on "
                     "the same reviews (`lstm_edu.imdb.articles`).",
         table=_article_table, plot=_article_plot)

register("imdb-system-d", run=run_article_system, config=SYSTEM_D, resolve=resolve_article_system, chapter=7,
         title="IMDB: tutorial system D, buggy and fixed",
         description="System D (LSTM; the return_sequences bug, M31) trained with its bug and with the fix on "
                     "the same reviews (`lstm_edu.imdb.articles`).",
         table=_article_table, plot=_article_plot)

register("imdb-models", run=run_models, config=MODELS, resolve=resolve_models, chapter=7,
         title="IMDB: BiLSTM, LSTM, GRU and bag of words on the whole validation split",
         description="Chapter 7's comparison (same data, same settings) with the whole held-out validation split, "
                     "bootstrap intervals and paired differences.",
         table=_models_table, plot=_models_plot)
