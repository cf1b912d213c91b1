"""Chapter 5: row-by-row MNIST (a many-to-one LSTM) against the one-to-one MLP baseline, full size.

The chapter's models and training call (``SequenceClassifier(28, 128, 10)`` and
``MLPClassifier(784, 128, 10)``, ``fit`` with Adam 1e-3, batch 128, the test set as validation),
on all 60,000 training images for 5 epochs (``benchmarks/bench_mnist.py``'s configuration), for
several seeds.
"""

from __future__ import annotations

from lstm_edu.records.registry import register
from lstm_edu.records.catalogue._common import mean_and_se, set_threads

CONFIG = dict(train_size=60_000, epochs=5, batch_size=128, hidden=128, lr=1e-3, seeds=[0, 1], threads=1,
              models=["lstm", "mlp"])


def run(config: dict) -> dict:
    import time

    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    from lstm_edu import seed_everything
    from lstm_edu.datasets.mnist import load_mnist, to_sequences
    from lstm_edu.nets.models import MLPClassifier, SequenceClassifier, count_parameters
    from lstm_edu.nets.training import fit

    try:
        from lstm_edu.nets.metrics import accuracy
    except ImportError:  # before the training module was split
        from lstm_edu.nets.training import accuracy

    set_threads(config)
    train, test = load_mnist("train"), load_mnist("test")
    n = config["train_size"]
    x_train = torch.as_tensor(to_sequences(train.images[:n]))
    y_train = torch.as_tensor(train.labels[:n])
    x_test, y_test = torch.as_tensor(to_sequences(test.images)), torch.as_tensor(test.labels)
    builders = {
        "lstm": lambda: SequenceClassifier(input_size=28, hidden_size=config["hidden"], num_classes=10),
        "mlp": lambda: MLPClassifier(in_features=28 * 28, hidden_size=config["hidden"], num_classes=10),
    }
    curves, rows, finals = {}, [], {m: [] for m in config["models"]}
    params = {}
    for seed in config["seeds"]:
        for name in config["models"]:
            seed_everything(seed)
            train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=config["batch_size"], shuffle=True)
            test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)
            model = builders[name]()
            params[name] = count_parameters(model)
            start = time.perf_counter()
            history = fit(model, train_loader, loss_fn=nn.CrossEntropyLoss(),
                          optimizer=torch.optim.Adam(model.parameters(), lr=config["lr"]), epochs=config["epochs"],
                          val_loader=test_loader, metrics={"accuracy": accuracy}, seed=seed, device="cpu")
            seconds = time.perf_counter() - start
            curves[f"{name}/seed{seed}/test_accuracy"] = [r["val_accuracy"] for r in history.records]
            curves[f"{name}/seed{seed}/train_loss"] = [r["train_loss"] for r in history.records]
            final = history.last("val_accuracy")
            finals[name].append(final)
            rows.append([name, seed, final, round(seconds, 1)])
    curves["step"] = [float(e) for e in range(1, config["epochs"] + 1)]
    metrics = {}
    for name, values in finals.items():
        mean, se = mean_and_se(values)
        metrics[name] = {"test_accuracy_mean": mean, "test_accuracy_se": se, "test_accuracy": values,
                         "parameters": params[name]}
    return {"metrics": metrics, "curves": curves, "seeds": config["seeds"],
            "tables": {"runs": {"columns": ["model", "seed", "test accuracy", "s"], "rows": rows}},
            "notes": f"{len(rows)} runs of {config['epochs']} epochs on {n:,} images, one CPU thread"}


def _table(record):
    rows = []
    for name, m in record.metrics.items():
        rows.append([name.upper(), m["parameters"], m["test_accuracy_mean"],
                     " / ".join(f"{v:.4f}" for v in m["test_accuracy"])])
    return ["model", "parameters", "mean test accuracy", "per seed"], rows


def _plot(record):
    """Test accuracy after each epoch, each seed one line; LSTM solid with circles, MLP dashed with squares."""
    import matplotlib.pyplot as plt

    from lstm_edu.figures import PALETTE, set_alt

    epochs = record.curves["step"]
    fig, ax = plt.subplots(figsize=(6.0, 3.4))
    looks = {"lstm": dict(color=PALETTE[0], ls="-", marker="o"), "mlp": dict(color=PALETTE[1], ls="--", marker="s")}
    labelled = set()
    for key, values in record.curves.items():
        if key.endswith("/test_accuracy"):
            name = key.split("/")[0]
            ax.plot(epochs[:len(values)], values, lw=1.3, label=None if name in labelled else name.upper(),
                    **looks.get(name, {}))
            labelled.add(name)
    ax.set(xlabel="epoch", ylabel="test accuracy", title="row-by-row MNIST, one line per seed",
           xticks=[int(e) for e in epochs])
    ax.legend()
    fig.tight_layout()
    finals = "; ".join(f"{name.upper()} mean final test accuracy {m['test_accuracy_mean']:.4f}"
                       for name, m in record.metrics.items())
    set_alt(fig, f"Test accuracy after each epoch of the LSTM reading MNIST row by row and of the MLP, one line per "
                 f"seed: {finals}.")
    return fig


register("mnist-rows", run=run, config=CONFIG, chapter=5, title="Row-by-row MNIST: LSTM and MLP at full size",
         description="All 60,000 training images, 5 epochs, evaluated on the 10,000 test images after each epoch.",
         table=_table, plot=_plot)
