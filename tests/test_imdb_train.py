"""Training runs on a synthetic tree: presets, run folder, safe checkpoints, prediction."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from imdb_synthetic import make_tree
from lstm_edu.imdb import train as train_module
from lstm_edu.imdb.predict import SentimentPredictor
from lstm_edu.imdb.text import Vocab
from lstm_edu.imdb.train import PRESETS, TrainConfig, resolve_config, save_run, train

torch.set_num_threads(1)
METRIC_KEYS = {"test_accuracy", "train_seconds", "device", "model", "epochs", "n_train", "n_test"}


def tiny(**overrides) -> TrainConfig:
    values = dict(model="lstm", epochs=6, limit=None, embedding_dim=16, hidden_size=16, batch_size=8, lr=1e-2,
                  vocab_size=200, min_freq=1, val_fraction=0.25, patience=None)
    values.update(overrides)
    return resolve_config("quick", **values)


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("imdb_run")
    root = make_tree(base / "src", n_per_class=24)
    result = train(tiny(), root, out=base / "run", cache_dir=base / "cache", device="cpu", progress=False)
    return result


def test_presets_are_documented_and_valid():
    for name in PRESETS:
        config = resolve_config(name)
        assert config.preset == name and config.description
        assert f"\n{name} " in train_module.__doc__, f"preset {name} is missing from the table in the docstring"
    assert resolve_config("cpu", epochs=3, lr=None).epochs == 3
    assert resolve_config("cpu", lr=None).lr == PRESETS["cpu"]["lr"]
    with pytest.raises(ValueError, match="preset"):
        resolve_config("tpu")
    with pytest.raises(TypeError, match="unknown"):
        resolve_config("cpu", learning_rate=0.1)
    for bad in ({"model": "cnn"}, {"epochs": 0}, {"limit": 2}, {"val_fraction": 1.0}, {"lr": 0}):
        with pytest.raises(ValueError):
            resolve_config("cpu", **bad)


@pytest.mark.parametrize("bad", [
    {"pooling": "median"}, {"truncate": "middle"}, {"max_len": 0}, {"max_len": -5}, {"dropout": 1.5},
    {"embedding_dropout": float("nan")}, {"num_outputs": 3}, {"lr": float("inf")}, {"weight_decay": -1.0},
    {"clip_norm": 0.0}, {"patience": 0}, {"amp": "fp8"}, {"vocab_size": 1},
])
def test_a_bad_configuration_fails_before_any_data_are_read(bad):
    """These used to be accepted, then fail after tokenising (or, like truncate or amp on a CPU, be ignored)."""
    name = next(iter(bad))
    with pytest.raises(ValueError, match=name):
        resolve_config("quick", **bad)


def test_output_helpers_check_their_arguments():
    with pytest.raises(ValueError, match="num_outputs"):
        train_module.loss_function(3)
    with pytest.raises(ValueError, match=r"\(B, 2\)"):  # three scores used to give softmax[:, 1] silently
        train_module.positive_probability(torch.randn(4, 3))


def test_training_learns_the_synthetic_task(finished_run):
    metrics = finished_run.metrics
    assert METRIC_KEYS <= set(metrics)
    assert metrics["test_accuracy"] >= 0.85, metrics
    assert metrics["n_test"] == 48 and metrics["n_train"] + metrics["n_val"] == 48
    assert metrics["device"].startswith("cpu") and metrics["model"] == "lstm"
    assert metrics["epochs"] == len(finished_run.history) == 6
    assert len(finished_run.test_probabilities) == 48


def test_the_run_folder_holds_everything(finished_run):
    out = finished_run.out
    on_disk = json.loads((out / "metrics.json").read_text(encoding="utf-8"))
    assert on_disk["test_accuracy"] == finished_run.metrics["test_accuracy"]
    assert on_disk["config"]["model"] == "lstm"
    history = json.loads((out / "history.json").read_text(encoding="utf-8"))
    assert len(history["records"]) == 6 and "val_accuracy" in history["records"][0]
    assert Vocab.load(out / "vocab.json") == finished_run.prepared.vocab
    payload = torch.load(out / "model.pt", weights_only=True)
    assert payload["format"] == train_module.CHECKPOINT_FORMAT and payload["model_config"]["cell"] == "lstm"
    assert (out / "training.pt").is_file()
    assert not list(out.glob(".*tmp")), "no temporary files may remain"


def test_the_saved_model_predicts_like_the_trained_one(finished_run):
    predictor = SentimentPredictor.load(finished_run.out)
    assert predictor.predict("A great, wonderful film, I loved it!")[0] == "positive"
    assert predictor.predict("Awful and boring, the worst waste of time.")[0] == "negative"
    label, probability = predictor.predict("the plot of this movie")
    assert label in {"positive", "negative"} and 0.5 <= probability <= 1
    texts = [finished_run.prepared.corpus.text(finished_run.prepared.test, i, "test") for i in range(5)]
    expected = finished_run.test_probabilities[:5]
    torch.testing.assert_close(torch.tensor(predictor.probabilities(texts)), torch.tensor(expected),
                               rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="no words"):
        predictor.predict("... !!! ...".replace("!", ","))
    with pytest.raises(TypeError):
        predictor.probabilities("one string")


def test_loading_checks_the_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="run folder"):
        SentimentPredictor.load(tmp_path)
    (tmp_path / "model.pt").write_bytes(b"")
    torch.save({"format": "something else"}, tmp_path / "model.pt")
    Vocab.build([["a"]]).save(tmp_path / "vocab.json")
    with pytest.raises(ValueError, match="not a model"):
        SentimentPredictor.load(tmp_path / "model.pt")
    torch.save({"format": train_module.CHECKPOINT_FORMAT, "train_config": {}}, tmp_path / "model.pt")
    with pytest.raises(ValueError, match="incomplete"):  # used to be a KeyError
        SentimentPredictor.load(tmp_path)


def test_a_corrupt_or_partial_run_folder_gives_a_clear_error(finished_run, tmp_path):
    out = tmp_path / "copy"
    result = finished_run
    save_run(out, result.model, result.prepared.vocab, result.config, result.history, result.metrics)
    model_bytes, vocab_bytes = (out / "model.pt").read_bytes(), (out / "vocab.json").read_bytes()
    for broken in (b"", b"junk", model_bytes[: len(model_bytes) // 2]):  # junk used to raise struct.error
        (out / "model.pt").write_bytes(broken)
        with pytest.raises(ValueError, match="corrupt or only partly written"):
            SentimentPredictor.load(out)
    (out / "model.pt").write_bytes(model_bytes)
    (out / "vocab.json").write_bytes(vocab_bytes[: len(vocab_bytes) // 2])
    with pytest.raises(ValueError, match="corrupt or only partly written"):
        SentimentPredictor.load(out)


def test_predictor_checks_its_settings(finished_run):
    vocab = finished_run.prepared.vocab
    with pytest.raises(ValueError, match="truncate"):  # "middle" used to mean "tail" silently
        SentimentPredictor(finished_run.model, vocab, max_len=5, truncate="middle")
    with pytest.raises(ValueError, match="max_len"):  # -1 used to drop the last word silently
        SentimentPredictor(finished_run.model, vocab, max_len=-1)
    with pytest.raises(TypeError, match="Vocab"):
        SentimentPredictor(finished_run.model, vocab.itos)


def test_a_failed_save_leaves_the_previous_checkpoint_intact(finished_run, tmp_path, monkeypatch):
    out = tmp_path / "copy"
    result = finished_run
    save_run(out, result.model, result.prepared.vocab, result.config, result.history, result.metrics)
    before = (out / "model.pt").read_bytes()

    def broken_save(obj, stream, *args, **kwargs):
        stream.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_run(out, result.model, result.prepared.vocab, result.config, result.history, result.metrics)
    assert (out / "model.pt").read_bytes() == before
    assert sorted(p.name for p in out.iterdir()) == ["history.json", "metrics.json", "model.pt", "vocab.json"]
    monkeypatch.undo()
    assert SentimentPredictor.load(out).predict("great wonderful")[0] == "positive"


class Payload:
    """An arbitrary Python object: torch.load(weights_only=True) must refuse to unpickle it."""


def test_checkpoints_refuse_arbitrary_pickles(tmp_path):
    torch.save({"format": train_module.CHECKPOINT_FORMAT, "evil": Payload()}, tmp_path / "model.pt")
    Vocab.build([["a"]]).save(tmp_path / "vocab.json")
    with pytest.raises(Exception, match="(?i)weights_only|unsupported|global"):
        SentimentPredictor.load(tmp_path)


def test_two_outputs_and_early_stopping(tmp_path):
    root = make_tree(tmp_path / "src", n_per_class=12)
    result = train(tiny(num_outputs=2, model="bigru", pooling="mean", epochs=3, patience=1), root,
                   cache_dir=tmp_path / "cache", device="cpu", progress=False)
    assert result.metrics["model"] == "bigru" and 1 <= result.metrics["epochs"] <= 3
    assert result.out is None and result.test_probabilities.shape == (24,)
    with pytest.raises(TypeError, match="TrainConfig"):
        train({"model": "lstm"}, root)


def test_prepared_data_are_reused_only_for_the_same_data_settings(finished_run):
    prepared, config = finished_run.prepared, finished_run.config
    again = train(dataclasses.replace(config, model="bow", epochs=1), prepared=prepared, device="cpu",
                  progress=False)
    assert again.metrics["model"] == "bow" and again.metrics["n_test"] == 48
    with pytest.raises(ValueError, match="max_len"):
        train(dataclasses.replace(config, max_len=5), prepared=prepared, progress=False)


def _validation_accuracy_of(result) -> float:
    """The validation accuracy of the model that ``train`` returned, measured again."""
    _, val_loader, _ = train_module.make_loaders(result.prepared, result.config)
    probabilities = train_module.evaluate_probabilities(result.model, val_loader, torch.device("cpu"))
    return float(((probabilities > 0.5) == (result.prepared.val.labels == 1)).mean())


def test_val_accuracy_is_that_of_the_kept_weights(finished_run, tmp_path):
    # without early stopping the model keeps the last epoch's weights, whatever an earlier epoch scored
    metrics, history = finished_run.metrics, finished_run.history
    assert metrics["kept_epoch"] == len(history) == 6 and metrics["best_epoch"] is None
    assert metrics["val_accuracy"] == history["val_accuracy"][-1]
    assert metrics["val_accuracy"] == pytest.approx(_validation_accuracy_of(finished_run), abs=1e-9)
    # with early stopping, fit restores the best epoch's weights, and the metrics follow them
    root = make_tree(tmp_path / "src", n_per_class=12)
    stopped = train(tiny(epochs=4, patience=1), root, cache_dir=tmp_path / "cache", device="cpu", progress=False)
    best = stopped.history.best_epoch
    assert stopped.metrics["kept_epoch"] == best
    assert stopped.metrics["val_accuracy"] == max(stopped.history["val_accuracy"])
    assert stopped.metrics["val_accuracy"] == pytest.approx(_validation_accuracy_of(stopped), abs=1e-9)


def test_val_accuracy_is_not_the_best_epoch_when_no_weights_are_restored(tmp_path, monkeypatch):
    from lstm_edu.nets.history import History

    def fake_fit(model, *args, **kwargs):   # an earlier epoch scored higher than the last one
        return History([{"epoch": 1, "val_accuracy": 0.9}, {"epoch": 2, "val_accuracy": 0.6}])

    monkeypatch.setattr(train_module, "fit", fake_fit)
    root = make_tree(tmp_path / "src", n_per_class=4)
    result = train(tiny(epochs=2), root, cache_dir=tmp_path / "cache", device="cpu", progress=False)
    assert result.metrics["val_accuracy"] == 0.6 and result.metrics["kept_epoch"] == 2
