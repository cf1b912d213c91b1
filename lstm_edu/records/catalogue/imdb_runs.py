"""Chapter 7: the tutorial systems A and D (buggy and fixed), and the four-model comparison.

``imdb-articles`` trains each article system twice: *fixed* with the chapter's own call
(``train(articles.article_config(...))``), and *buggy* with the bug put back:

- system A, buggy: each review becomes a multi-hot vector (``articles.multi_hot``), cast to
  integers and fed to the BiLSTM's embedding as if it were a sentence: a sequence of ``V`` ids that
  are all 0 or 1 (myth M28).  A sequence as long as the vocabulary makes the buggy model ``V / 100``
  times as costly as the fixed one, so the buggy run uses the multi-hot vector of the
  ``buggy_a_vocab`` most frequent words (the record says so);
- system D, buggy: the classifier at every step (``articles.many_to_many_logits``, what
  ``return_sequences=True`` computes), trained as Keras trains such a model once the label is
  repeated at every step: cross-entropy averaged over all positions, padding included (myth M31).
  It is scored, like the fixed model, by its output after each review's last real token.

``imdb-models`` repeats chapter 7's comparison (BiLSTM, LSTM, GRU, bag of words; same data, same
settings, ``dataclasses.replace(config, model=...)``) on all 25,000 training reviews, so that the
validation split is the whole held-out split (2,514 reviews) rather than 300, with bootstrap error
bars and paired bootstrap differences on the validation predictions.

Both configurations name settings that live elsewhere (the article systems in
:mod:`lstm_edu.imdb.articles`, the ``quick`` preset in :mod:`lstm_edu.imdb.train`), so both are
registered with a resolver: their records go stale when those settings change.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from lstm_edu.records.catalogue._common import config_values, set_threads
from lstm_edu.records.registry import register

ARTICLES = dict(limit=3000, epochs_a=3, epochs_d=5, buggy_a_vocab=500, seed=0, threads=1)
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


# ----------------------------------------------------------- imdb-articles


def resolve_articles(config: dict) -> dict:
    """The settings :func:`run_articles` trains systems A and D with: ``{"A": ..., "D": ..., "buggy_a_vocab": ...}``."""
    from lstm_edu.imdb import articles

    out = {system: config_values(articles.article_config(system, limit=config["limit"], seed=config["seed"],
                                                   epochs=config[f"epochs_{system.lower()}"]))
           for system in ("A", "D")}
    out["buggy_a_vocab"] = config["buggy_a_vocab"]
    return out


def _train_buggy(system: str, prepared, config, *, buggy_vocab: int | None = None) -> dict:
    """Train system ``system`` with its bug; return per-epoch losses and validation/test accuracy."""
    import time

    import torch
    from torch import nn

    from lstm_edu import seed_everything
    from lstm_edu.imdb import articles
    from lstm_edu.imdb.batching import pad_batch
    from lstm_edu.imdb.train import model_from_config

    seed_everything(config.seed)
    width = buggy_vocab if system == "A" else None
    model = model_from_config(config, len(prepared.vocab))
    optimizer = torch.optim.Adam(model.parameters(), lr=config.lr)

    def batch_inputs(sequences):
        if system == "A":  # the bug: a multi-hot row read as a "sentence" of ids 0 and 1
            clipped = [np.asarray(s)[np.asarray(s) < width] for s in sequences]
            ids = articles.multi_hot(clipped, width).long()
            return ids, torch.full((len(sequences),), width, dtype=torch.int64)
        return pad_batch(sequences)

    def outputs(ids, lengths):
        if system == "A":
            return model(ids, lengths)
        per_step = articles.many_to_many_logits(model, ids, lengths)  # (B, T, 2)
        return per_step

    def last_step(per_step, lengths):
        return per_step[torch.arange(per_step.shape[0]), lengths - 1]  # (B, 2) after the last real token

    @torch.no_grad()
    def accuracy(sequences, labels) -> float:
        model.eval()
        hits = 0
        for start in range(0, len(sequences), 256):
            ids, lengths = batch_inputs(sequences[start:start + 256])
            out = outputs(ids, lengths)
            if system == "A":
                predicted = (out > 0).long()
            else:
                predicted = last_step(out, lengths).argmax(-1)
            hits += int((predicted.numpy() == np.asarray(labels[start:start + 256])).sum())
        model.train()
        return hits / len(sequences)

    rng = np.random.default_rng(config.seed)
    sequences, labels = prepared.train_sequences, np.asarray(prepared.train.labels)
    history = {"train_loss": [], "val_accuracy": []}
    start = time.perf_counter()
    model.train()
    for _ in range(config.epochs):
        order = rng.permutation(len(sequences))
        losses = []
        for b in range(0, len(order), config.batch_size):
            index = order[b:b + config.batch_size]
            ids, lengths = batch_inputs([sequences[i] for i in index])
            y = torch.as_tensor(labels[index])
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
        history["train_loss"].append(float(np.mean(losses)))
        history["val_accuracy"].append(accuracy(prepared.val_sequences, prepared.val.labels))
    seconds = time.perf_counter() - start
    test = accuracy(prepared.test_sequences, prepared.test.labels)
    return {"history": history, "test_accuracy": test, "val_accuracy": history["val_accuracy"][-1],
            "train_seconds": seconds}


def run_articles(config: dict, data=None, cache_dir=None) -> dict:
    """Systems A and D, fixed and buggy, on the same reviews."""
    from lstm_edu.imdb import articles
    from lstm_edu.imdb.train import prepare_data, train

    set_threads(config)
    curves, rows, metrics = {}, [], {}
    for system, epochs in (("A", config["epochs_a"]), ("D", config["epochs_d"])):
        article = articles.article_config(system, limit=config["limit"], epochs=epochs, seed=config["seed"])
        prepared = prepare_data(article, data, cache_dir=cache_dir)
        fixed = train(article, prepared=prepared, device="cpu", progress=False)
        curves.update(_history_curves(f"{system}-fixed/seed{config['seed']}", fixed.history))
        metrics[f"{system}-fixed"] = {"test_accuracy": fixed.metrics["test_accuracy"],
                                      "val_accuracy": fixed.metrics["val_accuracy"],
                                      "train_seconds": fixed.metrics["train_seconds"]}
        buggy = _train_buggy(system, prepared, article,
                             buggy_vocab=min(config["buggy_a_vocab"], len(prepared.vocab)) if system == "A" else None)
        curves.update({f"{system}-buggy/seed{config['seed']}/{k}": v for k, v in buggy["history"].items()})
        metrics[f"{system}-buggy"] = {k: buggy[k] for k in ("test_accuracy", "val_accuracy", "train_seconds")}
        n_test = len(prepared.test)
        for version in ("buggy", "fixed"):
            m = metrics[f"{system}-{version}"]
            m["n_test"] = n_test
            m["test_se"] = float(np.sqrt(m["test_accuracy"] * (1 - m["test_accuracy"]) / n_test))
            rows.append([system, version, m["val_accuracy"], m["test_accuracy"], m["test_se"],
                         round(m["train_seconds"], 1)])
        metrics[f"{system}-sizes"] = {**prepared.sizes(), "epochs": epochs,
                                      "article_epochs": articles.SYSTEMS[system]["epochs"]}
    data = ("all 25,000 training reviews (20% held out for validation) and 25,000 test reviews"
            if config["limit"] is None else f"{config['limit']:,} reviews per split (articles: 25,000)")
    notes = (f"reduced from the articles' configurations: A {config['epochs_a']} epochs (article: 10), "
             f"D {config['epochs_d']} epochs (article: 5), buggy A's multi-hot vector over the "
             f"{config['buggy_a_vocab']} most frequent words (article: 10,000); {data}; one CPU thread")
    return {"metrics": metrics, "curves": curves, "seeds": [config["seed"]],
            "tables": {"systems": {"columns": ["system", "version", "val accuracy", "test accuracy", "test SE", "train s"],
                                   "rows": rows}},
            "notes": notes, "scale": "reduced"}


def _articles_table(record):
    rows = []
    for key, m in record.metrics.items():
        if key.endswith(("-fixed", "-buggy")):
            system, version = key.split("-")
            rows.append([f"system {system}", version, m["test_accuracy"], f"± {m['test_se']:.4f}", m["n_test"]])
    return ["system", "version", "test accuracy", "1 SE", "test reviews"], rows


def _articles_plot(record):
    """Test accuracy of each system, buggy (hatched) and fixed, with 95% intervals and the chance line."""
    import matplotlib.pyplot as plt

    from lstm_edu.figures import PALETTE, set_alt

    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    labels, values, errors = [], [], []
    for key, m in record.metrics.items():
        if key.endswith(("-fixed", "-buggy")):
            system, version = key.split("-")
            labels.append(f"{system} {version}")
            values.append(m["test_accuracy"])
            errors.append(1.96 * m["test_se"])
            buggy = version == "buggy"
            ax.bar(len(values) - 1, m["test_accuracy"], yerr=errors[-1], capsize=4,
                   color=PALETTE[3] if buggy else PALETTE[2], hatch="//" if buggy else None, edgecolor="black")
    ax.axhline(0.5, color="gray", ls="--", lw=1, label="chance (0.5)")
    ax.legend(loc="upper left")
    ax.set(xticks=range(len(values)), xticklabels=labels, ylim=(0, 1), ylabel="test accuracy",
           title="tutorial systems, buggy and fixed")
    fig.tight_layout()
    text = "; ".join(f"{label}: {value:.3f}" for label, value in zip(labels, values))
    set_alt(fig, f"Bar chart of test accuracy with 95% intervals, chance (0.5) dashed: {text}.")
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


register("imdb-articles", run=run_articles, config=ARTICLES, resolve=resolve_articles, chapter=7,
         title="IMDB: the tutorial systems A and D, buggy and fixed",
         description="System A (BiLSTM, multi-hot input bug, M28) and system D (LSTM, return_sequences bug, M31), "
                     "each trained with its bug and with the fix, on the same reviews (`lstm_edu.imdb.articles`).",
         table=_articles_table, plot=_articles_plot)

register("imdb-models", run=run_models, config=MODELS, resolve=resolve_models, chapter=7,
         title="IMDB: BiLSTM, LSTM, GRU and bag of words on the whole validation split",
         description="Chapter 7's comparison (same data, same settings) with the whole held-out validation split, "
                     "bootstrap intervals and paired differences.",
         table=_models_table, plot=_models_plot)
