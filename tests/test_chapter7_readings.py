"""Chapter 7 draws conclusions from its records in words; these tests fail when a re-recorded run no
longer supports the words, naming the sentence to rewrite."""

from __future__ import annotations

import math
from pathlib import Path

import nbformat
import pytest

from lstm_edu import records
from lstm_edu.records.storage import record_path

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ROOT / "notebooks" / "07_capstone_imdb.ipynb"


def _markdown() -> str:
    """The chapter's text cells, with every run of white space made one space."""
    text = " ".join(c.source for c in nbformat.read(CHAPTER, as_version=4).cells if c.cell_type == "markdown")
    return " ".join(text.split())


def _metrics(name: str) -> dict:
    if not record_path(name).is_file():
        pytest.skip(f"{name} is not recorded (the chapter shows a placeholder instead of a reading)")
    return records.load(name).metrics


def test_the_cpu_preset_reading_holds():
    lstm, ngram = _metrics("imdb-cpu"), _metrics("imdb-ngram")
    sentence = "It is level with the bag of n-grams, not above it."
    text = _markdown()
    assert (sentence in text and "comes within a fraction of a point of NBSVM, less than the test set's sampling "
            "noise (one seed): level with it, not above it" in text), (
        "chapter 7's reading of the imdb-cpu record (At full size, Summary) has changed: update this test")
    gap = ngram["test_accuracy"] - lstm["test_accuracy"]
    se = math.sqrt(sum(m["test_accuracy"] * (1 - m["test_accuracy"]) / m["n_test"] for m in (lstm, ngram)))
    where = f"chapter 7 says '{sentence}' (a fraction of a point below, less than one standard error)"
    assert 0 <= gap < se and gap < 0.01, f"{where}, but NBSVM-bi minus imdb-cpu is {100 * gap:.2f} points ({gap / se:.1f} SE)"
    assert lstm["test_accuracy"] >= 0.89, f"chapter 7 says the cpu preset reached 89%; it has {lstm['test_accuracy']:.2%}"
    assert lstm["train_seconds"] < 15 * 60, "chapter 7 says the cpu preset trained in less than its 15 minutes"
    assert "trains for two epochs" in text and lstm["epochs"] == 2


def test_the_word_vectors_reading_holds():
    metrics = _metrics("imdb-word-vectors")
    text = _markdown()
    assert ("*great* is far nearer *excellent* than *awful*, but *good* is nearly as near *bad* as *great* is to "
            "*excellent*" in text
            and "*10* lands among the other numbers, *1*" in text and "take half a minute" in text), (
        "chapter 7's reading of imdb-word-vectors has changed: update this test")
    cosine = metrics["cosine"]
    assert cosine["good/bad"] > 0.6 and abs(cosine["good/bad"] - cosine["great/excellent"]) < 0.1, (
        f"chapter 7 says good/bad are nearly as alike as great/excellent: {cosine}")
    assert cosine["great/awful"] < cosine["great/excellent"] - 0.2, cosine
    rows = dict(records.load("imdb-word-vectors").tables["neighbours"]["rows"])
    assert " 1 (" in " " + rows["10"] or rows["10"].startswith("1 ("), f"chapter 7 says 1 is among 10's neighbours: {rows['10']}"
    for word, expected in (("awful", ("terrible", "horrible", "dreadful")), ("funny", ("amusing", "hilarious"))):
        assert all(f"{w} (" in rows[word] for w in expected), f"chapter 7 names {expected} next to {word}: {rows[word]}"
    assert "kurosawa" in rows["hitchcock"], "chapter 7 says Hitchcock lands among other directors"
    assert 20 < metrics["seconds"] < 45, f"chapter 7's summary says half a minute: {metrics['seconds']:.0f} s"


def test_the_pretraining_reading_holds():
    record = _metrics("imdb-pretrain-cpu")
    sentence = "The word vectors help a great deal"
    text = _markdown()
    assert (sentence in text and "The language model does the opposite" in text
            and "it leaves the classifier worse than a random start, while the word vectors" in text), (
        "chapter 7's reading of imdb-pretrain-cpu (pretraining section, Summary) has changed: update this test")
    lm, scratch, vectors, pretrained = (record[key] for key in ("language_model", "scratch", "word-vectors",
                                                                "pretrained"))
    where = "chapter 7 says (in the paragraphs starting 'With 1,000 labelled reviews')"
    ratio = lm["val_perplexity"] / lm["unigram_perplexity"]
    assert 0.6 < ratio < 1, f"{where} that the LM is only a little below the unigram model; ratio {ratio:.2f}"
    assert max(pretrained["test_accuracies"]) < min(scratch["test_accuracies"]), (
        f"{where} that every pretrained seed ends below every seed from scratch: {record}")
    assert min(vectors["test_accuracies"]) > max(scratch["test_accuracies"]) + 0.05, (
        f"{where} that every seed from word vectors ends far above every seed from scratch: {record}")
    curves = records.load("imdb-pretrain-cpu").curves
    seeds = records.load("imdb-pretrain-cpu").seeds
    scratch_runs = [(len(curves[f"scratch/seed{s}/val_accuracy"]), curves[f"scratch/seed{s}/train_accuracy"][-1])
                    for s in seeds]
    assert all(n in (5, 6) and train < 0.8 for n, train in scratch_runs), (
        f"{where} that the random starts stopped after five or six epochs, far from fitting: {scratch_runs}")
    assert "In one seed early stopping even ended the run after three epochs and kept the first" in text
    kept_first = [s for s in seeds if len(curves[f"pretrained/seed{s}/val_accuracy"]) == 3
                  and max(curves[f"pretrained/seed{s}/val_accuracy"]) == curves[f"pretrained/seed{s}/val_accuracy"][0]]
    assert len(kept_first) == 1, f"{where} that one pretrained seed stopped after three epochs and kept the first"
    assert "It read 1.5 million tokens" in text and round(lm["tokens_seen"] / 1e6, 1) == 1.5


def _fixed_minus_buggy(metrics: dict) -> tuple[float, float]:
    """Fixed minus buggy test accuracy, in points and in standard errors (unpaired)."""
    buggy, fixed = metrics["buggy"], metrics["fixed"]
    gap = fixed["test_accuracy"] - buggy["test_accuracy"]
    return 100 * gap, gap / math.hypot(fixed["test_se"], buggy["test_se"])


def test_the_system_a_reading_holds():
    metrics = _metrics("imdb-system-a")
    curves = records.load("imdb-system-a").curves
    text = _markdown()
    assert ("System A's bug is decisive" in text and "its training loss stays at ln 2" in text
            and "already far above chance after its first epoch" in text and "for one of the article's ten epochs" in text), (
        "chapter 7's reading of imdb-system-a has changed: update this test")
    buggy, fixed = metrics["buggy"], metrics["fixed"]
    assert buggy["epochs"] == 1 and fixed["epochs"] == metrics["sizes"]["article_epochs"] == 10
    losses = curves["buggy/seed0/batch_loss_mean25"]
    assert all(abs(v - math.log(2)) < 0.01 for v in losses), f"chapter 7 says buggy A's loss stays at ln 2: {losses}"
    assert abs(buggy["test_accuracy"] - 0.5) < 0.02, f"chapter 7 says buggy A scores at chance on test: {buggy}"
    assert 0.5 < buggy["val_accuracy"] < 0.56, (
        f"chapter 7 says buggy A scores about the positive share of the validation reviews (53.6%): {buggy}")
    assert curves["fixed/seed0/val_accuracy"][0] > 0.7, "chapter 7 says fixed A is far above chance after one epoch"
    assert ("validation loss is lowest after a few epochs and more than doubles by the last" in text
            and "its last epoch is not its best one on validation" in text), (
        "chapter 7's reading of fixed A's overfitting has changed: update this test")
    val_loss, val_accuracy = curves["fixed/seed0/val_loss"], curves["fixed/seed0/val_accuracy"]
    assert curves["fixed/seed0/train_accuracy"][-1] > 0.99, "chapter 7 says fixed A fits its training reviews"
    assert val_loss.index(min(val_loss)) < 5 and val_loss[-1] > 2 * min(val_loss), val_loss
    assert val_accuracy[-1] < max(val_accuracy), val_accuracy
    points, se = _fixed_minus_buggy(metrics)
    assert points > 20 and se > 20, f"chapter 7 says the fix wins by a wide margin: {points:.1f} points, {se:.1f} SE"


def test_the_system_d_reading_holds():
    metrics = _metrics("imdb-system-d")
    curves = records.load("imdb-system-d").curves
    text = _markdown()
    assert ("it is behind the fix on validation after each of the first two epochs) but ends level with it" in text
            and "differ by about one standard error, the buggy model slightly ahead" in text
            and "starts slower but ends level with the fix" in text
            and "Padding is a small share of the positions this loss averages over" in text), (
        "chapter 7's reading of imdb-system-d has changed: update this test")
    points, se = _fixed_minus_buggy(metrics)
    assert points < 0 and -2 < se < 0, f"chapter 7 says buggy D ends level, slightly ahead: {points:.2f} points, {se:.1f} SE"
    pairs = list(zip(curves["fixed/seed0/val_accuracy"], curves["buggy/seed0/val_accuracy"]))
    assert len(pairs) == 5 and all(f > b for f, b in pairs[:2]), f"chapter 7 says buggy D is behind after two epochs: {pairs}"
    assert metrics["buggy"]["padding_share"] < 0.05, "chapter 7 says padding takes little of buggy D's loss"


def test_the_random_embedding_reading_holds():
    vectors, random_start = _metrics("imdb-cpu"), _metrics("imdb-cpu-random-embedding")
    sentence = "from a random embedding, the same run is behind after each epoch and ends several points lower"
    text = _markdown()
    assert sentence in text and "From a random embedding the same run ends several points lower." in text, (
        "chapter 7's reading of imdb-cpu-random-embedding (At full size, Summary) has changed: update this test")
    gain = vectors["test_accuracy"] - random_start["test_accuracy"]
    se = math.sqrt(sum(m["test_accuracy"] * (1 - m["test_accuracy"]) / m["n_test"] for m in (vectors, random_start)))
    assert gain > 0.02 and gain / se > 5, f"chapter 7 says '{sentence}, many standard errors': {gain:.4f}, {gain / se:.1f} SE"
    curves = [records.load(name).curves["cpu/seed0/val_accuracy"] for name in ("imdb-cpu", "imdb-cpu-random-embedding")]
    assert all(a > b for a, b in zip(*curves)), f"chapter 7 says the random start is behind after each epoch: {curves}"
