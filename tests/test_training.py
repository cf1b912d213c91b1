"""Tests of lstm_edu.nets.training: the fit() loop, evaluate(), metrics, history and checkpoints."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lstm_edu.nets.checkpoints import load_checkpoint, save_checkpoint
from lstm_edu.nets.history import History
from lstm_edu.nets.metrics import accuracy, sequence_cross_entropy
from lstm_edu.nets.training import evaluate, fit, predict, split_batch

torch.set_num_threads(1)


def separable_data(n=256, seed=0):
    """Two Gaussian blobs in 2-D, labels 0/1: a linear model gets them right."""
    generator = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 2, (n,), generator=generator)
    x = torch.randn(n, 2, generator=generator) * 0.5 + (y.float() * 2 - 1)[:, None] * 2.0
    return x, y


def loaders(n=256, batch_size=32):
    x, y = separable_data(n)
    train = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True)
    val = DataLoader(TensorDataset(*separable_data(128, seed=1)), batch_size=64)
    return train, val


def linear_model():
    torch.manual_seed(0)
    return nn.Linear(2, 2)


# ------------------------------------------------------------------ accuracy


def test_accuracy_class_scores_and_binary_logits():
    scores = torch.tensor([[2.0, 1.0], [0.0, 3.0], [5.0, -1.0]])
    assert accuracy(scores, torch.tensor([0, 1, 1])).item() == pytest.approx(2 / 3)
    logits = torch.tensor([1.5, -0.2, 0.3, -4.0])
    assert accuracy(logits, torch.tensor([1, 0, 0, 0])).item() == pytest.approx(3 / 4)
    assert accuracy(logits[:, None], torch.tensor([1, 0, 1, 0])).item() == pytest.approx(1.0)


def test_accuracy_per_step_ignores_padding():
    logits = torch.zeros(2, 3, 4)
    logits[..., 2] = 1.0  # always predicts class 2
    targets = torch.tensor([[2, 2, -100], [1, 2, -100]])
    assert accuracy(logits, targets).item() == pytest.approx(3 / 4)


def test_accuracy_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="do not match"):
        accuracy(torch.zeros(4, 3), torch.zeros(5, dtype=torch.long))
    with pytest.raises(TypeError):
        accuracy([1, 0], torch.tensor([1, 0]))


def test_sequence_cross_entropy_matches_flattened_loss_and_ignores_padding():
    torch.manual_seed(0)
    logits, targets = torch.randn(2, 5, 3), torch.randint(0, 3, (2, 5))
    expected = nn.functional.cross_entropy(logits.permute(0, 2, 1), targets)
    assert sequence_cross_entropy(logits, targets).item() == pytest.approx(expected.item(), rel=1e-6)
    padded = targets.clone()
    padded[:, 3:] = -100
    kept = nn.functional.cross_entropy(logits[:, :3].reshape(-1, 3), targets[:, :3].reshape(-1))
    assert sequence_cross_entropy(logits, padded).item() == pytest.approx(kept.item(), rel=1e-6)
    with pytest.raises(ValueError, match=r"\(B, T, C\)"):
        sequence_cross_entropy(logits[:, 0], targets[:, 0])
    with pytest.raises(TypeError, match="integer class ids"):
        sequence_cross_entropy(logits, targets.float())
    with pytest.raises(TypeError, match="two tensors"):
        sequence_cross_entropy(logits.numpy(), targets)


# ------------------------------------------------------------------ batches


def test_split_batch_protocol():
    x, lengths, y = torch.zeros(2, 3), torch.tensor([3, 1]), torch.tensor([0, 1])
    assert split_batch((x, y)) == ((x,), y)
    inputs, target = split_batch([x, lengths, y])
    assert inputs == (x, lengths) and target is y
    with pytest.raises(TypeError, match="tuple"):
        split_batch(x)
    with pytest.raises(ValueError, match="at least"):
        split_batch((x,))


class LengthAware(nn.Module):
    """Records how it was called: (inputs, lengths) -> logits from the mean over valid steps."""

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(1, 2)
        self.calls = []

    def forward(self, x, lengths):
        self.calls.append((x.shape, lengths.tolist()))
        mask = torch.arange(x.shape[1])[None, :] < lengths[:, None]
        mean = (x * mask).sum(1, keepdim=True) / lengths[:, None]
        return self.linear(mean)


def test_fit_passes_everything_but_the_target_to_the_model():
    x = torch.tensor([[1.0, 1.0, 9.0], [-1.0, 9.0, 9.0]])
    lengths, y = torch.tensor([2, 1]), torch.tensor([1, 0])
    model = LengthAware()
    fit(model, DataLoader(TensorDataset(x, lengths, y), batch_size=2), loss_fn=nn.CrossEntropyLoss(),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, device="cpu", progress=False)
    assert model.calls == [((2, 3), [2, 1])]


# ---------------------------------------------------------------------- fit


def test_fit_learns_and_records_history():
    train, val = loaders()
    model = linear_model()
    history = fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.Adam(model.parameters(), 0.05),
                  epochs=5, val_loader=val, metrics={"accuracy": accuracy}, device="cpu", progress=False, seed=0)
    assert len(history) == 5 and history.epochs == [1, 2, 3, 4, 5]
    for key in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr", "seconds"):
        assert key in history
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history.last("val_accuracy") > 0.95
    assert history.device == "cpu"
    assert evaluate(model, val, loss_fn=nn.CrossEntropyLoss(), metrics=[accuracy], device="cpu")["accuracy"] \
        == pytest.approx(history.last("val_accuracy"))
    assert "History(5 epochs" in repr(history)


def test_epoch_values_are_weighted_by_batch_size():
    """With a last batch of 1 example, the epoch mean must still equal the mean over examples."""
    x, y = separable_data(33)
    model = linear_model()
    loss_fn = nn.CrossEntropyLoss()
    result = evaluate(model, DataLoader(TensorDataset(x, y), batch_size=16), loss_fn=loss_fn,
                      metrics={"accuracy": accuracy}, device="cpu")
    with torch.no_grad():
        outputs = model(x)
    assert result["loss"] == pytest.approx(loss_fn(outputs, y).item(), rel=1e-5)
    assert result["accuracy"] == pytest.approx(accuracy(outputs, y).item())


def test_fit_with_seed_is_reproducible():
    def run():
        train, val = loaders()
        model = linear_model()
        return fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1),
                   epochs=2, device="cpu", progress=False, seed=3)["train_loss"]

    assert run() == run()


def test_clipping_bounds_the_update_and_records_the_norm():
    x, y = separable_data(64)
    y_big = torch.full((64, 2), 1e3)
    model = linear_model()
    before = [p.detach().clone() for p in model.parameters()]
    history = fit(model, DataLoader(TensorDataset(x * 100, y_big), batch_size=64), loss_fn=nn.MSELoss(),
                  optimizer=torch.optim.SGD(model.parameters(), lr=1.0), epochs=1, clip_norm=0.5,
                  device="cpu", progress=False)
    step = torch.sqrt(sum(((p.detach() - b) ** 2).sum() for p, b in zip(model.parameters(), before)))
    assert step.item() == pytest.approx(0.5, rel=1e-4)  # one SGD step of lr 1 on a gradient of norm 0.5
    assert history.last("grad_norm") > 100  # the norm before clipping is what gets recorded


def test_non_finite_loss_raises_a_clear_error():
    x, y = separable_data(32)
    model = linear_model()
    with pytest.raises(FloatingPointError, match="learning rate"):
        fit(model, DataLoader(TensorDataset(x * float("inf"), y), batch_size=32), loss_fn=nn.CrossEntropyLoss(),
            optimizer=torch.optim.SGD(model.parameters(), 0.1), epochs=1, device="cpu", progress=False)


@pytest.mark.parametrize("kwargs, error", [
    ({"epochs": 0}, ValueError),
    ({"epochs": 1.5}, ValueError),
    ({"clip_norm": -1.0}, ValueError),
    ({"early_stopping_patience": 2}, ValueError),  # no val_loader
    ({"early_stopping_patience": 0, "val_loader": "set"}, ValueError),
    ({"amp": "fp16"}, ValueError),  # CUDA only
    ({"amp": "fp8"}, ValueError),
    ({"metrics": {"loss": accuracy}}, ValueError),
    ({"loss_fn": "mse"}, TypeError),
    ({"optimizer": "adam"}, TypeError),
    ({"clip_norm": True}, ValueError),  # clip_norm=True would silently mean a norm of 1.0
    ({"clip_norm": float("nan")}, ValueError),
    ({"monitor": 3, "early_stopping_patience": 1, "val_loader": "set"}, TypeError),
    ({"metrics": "accuracy"}, TypeError),
    ({"resume": True}, ValueError),  # no checkpoint_path to resume from
])
def test_fit_rejects_bad_arguments(kwargs, error):
    train, val = loaders(64)
    model = linear_model()
    arguments = {"loss_fn": nn.CrossEntropyLoss(), "optimizer": torch.optim.SGD(model.parameters(), 0.1),
                 "epochs": 1, "device": "cpu", "progress": False}
    arguments.update(kwargs)
    if arguments.get("val_loader") == "set":
        arguments["val_loader"] = val
    with pytest.raises(error):
        fit(model, train, **arguments)


def test_fit_rejects_a_model_that_is_not_a_module():
    train, _ = loaders(64)
    with pytest.raises(TypeError, match="nn.Module"):
        fit(lambda x: x, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD([nn.Parameter(torch.ones(1))], 0.1),
            epochs=1)


class Memoriser(nn.Module):
    """Overfits a tiny training set: validation loss falls, then rises."""

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.net = nn.Sequential(nn.Linear(2, 64), nn.Tanh(), nn.Linear(64, 2))

    def forward(self, x):
        return self.net(x)


def test_early_stopping_restores_the_best_weights():
    generator = torch.Generator().manual_seed(0)
    x_train, y_train = torch.randn(16, 2, generator=generator), torch.randint(0, 2, (16,), generator=generator)
    x_val, y_val = torch.randn(64, 2, generator=generator), torch.randint(0, 2, (64,), generator=generator)
    model = Memoriser()
    val = DataLoader(TensorDataset(x_val, y_val), batch_size=64)
    history = fit(model, DataLoader(TensorDataset(x_train, y_train), batch_size=16), loss_fn=nn.CrossEntropyLoss(),
                  optimizer=torch.optim.Adam(model.parameters(), 0.05), epochs=200, val_loader=val,
                  early_stopping_patience=3, device="cpu", progress=False)
    assert history.stopped_early and len(history) < 200
    best = history.best_epoch
    assert history["val_loss"][best - 1] == min(history["val_loss"])
    assert len(history) == best + 3
    restored = evaluate(model, val, loss_fn=nn.CrossEntropyLoss(), device="cpu")["loss"]
    assert restored == pytest.approx(history["val_loss"][best - 1], rel=1e-5)


def test_early_stopping_on_a_metric_maximises_it():
    train, val = loaders()
    model = linear_model()
    history = fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1),
                  epochs=4, val_loader=val, metrics={"accuracy": accuracy}, early_stopping_patience=10,
                  monitor="val_accuracy", device="cpu", progress=False)
    assert history["val_accuracy"][history.best_epoch - 1] == max(history["val_accuracy"])
    with pytest.raises(ValueError, match="val_f1"):
        fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1),
            epochs=1, val_loader=val, early_stopping_patience=1, monitor="val_f1", device="cpu", progress=False)


def test_an_unknown_monitor_is_refused_before_training():
    """A typo in monitor fails at once (not after an epoch), also for a plateau scheduler that would
    otherwise silently follow the training loss."""
    train, val = loaders(64)
    model = linear_model()
    before = [p.detach().clone() for p in model.parameters()]
    optimizer = torch.optim.SGD(model.parameters(), 0.1)
    with pytest.raises(ValueError, match="val_acc.*val_accuracy"):
        fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=optimizer, epochs=1, val_loader=val,
            metrics={"accuracy": accuracy}, early_stopping_patience=1, monitor="val_acc", device="cpu",
            progress=False)
    with pytest.raises(ValueError, match="val_acc"):
        fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=optimizer, epochs=1, val_loader=val,
            scheduler=torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer), monitor="val_acc", device="cpu",
            progress=False)
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))  # no epoch was run


# -------------------------------------------------------------- checkpoints


def test_checkpoint_is_written_atomically_and_loads_with_weights_only(tmp_path):
    train, val = loaders()
    model = linear_model()
    optimizer = torch.optim.Adam(model.parameters(), 0.05)
    path = tmp_path / "run" / "model.pt"
    history = fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=optimizer, epochs=2, val_loader=val,
                  checkpoint_path=path, device="cpu", progress=False)
    assert sorted(p.name for p in path.parent.iterdir()) == ["model.pt"]  # no temporary left behind
    torch.load(path, weights_only=True)  # plain tensors and Python values only
    fresh = linear_model()
    payload = load_checkpoint(path, fresh)
    assert payload["epoch"] == 2
    assert History.from_dict(payload["history"])["val_loss"] == history["val_loss"]
    for a, b in zip(fresh.parameters(), model.parameters()):
        assert torch.equal(a, b)


def test_a_failed_save_leaves_the_old_checkpoint_and_no_temporary(tmp_path):
    path = tmp_path / "ckpt.pt"
    save_checkpoint(path, {"format": "x", "value": torch.ones(2)})

    class Unpicklable:
        def __reduce__(self):
            raise RuntimeError("cannot pickle")

    with pytest.raises(RuntimeError, match="cannot pickle"):
        save_checkpoint(path, {"value": Unpicklable()})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.pt"]
    assert torch.equal(torch.load(path, weights_only=True)["value"], torch.ones(2))


def test_load_checkpoint_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_checkpoint(tmp_path / "missing.pt")
    save_checkpoint(tmp_path / "other.pt", {"weights": torch.ones(1)})
    with pytest.raises(ValueError, match="not a checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


def test_a_corrupt_or_partial_checkpoint_gives_a_clear_error(tmp_path):
    train, val = loaders(64)
    model = linear_model()
    path = tmp_path / "ckpt.pt"
    fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1), epochs=1,
        checkpoint_path=path, device="cpu", progress=False)
    whole = path.read_bytes()
    for broken in (b"", b"junk", whole[: len(whole) // 2], whole[:-10]):
        path.write_bytes(broken)
        with pytest.raises(ValueError, match="corrupt or only partly written"):
            load_checkpoint(path)
        with pytest.raises(ValueError, match="corrupt or only partly written"):
            fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1),
                epochs=2, checkpoint_path=path, resume=True, device="cpu", progress=False)
    save_checkpoint(path, {"format": "lstm_edu.fit/1", "epoch": 1})
    with pytest.raises(ValueError, match="incomplete"):
        load_checkpoint(path)


def test_checkpoint_paths_that_are_folders_or_payloads_that_are_not_dicts_are_refused(tmp_path):
    train, _ = loaders(64)
    model = linear_model()
    with pytest.raises(IsADirectoryError, match="folder"):
        fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1),
            epochs=1, checkpoint_path=tmp_path, device="cpu", progress=False)
    with pytest.raises(IsADirectoryError, match="folder"):
        save_checkpoint(tmp_path, {"a": 1})
    with pytest.raises(TypeError, match="dict"):
        save_checkpoint(tmp_path / "x.pt", [("a", 1)])
    assert list(tmp_path.iterdir()) == []  # nothing written, no temporary left behind


def test_resume_continues_where_the_checkpoint_stopped(tmp_path):
    path = tmp_path / "ckpt.pt"

    def run(epochs, resume):
        train, val = loaders()
        model = linear_model()
        optimizer = torch.optim.SGD(model.parameters(), 0.1)
        return model, fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=optimizer, epochs=epochs,
                          val_loader=val, checkpoint_path=path, resume=resume, device="cpu", progress=False)

    run(2, resume=False)
    model, history = run(3, resume=True)
    assert history.epochs == [1, 2, 3]
    assert load_checkpoint(path)["epoch"] == 3


# ------------------------------------------------------------------ history


def test_history_access_plot_and_round_trip():
    history = History(device="cpu")
    history.append({"epoch": 1, "train_loss": 1.0, "val_loss": 1.2, "train_accuracy": 0.5, "lr": 0.1})
    history.append({"epoch": 2, "train_loss": 0.5, "val_loss": 0.9, "train_accuracy": 0.8, "lr": 0.1})
    assert history["train_loss"] == [1.0, 0.5] and history.last("val_loss") == 0.9
    assert history.quantities() == ["loss", "accuracy"]
    with pytest.raises(KeyError, match="was not recorded"):
        history["val_f1"]
    assert History.from_dict(history.to_dict()).records == history.records
    fig = history.plot()
    assert len(fig.axes) == 2
    assert [line.get_label() for line in fig.axes[0].lines] == ["train", "val"]
    import matplotlib.pyplot as plt

    plt.close(fig)
    with pytest.raises(ValueError, match="empty"):
        History().plot()


def test_predict_concatenates_outputs_and_targets():
    x, y = separable_data(40)
    model = linear_model()
    outputs, targets = predict(model, DataLoader(TensorDataset(x, y), batch_size=16), device="cpu")
    assert outputs.shape == (40, 2) and torch.equal(targets, y)
    with torch.no_grad():
        assert torch.allclose(outputs, model(x))


def test_progress_is_silent_when_not_watched(capsys):
    train, _ = loaders(64)
    model = linear_model()
    fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1), epochs=1,
        device="cpu")
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""
    fit(model, train, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1), epochs=1,
        device="cpu", verbose=True)
    assert "epoch 1/1: train_loss" in capsys.readouterr().out


def test_nan_metric_values_do_not_count_as_improvement():
    from lstm_edu.nets.training import _improved

    assert not _improved(math.nan, 1.0, minimise=True)
    assert _improved(0.5, None, minimise=True) and _improved(0.9, 0.8, minimise=False)


# ------------------------------------------------------------ truncated BPTT


def test_stream_batches_keep_time_order_along_rows():
    from lstm_edu.nets.truncated_bptt import stream_batches

    x, y = torch.arange(10), torch.arange(10) * 10
    rows_x, rows_y = stream_batches(x, y, 3)
    assert rows_x.tolist() == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    assert torch.equal(rows_y, rows_x * 10)
    with pytest.raises(ValueError, match="same length"):
        stream_batches(x, y[:5], 2)
    with pytest.raises(ValueError, match="cannot fill"):
        stream_batches(x[:2], y[:2], 3)


def test_truncated_bptt_carrying_state_reaches_back_across_chunks():
    """Echo task with delay 3 in chunks of 6: without carried state the first 3 steps of a chunk are guesses."""
    from lstm_edu import tasks
    from lstm_edu.nets.models import SequenceTagger
    from lstm_edu.nets.truncated_bptt import accuracy_by_position, fit_truncated_bptt

    x, y = tasks.echo_stream(16 * 600, rng=0, delay=3, n_symbols=2)
    results = {}
    for carry in (False, True):
        torch.manual_seed(0)
        model = SequenceTagger(vocab_size=3, hidden_size=16, num_classes=3, embedding_dim=4)
        history = fit_truncated_bptt(model, x, y, chunk_length=6, batch_size=16, carry_state=carry,
                                     loss_fn=sequence_cross_entropy, optimizer=torch.optim.Adam(model.parameters(), 2e-2),
                                     epochs=2, val=(x[:1600], y[:1600]))
        assert set(history.keys()) >= {"train_loss", "train_accuracy", "val_loss", "val_accuracy"}
        results[carry] = accuracy_by_position(model, x, y, chunk_length=6, batch_size=16, carry_state=carry)
    reset, carried = results[False], results[True]
    assert reset.shape == (6,)
    assert reset[:3].max() < 0.7 and reset[3:].min() > 0.95  # two symbols: chance is 0.5
    assert carried.min() > 0.9


def test_fit_truncated_bptt_rejects_bad_chunks():
    from lstm_edu.nets.models import SequenceTagger
    from lstm_edu.nets.truncated_bptt import fit_truncated_bptt

    model = SequenceTagger(vocab_size=3, hidden_size=4, num_classes=3)
    with pytest.raises(ValueError, match="chunk_length"):
        fit_truncated_bptt(model, torch.ones(20, dtype=torch.long), torch.ones(20, dtype=torch.long), chunk_length=0,
                           batch_size=2, carry_state=True, loss_fn=sequence_cross_entropy,
                           optimizer=torch.optim.SGD(model.parameters(), 0.1), epochs=1)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"epochs": 0}, ValueError, "epochs"),  # used to return an empty history
    ({"epochs": -1}, ValueError, "epochs"),
    ({"clip_norm": float("nan")}, ValueError, "clip_norm"),
    ({"val": torch.ones(20, dtype=torch.long)}, TypeError, "pair"),
    ({"loss_fn": lambda logits, y: (logits * float("nan")).sum()}, FloatingPointError, "loss became nan"),
])
def test_fit_truncated_bptt_rejects_bad_arguments(kwargs, error, message):
    from lstm_edu.nets.models import SequenceTagger
    from lstm_edu.nets.truncated_bptt import fit_truncated_bptt

    model = SequenceTagger(vocab_size=3, hidden_size=4, num_classes=3)
    arguments = dict(chunk_length=5, batch_size=2, carry_state=True, loss_fn=sequence_cross_entropy,
                     optimizer=torch.optim.SGD(model.parameters(), 0.1), epochs=1)
    arguments.update(kwargs)
    stream = torch.ones(20, dtype=torch.long)
    with pytest.raises(error, match=message):
        fit_truncated_bptt(model, stream, stream, **arguments)


@pytest.mark.parametrize("chunk_length", [0, -2, 2.5])
def test_accuracy_by_position_rejects_bad_chunks(chunk_length):
    from lstm_edu.nets.models import SequenceTagger
    from lstm_edu.nets.truncated_bptt import accuracy_by_position

    stream = torch.ones(20, dtype=torch.long)
    with pytest.raises(ValueError, match="chunk_length"):
        accuracy_by_position(SequenceTagger(vocab_size=3, hidden_size=4, num_classes=3), stream, stream,
                             chunk_length=chunk_length, batch_size=2, carry_state=True)


def test_evaluate_and_predict_reject_a_model_that_is_not_a_module():
    train, _ = loaders(64)
    with pytest.raises(TypeError, match="nn.Module"):
        evaluate("lstm", train, device="cpu")
    with pytest.raises(TypeError, match="loss_fn"):
        evaluate(linear_model(), train, loss_fn="cross-entropy", device="cpu")
    with pytest.raises(TypeError, match="nn.Module"):
        predict(None, train, device="cpu")


def test_amp_choice_by_device():
    from lstm_edu.nets.training import _amp_dtype

    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert _amp_dtype("auto", cpu) is None and _amp_dtype(None, cuda) is None and _amp_dtype(False, cpu) is None
    assert _amp_dtype("auto", cuda) == torch.float16
    assert _amp_dtype("fp16", cuda) == torch.float16 and _amp_dtype("bf16", cuda) == torch.bfloat16
    with pytest.raises(ValueError, match="needs a CUDA device"):
        _amp_dtype("bf16", cpu)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_fit_with_mixed_precision_on_cuda():
    from lstm_edu.nets.models import SequenceClassifier

    torch.manual_seed(0)
    x = torch.randn(256, 12, 3)
    y = (x[:, :, 0].sum(1) > 0).long()
    model = SequenceClassifier(3, 32, 2)
    for amp in ("auto", "bf16"):
        history = fit(model, DataLoader(TensorDataset(x, y), batch_size=64, shuffle=True),
                      loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.Adam(model.parameters(), 1e-2), epochs=3,
                      val_loader=DataLoader(TensorDataset(x, y), batch_size=256), metrics={"accuracy": accuracy},
                      device="cuda", amp=amp, clip_norm=1.0, progress=False)
        assert history.device.startswith("cuda") and history.last("val_accuracy") > 0.8


def test_grad_norm_leaves_out_the_steps_a_grad_scaler_skips():
    """With float16 AMP an overflowed step is skipped by the GradScaler; its inf norm must not poison the mean."""
    from lstm_edu.nets.training import train_one_epoch

    class OverflowOnFirstStep:
        """A stand-in for the CUDA GradScaler path: the first backward pass overflows, and that step is skipped."""
        scaler = object()

        def __init__(self):
            self.calls = 0

        def autocast(self):
            return torch.autocast(device_type="cpu", enabled=False)

        def backward(self, loss, optimizer):
            loss.backward()
            self.calls += 1
            if self.calls == 1:
                next(p for p in model.parameters()).grad.fill_(float("inf"))

        def step(self, optimizer):
            if self.calls > 1:
                optimizer.step()

    torch.manual_seed(0)
    model = nn.Linear(3, 2)
    x, y = torch.randn(8, 3), torch.randint(0, 2, (8,))
    batches = [(x[:4], y[:4]), (x[4:], y[4:])]
    result = train_one_epoch(model, batches, loss_fn=nn.CrossEntropyLoss(), optimizer=torch.optim.SGD(model.parameters(), 0.1),
                             device=torch.device("cpu"), precision=OverflowOnFirstStep(), clip_norm=1.0, metrics={},
                             epoch=1)
    assert math.isfinite(result["grad_norm"]) and result["grad_norm"] > 0
    assert math.isfinite(result["loss"])
