"""The capstone's full-size runs, registered with :mod:`lstm_edu.records` (chapter 7).

=============================  ======  ========================================================
name                           device  what it runs
=============================  ======  ========================================================
``imdb-ngram``                 cpu     NBSVM-bi (:mod:`lstm_edu.imdb.ngrams`), the paper's settings
``imdb-word-vectors``          cpu     the ``cpu`` preset's starting word vectors: cost, nearest words
``imdb-cpu``                   cpu     the ``cpu`` preset, all 25,000 reviews, 2 threads
``imdb-cpu-random-embedding``  cpu     the same from a random embedding instead of the word vectors
``imdb-pretrain-cpu``          cpu     few labels (1,000 reviews): from scratch, from word vectors
                                       and from a language model, both learned from the
                                       unlabelled + training reviews, three seeds
``imdb-gpu``                   cuda    the ``gpu`` preset (supervised BiLSTM, whole reviews)
``imdb-pretrain-gpu``          cuda    ``pretrain --preset gpu``, then ``train --preset
                                       gpu-pretrained --init``
=============================  ======  ========================================================

Their configurations name presets (``PRESETS`` in :mod:`lstm_edu.imdb.train`, ``PRETRAIN_PRESETS``
in :mod:`lstm_edu.imdb.pretrain`), so each is registered with a resolver that returns the preset's
values as the run uses them: a record goes stale when a preset changes.

Each runs with ``python -m lstm_edu.records run NAME`` (the data as for the command
line: ``$LSTM_EDU_DATA/imdb`` or the cache).  Test accuracy is computed once per
configuration and seed, after training; every choice watches the validation split.
"""

from __future__ import annotations

import tempfile

from lstm_edu.records.catalogue._common import config_values, mean_and_se, set_threads
from lstm_edu.records.registry import declare_added_option, register

# TrainConfig.word_vectors came after several records; every run before it started from a random embedding.
declare_added_option("word_vectors", False)

NGRAM = dict(bigrams=True, C=1.0, beta=0.25, alpha=1.0, min_count=1, val_fraction=0.1, seed=0)
CPU = dict(preset="cpu", seed=0, threads=2)
# The same run from a random embedding: what the word vectors are worth at full size.
CPU_RANDOM_EMBEDDING = dict(preset="cpu", seed=0, threads=2, options=dict(word_vectors=False))
# With 1,000 labels the cpu preset's batches of 128 give 8 steps per epoch (32 in all: both arms ended
# near chance on the training reviews in the first recording); batches of 32 and 8 epochs give 256.
PRETRAIN_CPU = dict(pretrain_preset="cpu", classifier_preset="cpu", train_size=1000, split_seed=0,
                    seeds=[0, 1, 2], threads=2, classifier_options=dict(batch_size=32, epochs=8))
# words to look up in the word vectors: praise, complaint, a negation, a director, a number, ...
WORD_VECTORS = dict(preset="cpu", seed=0, threads=2, k=6,
                    words=["great", "awful", "boring", "funny", "masterpiece", "disappointing", "hitchcock", "not",
                           "10"],
                    pairs=[["great", "excellent"], ["great", "awful"], ["good", "bad"], ["boring", "dull"],
                           ["funny", "hilarious"], ["funny", "boring"]])
GPU = dict(preset="gpu", seed=0)
PRETRAIN_GPU = dict(pretrain_preset="gpu", classifier_preset="gpu-pretrained", seeds=[0], split_seed=0,
                    variants=["pretrained"])

CURVE_KEYS = ("train_loss", "val_loss", "train_accuracy", "val_accuracy")
#: How each variant of :func:`run_pretrain_experiment` starts its classifier (``init`` is filled in with
#: the language model's folder).
VARIANTS = {"scratch": dict(word_vectors=False), "word-vectors": dict(word_vectors=True),
            "pretrained": dict(word_vectors=False, init=None)}


def _curves(prefix: str, history) -> dict:
    return {f"{prefix}/{key}": [float(v) for v in history[key]] for key in CURVE_KEYS if key in history}


def _headline(metrics: dict) -> dict:
    keep = ("test_accuracy", "val_accuracy", "train_seconds", "train_cpu_seconds", "word_vectors_seconds", "epochs",
            "kept_epoch", "n_train", "n_val", "n_test", "vocab_size", "parameters", "device", "torch_threads")
    return {key: metrics[key] for key in keep if metrics.get(key) is not None}


def resolve_preset_run(config: dict) -> dict:
    """The classifier settings :func:`run_preset` trains with (the preset's values, the seed on top)."""
    from lstm_edu.imdb.train import resolve_config

    return config_values(resolve_config(config["preset"], seed=config["seed"], **config.get("options", {})))


def resolve_pretrain_run(config: dict) -> dict:
    """The settings :func:`run_pretrain_experiment` uses: ``{"pretrain": ..., "classifier": ...}``.

    The classifier's are those of the first seed from scratch (every seed and variant differs only in
    ``seed`` and in how it starts: :data:`VARIANTS`; ``init`` is a temporary folder).
    """
    from lstm_edu.imdb.pretrain import resolve_pretrain_config
    from lstm_edu.imdb.train import resolve_config

    seeds = config.get("seeds", [config.get("seed", 0)])
    split_seed = config.get("split_seed", seeds[0])
    options = dict(seed=seeds[0], split_seed=split_seed, train_size=config.get("train_size"),
                   **config.get("classifier_options", {}), **VARIANTS["scratch"])
    return {"pretrain": config_values(resolve_pretrain_config(config["pretrain_preset"], seed=split_seed)),
            "classifier": config_values(resolve_config(config["classifier_preset"], **options))}


def resolve_word_vectors_run(config: dict) -> dict:
    """The data settings and vector settings :func:`run_word_vectors` uses."""
    from lstm_edu.imdb import word_vectors
    from lstm_edu.imdb.train import DATA_FIELDS, resolve_config

    values = resolve_config(config["preset"], seed=config["seed"])
    return {**{key: getattr(values, key) for key in DATA_FIELDS}, "dim": values.embedding_dim,
            "window": word_vectors.WINDOW, "context_power": word_vectors.CONTEXT_POWER,
            "singular_power": word_vectors.SINGULAR_POWER}


def run_word_vectors(config: dict) -> dict:
    """Count the preset's word vectors as :func:`~lstm_edu.imdb.train.train` does; time it; look words up.

    ``peak_memory_mib`` is the process's peak resident memory before and after the vectors (the
    reviews, tokens and torch already loaded before): the difference is what counting them adds.
    """
    import resource
    import time

    import torch

    from lstm_edu.imdb.train import initial_word_vectors, prepare_data, resolve_config
    from lstm_edu.imdb.word_vectors import nearest_words

    set_threads(config)
    settings = resolve_config(config["preset"], seed=config["seed"])
    prepared = prepare_data(settings)
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024    # MiB (Linux reports KiB)
    started, started_cpu = time.perf_counter(), time.process_time()
    vectors = initial_word_vectors(prepared, settings.embedding_dim, seed=settings.seed)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - started_cpu
    peak_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    vocab, unit = prepared.vocab, torch.nn.functional.normalize(vectors, dim=1)
    neighbours = [[word, ", ".join(f"{other} ({similarity:.2f})"
                                   for other, similarity in nearest_words(vectors, vocab, word, k=config["k"]))]
                  for word in config["words"]]
    cosines = {f"{a}/{b}": float(unit[vocab.stoi[a]] @ unit[vocab.stoi[b]]) for a, b in config["pairs"]}
    metrics = {"seconds": seconds, "cpu_seconds": cpu_seconds, "vocab_size": len(vocab),
               "peak_memory_mib": {"before": round(peak_before), "after": round(peak_after)},
               "with_vector": int((vectors.norm(dim=1) > 0).sum()), "dim": settings.embedding_dim,
               "n_train": len(prepared.train), "cosine": cosines, "torch_threads": torch.get_num_threads()}
    return {"metrics": metrics, "curves": {}, "seeds": [config["seed"]],
            "tables": {"neighbours": {"columns": ["word", f"its {config['k']} nearest words (cosine similarity)"],
                                      "rows": neighbours},
                       "pairs": {"columns": ["pair", "cosine similarity"],
                                 "rows": [[pair, round(value, 3)] for pair, value in cosines.items()]}},
            "notes": f"counted on the 50,000 unlabelled + {len(prepared.train):,} training reviews (never a validation "
                     "or test review), the tokens read from the cache; the seconds are what train() spends before "
                     "its first epoch"}


def _word_vector_table(record):
    table = record.tables["neighbours"]
    return table["columns"], table["rows"]


def run_ngram(config: dict) -> dict:
    from lstm_edu.imdb.ngrams import run_nbsvm

    metrics = run_nbsvm(**config)
    metrics.pop("config", None)
    return {"metrics": metrics, "curves": {}, "seeds": [config["seed"]],
            "notes": "NBSVM-bi with Wang & Manning's settings (C = 1, beta = 0.25, alpha = 1) on this book's "
                     "tokens; n-grams and ratios counted on the training reviews minus the held-out movies"}


def run_preset(config: dict, device: str = "cpu") -> dict:
    from lstm_edu.imdb.train import resolve_config, train

    set_threads(config)
    options = config.get("options", {})
    result = train(resolve_config(config["preset"], seed=config["seed"], **options), device=device,
                   progress=False, verbose=True)
    notes = f"the {config['preset']} preset: {result.config.description}"
    if options:   # the preset's description no longer holds for what the options change: say so last
        notes += "; here overridden: " + ", ".join(f"{key}={value}" for key, value in options.items())
        if options.get("word_vectors") is False:
            notes += " (the embedding starts random)"
    return {"metrics": _headline(result.metrics), "curves": _curves(f"{config['preset']}/seed{config['seed']}",
                                                                    result.history),
            "seeds": [config["seed"]], "notes": notes}


def run_gpu(config: dict) -> dict:
    return run_preset(config, device="cuda")


def run_pretrain_experiment(config: dict, device: str = "cpu") -> dict:
    """Pretrain once, then train the classifier in each variant (:data:`VARIANTS`) for every seed.

    ``config["variants"]`` (default: all of :data:`VARIANTS`, in its order) picks them.
    """
    from lstm_edu.imdb.pretrain import pretrain, resolve_pretrain_config
    from lstm_edu.imdb.train import resolve_config, train

    set_threads(config)
    seeds = config.get("seeds", [config.get("seed", 0)])
    split_seed = config.get("split_seed", seeds[0])
    metrics, curves, rows = {}, {}, []
    with tempfile.TemporaryDirectory(prefix="lstm_edu_lm_") as folder:
        lm = pretrain(resolve_pretrain_config(config["pretrain_preset"], seed=split_seed), out=folder,
                      device=device, verbose=True)
        metrics["language_model"] = {key: lm["metrics"][key] for key in (
            "val_perplexity", "train_perplexity", "unigram_perplexity", "train_seconds", "train_cpu_seconds",
            "tokens_seen", "n_labelled_train", "n_unlabelled", "vocab_size", "device")}
        # "<group>/seed<k>/<quantity>" with "<group>/step" as its x axis: plotted by lstm_edu.records
        curves[f"language-model/seed{split_seed}/val_perplexity"] = lm["history"]["step_val_perplexity"]
        curves["language-model/step"] = lm["history"]["step"]
        curves["language-model/tokens"] = lm["history"]["step_tokens"]
        variants = config.get("variants", list(VARIANTS))
        unknown = sorted(set(variants) - set(VARIANTS))
        if unknown:
            raise ValueError(f"unknown variant(s) {unknown}: choose from {list(VARIANTS)}")
        accuracies = {variant: [] for variant in variants}
        for seed in seeds:
            for variant in variants:
                options = dict(seed=seed, split_seed=split_seed, train_size=config.get("train_size"),
                               **config.get("classifier_options", {}), **VARIANTS[variant])
                if "init" in options:
                    options["init"] = folder
                run = train(resolve_config(config["classifier_preset"], **options), device=device, progress=False,
                            verbose=True)
                accuracies[variant].append(run.metrics["test_accuracy"])
                curves.update(_curves(f"{variant}/seed{seed}", run.history))
                rows.append([variant, seed, run.metrics["test_accuracy"], run.metrics["val_accuracy"],
                             run.metrics["n_train"], run.metrics["train_seconds"]])
    for variant, values in accuracies.items():
        mean, se = mean_and_se(values)
        metrics[variant] = {"test_accuracy_mean": mean, "test_accuracy_se": se, "test_accuracies": values}
    for variant in ("pretrained", "word-vectors"):
        if {"scratch", variant} <= set(accuracies):
            metrics[f"{variant}_minus_scratch"] = metrics[variant]["test_accuracy_mean"] - \
                metrics["scratch"]["test_accuracy_mean"]
    tables = {"runs": {"columns": ["variant", "seed", "test accuracy", "val. accuracy", "training reviews",
                                   "train s"], "rows": rows},
              "samples": {"columns": ["text generated by the forward language model"],
                          "rows": [[sample] for sample in lm["samples"]]}}
    size = f"{config['train_size']:,} labelled training reviews" if config.get("train_size") else "all training reviews"
    return {"metrics": metrics, "curves": curves, "seeds": list(seeds), "tables": tables,
            "notes": f"{size} per seed (the validation split fixed by split seed {split_seed}); the language model "
                     f"read {lm['metrics']['n_unlabelled']:,} unlabelled + {lm['metrics']['n_labelled_train']:,} "
                     "training reviews, never a validation or test review"}


def run_pretrain_gpu(config: dict) -> dict:
    return run_pretrain_experiment(config, device="cuda")


register("imdb-ngram", run=run_ngram, config=NGRAM, chapter=7, title="IMDB: NBSVM-bi, the bag-of-n-grams baseline",
         description="Wang & Manning's NBSVM on unigrams + bigrams, trained in minutes on a CPU")
register("imdb-word-vectors", run=run_word_vectors, config=WORD_VECTORS, resolve=resolve_word_vectors_run, chapter=7,
         table=_word_vector_table, title="IMDB: word vectors counted on the unlabelled reviews",
         description="PPMI + truncated SVD of co-occurrence counts (lstm_edu.imdb.word_vectors), the cpu preset's "
                     "vocabulary and embedding size: how long it takes and which words end up close")
register("imdb-cpu", run=run_preset, config=CPU, resolve=resolve_preset_run, chapter=7,
         title="IMDB: the cpu preset on all reviews",
         description="the cpu preset (BiLSTM, max pooling) on 22,500 training reviews, 2 CPU threads")
register("imdb-cpu-random-embedding", run=run_preset, config=CPU_RANDOM_EMBEDDING, resolve=resolve_preset_run,
         chapter=7, title="IMDB: the cpu preset from a random embedding",
         description="the cpu preset with word_vectors=False: the same run as imdb-cpu but for the embedding's "
                     "start, 2 CPU threads")
register("imdb-pretrain-cpu", run=run_pretrain_experiment, config=PRETRAIN_CPU, resolve=resolve_pretrain_run,
         chapter=7,
         title="IMDB: language-model pretraining with 1,000 labels",
         description="1,000 labelled reviews, three seeds: from scratch, from word vectors and fine-tuned "
                     "from a language model, both learned from unlabelled + training reviews (CPU scale)")
register("imdb-gpu", run=run_gpu, config=GPU, resolve=resolve_preset_run, chapter=7, device="cuda",
         title="IMDB: the gpu preset",
         description="a wide supervised BiLSTM with max pooling over whole reviews, one GPU")
register("imdb-pretrain-gpu", run=run_pretrain_gpu, config=PRETRAIN_GPU, resolve=resolve_pretrain_run, chapter=7,
         device="cuda",
         title="IMDB: pretraining and fine-tuning on one GPU",
         description="a forward + backward language model on 72,500 reviews, then the gpu-pretrained classifier")
