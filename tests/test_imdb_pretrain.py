"""Language-model pretraining and fine-tuning (train --init) at tiny scale, on synthetic reviews."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
import torch

from imdb_synthetic import make_tree, review_text
from lstm_edu.imdb.__main__ import main
from lstm_edu.imdb.finetune import FineTuneSchedule, parameter_groups, transfer_weights
from lstm_edu.imdb.models import build_model
from lstm_edu.imdb.pretrain import (LM_FILE, VOCAB_FILE, LanguageModel, chunk_sequences, load_language_model,
                                    prepare_pretrain_data, pretrain, resolve_pretrain_config, reverse_padded)
from lstm_edu.imdb.train import resolve_config, train

torch.set_num_threads(1)
SECRET_TEST, SECRET_VAL = "zzzonlyintest", "zzzonlyinvalidation"


def add_unlabelled(root, n: int = 40, seed: int = 1) -> None:
    rng = np.random.default_rng(seed)
    folder = root / "train" / "unsup"
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"{i}_0.txt").write_text(review_text(int(rng.integers(0, 2)), rng), encoding="utf-8")


def tiny_pretrain(**overrides):
    values = dict(vocab_size=200, min_freq=1, embedding_dim=12, hidden_size=16, bptt=12, batch_size=8, lr=1e-2,
                  epochs=3, unlabelled_limit=None, limit=None, max_train_tokens=None, val_fraction=0.25, eval_every=5)
    values.update(overrides)
    return resolve_pretrain_config("quick", **values)


def tiny_classifier(init, **overrides):
    values = dict(model="bilstm", epochs=3, limit=None, embedding_dim=12, hidden_size=16, batch_size=8, lr=1e-2,
                  vocab_size=200, min_freq=1, val_fraction=0.25, patience=None, init=str(init) if init else None)
    values.update(overrides)
    return resolve_config("quick", **values)


@pytest.fixture(scope="module")
def tree(tmp_path_factory):
    base = tmp_path_factory.mktemp("imdb_pretrain")
    root = make_tree(base / "src", n_per_class=24)
    add_unlabelled(root)
    (root / "test" / "pos" / "0_9.txt").write_text(f"great {SECRET_TEST} film", encoding="utf-8")
    return base, root


@pytest.fixture(scope="module")
def pretrained(tree):
    base, root = tree
    result = pretrain(tiny_pretrain(), root=root, out=base / "lm", cache_dir=base / "cache", device="cpu")
    return base / "lm", result


def test_reverse_padded_reverses_only_the_real_tokens():
    ids = torch.tensor([[5, 6, 7, 0], [8, 9, 0, 0]])
    assert reverse_padded(ids, torch.tensor([3, 2])).tolist() == [[7, 6, 5, 0], [9, 8, 0, 0]]


def test_language_model_counts_every_next_word_once_per_direction_and_ignores_padding():
    torch.manual_seed(0)
    lm = LanguageModel(30, embedding_dim=8, hidden_size=6, dropout=0.0, embedding_dropout=0.0).eval()
    assert lm.decoder.weight is lm.embedding.weight and lm.projection is not None   # tied through a projection
    ids, lengths = torch.tensor([[3, 4, 5, 6], [7, 8, 0, 0]]), torch.tensor([4, 2])
    nll, count = lm.loss(ids, lengths)
    assert count == 2 * ((4 - 1) + (2 - 1)) and torch.isfinite(nll)
    other_padding = ids.clone()
    other_padding[1, 2:] = 9
    assert torch.allclose(lm.loss(other_padding, lengths)[0], nll), "padding must not change the loss"
    one, _ = lm.loss(ids[1:, :2], lengths[1:])
    two, _ = lm.loss(ids[:1], lengths[:1])
    assert torch.allclose(one + two, nll, atol=1e-5), "each review's words are predicted on their own"
    with pytest.raises(ValueError, match="token ids"):
        lm.loss(torch.tensor([[3, 99]]), torch.tensor([2]))


def test_language_model_learns_a_repeating_pattern_in_both_directions():
    torch.manual_seed(0)
    lm = LanguageModel(8, embedding_dim=8, hidden_size=16, dropout=0.0, embedding_dropout=0.0)
    optimizer = torch.optim.Adam(lm.parameters(), lr=2e-2)
    ids = torch.tensor([[2, 3, 4, 5, 6, 7] * 3] * 4)
    lengths = torch.full((4,), ids.shape[1])
    for _ in range(150):
        optimizer.zero_grad()
        nll, count = lm.loss(ids, lengths)
        (nll / count).backward()
        optimizer.step()
    nll, count = lm.loss(ids, lengths)
    assert float(torch.exp(nll.detach() / count)) < 1.2, "a deterministic sequence is predictable forwards and backwards"


def test_max_train_tokens_ends_an_epoch_early(tree, tmp_path):
    base, root = tree
    short = pretrain(tiny_pretrain(epochs=1, max_train_tokens=50), root=root, cache_dir=base / "cache", device="cpu")
    assert 50 <= short["history"]["tokens"][-1] < 50 + 8 * 12, "stops after the batch that passes the budget"


def test_chunks_cover_each_review_and_drop_single_words():
    chunks = chunk_sequences([np.arange(7), np.arange(1)], bptt=3)
    assert [c.tolist() for c in chunks] == [[0, 1, 2], [3, 4, 5]], "the lone last word has nothing to predict"
    with pytest.raises(ValueError, match="bptt"):
        chunk_sequences([np.arange(5)], bptt=1)


def test_pretraining_reads_neither_test_nor_validation_reviews(tree):
    base, root = tree
    config = tiny_pretrain()
    prepared = prepare_pretrain_data(config, root=root, cache_dir=base / "cache")
    assert SECRET_TEST not in prepared.vocab
    assert prepared.n_unlabelled == 40 and prepared.n_labelled + prepared.n_val == 48
    # the validation reviews are the classifier's: same split for the same seed and fraction
    from lstm_edu.imdb.train import prepare_data

    classifier = prepare_data(tiny_classifier(None), root=root, cache_dir=base / "cache")
    assert len(classifier.val) == prepared.n_val
    val_words = {w for seq in classifier.val_sequences for w in classifier.vocab.decode(seq)}
    train_words = {w for seq in classifier.train_sequences for w in classifier.vocab.decode(seq)}
    assert val_words <= train_words | set(prepared.vocab.itos)
    with pytest.raises(Exception, match="unsup"):
        prepare_pretrain_data(config, root=make_tree(base / "no_unsup", n_per_class=4), cache_dir=base / "cache")


def test_pretraining_learns_and_writes_a_loadable_model(pretrained):
    folder, result = pretrained
    history, metrics = result["history"], result["metrics"]
    assert history["val_perplexity"][-1] < history["val_perplexity"][0] or len(history["val_perplexity"]) == 1
    # the synthetic reviews are random filler around cue words: little beyond word frequencies to learn
    assert metrics["val_perplexity"] < 0.95 * len(result["vocab"]), metrics
    assert metrics["unigram_perplexity"] < len(result["vocab"])
    assert len(history["step"]) == len(history["step_val_perplexity"]) > 1 and history["step"][0] == 5
    for name in (LM_FILE, VOCAB_FILE, "metrics.json", "history.json", "samples.txt"):
        assert (folder / name).is_file(), name
    assert json.loads((folder / "metrics.json").read_text())["n_unlabelled"] == 40
    assert result["samples"][0].startswith("this movie was ") and len(result["samples"][0].split()) == 33
    model, vocab, payload = load_language_model(folder)
    assert vocab == result["vocab"] and payload["split"] == {"limit": 3000, "seed": 0, "val_fraction": 0.25}
    for key, value in result["model"].state_dict().items():
        assert torch.equal(model.state_dict()[key], value), key


def test_a_corrupt_or_mismatched_checkpoint_gets_a_clear_error(pretrained, tmp_path):
    folder, _ = pretrained
    import shutil

    broken = tmp_path / "broken"
    shutil.copytree(folder, broken)
    data = (broken / LM_FILE).read_bytes()
    (broken / LM_FILE).write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="corrupt"):
        load_language_model(broken)
    other = tmp_path / "other_vocab"
    shutil.copytree(folder, other)
    vocab = json.loads((other / VOCAB_FILE).read_text())
    vocab["itos"] = vocab["itos"][:-1]
    (other / VOCAB_FILE).write_text(json.dumps(vocab))
    with pytest.raises(ValueError, match="do not belong together"):
        load_language_model(other)
    (other / VOCAB_FILE).write_text("{not json")
    with pytest.raises(ValueError, match="vocabulary"):
        load_language_model(other)
    (other / VOCAB_FILE).unlink()
    with pytest.raises(FileNotFoundError, match="vocab"):
        load_language_model(other)
    with pytest.raises(FileNotFoundError, match="pretrain"):
        load_language_model(tmp_path / "nowhere")


def test_transfer_copies_both_directions_and_refuses_other_sizes(pretrained):
    folder, _ = pretrained
    lm, vocab, _ = load_language_model(folder)
    classifier = build_model("bilstm", len(vocab), embedding_dim=12, hidden_size=16)
    copied = transfer_weights(classifier, lm)
    assert "rnn.weight_hh_l0_reverse" in copied
    assert torch.equal(classifier.embedding.weight, lm.embedding.weight)
    assert torch.equal(classifier.rnn.weight_ih_l0, lm.rnn.weight_ih_l0)
    assert torch.equal(classifier.rnn.weight_ih_l0_reverse, lm.rnn_backward.weight_ih_l0)
    with pytest.raises(ValueError, match="hidden_size: classifier 8, language model 16"):
        transfer_weights(build_model("bilstm", len(vocab), embedding_dim=12, hidden_size=8), lm)
    with pytest.raises(ValueError, match="LSTM classifier"):
        transfer_weights(build_model("bigru", len(vocab), embedding_dim=12, hidden_size=16), lm)
    forward_only = LanguageModel(len(vocab), embedding_dim=12, hidden_size=16, bidirectional=False)
    with pytest.raises(ValueError, match="bidirectional language model"):
        transfer_weights(classifier, forward_only)


def test_schedule_gives_discriminative_rates_and_unfreezes_one_group_per_epoch():
    model = build_model("bilstm", 50, embedding_dim=4, hidden_size=4)
    optimizer = torch.optim.Adam(parameter_groups(model, 1e-2, 2.0))
    schedule = FineTuneSchedule(optimizer, decay=0.5)
    assert schedule.learning_rates() == {"head": 1e-2, "rnn": 0.0, "embedding": 0.0}
    schedule.step()
    assert schedule.learning_rates() == {"head": 5e-3, "rnn": 2.5e-3, "embedding": 0.0}
    schedule.step()
    assert schedule.learning_rates() == pytest.approx({"head": 2.5e-3, "rnn": 1.25e-3, "embedding": 6.25e-4})
    again = FineTuneSchedule(torch.optim.Adam(parameter_groups(model, 1e-2, 2.0)), decay=0.5)
    again.load_state_dict(schedule.state_dict())
    assert again.learning_rates() == schedule.learning_rates()
    with pytest.raises(ValueError, match="parameter groups"):
        FineTuneSchedule(torch.optim.Adam(model.parameters()))


def test_fine_tuning_starts_from_the_language_model_and_keeps_frozen_layers(pretrained, tree):
    folder, _ = pretrained
    base, root = tree
    lm, _, _ = load_language_model(folder)
    one_epoch = train(tiny_classifier(folder, epochs=1), root=root, cache_dir=base / "cache", device="cpu",
                      progress=False)
    assert one_epoch.prepared.vocab == load_language_model(folder)[1], "the language model's vocabulary is used"
    assert torch.equal(one_epoch.model.embedding.weight, lm.embedding.weight), "epoch 1 trains the head only"
    assert torch.equal(one_epoch.model.rnn.weight_hh_l0, lm.rnn.weight_hh_l0)
    result = train(tiny_classifier(folder, epochs=8), root=root, cache_dir=base / "cache", device="cpu",
                   progress=False)
    assert not torch.equal(result.model.embedding.weight, lm.embedding.weight), "epoch 3 trains the embedding"
    assert result.metrics["test_accuracy"] >= 0.8 and result.metrics["config"]["init"] == str(folder)


def test_fine_tuning_refuses_another_split_or_other_sizes(pretrained, tree):
    folder, _ = pretrained
    base, root = tree
    with pytest.raises(ValueError, match="another split.*seed"):
        train(tiny_classifier(folder, seed=3), root=root, cache_dir=base / "cache", device="cpu", progress=False)
    with pytest.raises(ValueError, match="different sizes"):
        train(tiny_classifier(folder, hidden_size=8), root=root, cache_dir=base / "cache", device="cpu",
              progress=False)
    with pytest.raises(ValueError, match="init"):
        tiny_classifier(folder, model="gru")


def test_train_size_keeps_a_subset_of_the_training_reviews_only(tree):
    base, root = tree
    from lstm_edu.imdb.train import prepare_data

    full = prepare_data(tiny_classifier(None), root=root, cache_dir=base / "cache")
    few = prepare_data(dataclasses.replace(tiny_classifier(None), train_size=10), root=root, cache_dir=base / "cache")
    assert len(few.train) == 10 and len(few.val) == len(full.val) and len(few.test) == len(full.test)
    assert set(few.train.file_ids.tolist()) <= set(full.train.file_ids.tolist()) | set(range(100))


def test_command_line_pretrain_then_train_init(tree, tmp_path, capsys, monkeypatch):
    base, root = tree
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))   # the command line caches tokens there
    lm_dir = tmp_path / "lm"
    assert main(["pretrain", "--data", str(root), "--out", str(lm_dir), "--preset", "quick", "--limit", "48",
                 "--vocab-size", "200", "--embedding-dim", "12", "--hidden-size", "16", "--epochs", "1",
                 "--device", "cpu", "--threads", "1", "--quiet"]) == 0
    assert "train --init" in capsys.readouterr().out
    assert main(["train", "--data", str(root), "--preset", "quick", "--limit", "48", "--init", str(lm_dir),
                 "--embedding-dim", "12", "--hidden-size", "16", "--epochs", "1", "--batch-size", "8",
                 "--device", "cpu", "--quiet", "--out", str(tmp_path / "run")]) == 0
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["config"]["init"] == str(lm_dir)
    (lm_dir / LM_FILE).write_bytes(b"not a checkpoint")
    assert main(["train", "--data", str(root), "--preset", "quick", "--limit", "48", "--init", str(lm_dir),
                 "--embedding-dim", "12", "--hidden-size", "16", "--epochs", "1", "--device", "cpu", "--quiet",
                 "--out", str(tmp_path / "run2")]) == 1
    assert "corrupt" in capsys.readouterr().err


def test_the_recorded_experiments_are_registered_with_matching_sizes():
    from lstm_edu import records
    from lstm_edu.imdb import recorded
    from lstm_edu.imdb.pretrain import PRETRAIN_PRESETS

    devices = {name: records.get(name).device for name in
               ("imdb-ngram", "imdb-cpu", "imdb-pretrain-cpu", "imdb-gpu", "imdb-pretrain-gpu")}
    assert devices == {"imdb-ngram": "cpu", "imdb-cpu": "cpu", "imdb-pretrain-cpu": "cpu", "imdb-gpu": "cuda",
                       "imdb-pretrain-gpu": "cuda"}
    for config in (recorded.PRETRAIN_CPU, recorded.PRETRAIN_GPU):
        lm = resolve_pretrain_config(config["pretrain_preset"])
        classifier = resolve_config(config["classifier_preset"], **config.get("classifier_options", {}))
        assert (lm.embedding_dim, lm.hidden_size, lm.num_layers) == \
            (classifier.embedding_dim, classifier.hidden_size, classifier.num_layers), config
        assert lm.val_fraction == classifier.val_fraction and lm.limit == classifier.limit
    assert set(PRETRAIN_PRESETS) >= {"quick", "cpu", "gpu"}


def test_gpu_presets_run_end_to_end_at_tiny_size_on_the_cpu(tree, tmp_path):
    """The GPU configurations (owed: no GPU here) with their real sizes, on a few synthetic reviews."""
    base, root = tree
    supervised = train(resolve_config("gpu", limit=48, epochs=1, batch_size=16), root=root, cache_dir=base / "cache",
                       device="cpu", progress=False)
    assert supervised.metrics["n_test"] > 0 and supervised.model.rnn.hidden_size == 500
    lm = pretrain(resolve_pretrain_config("gpu", limit=48, epochs=1, batch_size=16, val_fraction=0.25), root=root,
                  out=tmp_path / "lm", cache_dir=base / "cache", device="cpu")
    assert lm["metrics"]["n_unlabelled"] == 40
    finetuned = train(resolve_config("gpu-pretrained", limit=48, epochs=1, batch_size=16, val_fraction=0.25,
                                     init=str(tmp_path / "lm")), root=root, cache_dir=base / "cache", device="cpu",
                      progress=False)
    assert finetuned.model.rnn.hidden_size == 512 and 0 <= finetuned.metrics["test_accuracy"] <= 1
