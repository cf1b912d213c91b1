"""Row-by-row MNIST, full size: the replaced articles' TensorFlow 1 model rebuilt in PyTorch.

28 steps of 28 pixels, an LSTM with 128 hidden units, a linear layer to 10 classes,
Adam with learning rate 1e-3, batch 128, on all 60,000 training images; prints the
test accuracy on the 10,000 test images after every epoch, the time and the device.

    python benchmarks/bench_mnist.py                       # 5 epochs, data from the cache or the mirrors
    python benchmarks/bench_mnist.py --root ../shared/data/mnist --epochs 3 --threads 2
    python benchmarks/bench_mnist.py --train-size 6000 --epochs 1   # the book's quick CPU version

The goal recorded in the book: at least 97% test accuracy at full size.
"""

from __future__ import annotations

import argparse
import platform
import time

import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from lstm_edu import get_device, seed_everything
from lstm_edu.datasets.mnist import load_mnist, to_sequences
from lstm_edu.nets.models import SequenceClassifier
from lstm_edu.nets.metrics import accuracy
from lstm_edu.nets.training import fit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--root", default=None, help="folder with the four MNIST .gz files (default: the cache)")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--train-size", type=int, default=60_000)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    seed_everything(args.seed)
    device = get_device(args.device)
    train, test = load_mnist("train", args.root), load_mnist("test", args.root)
    x_train = torch.from_numpy(to_sequences(train.images[: args.train_size]))
    y_train = torch.from_numpy(train.labels[: args.train_size])
    x_test, y_test = torch.from_numpy(to_sequences(test.images)), torch.from_numpy(test.labels)
    train_loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True)
    test_loader = DataLoader(TensorDataset(x_test, y_test), batch_size=1000)

    model = SequenceClassifier(28, args.hidden, 10)
    print(f"device {device} ({platform.processor() or platform.machine()}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} CPU threads); {len(x_train):,} training images, {args.epochs} epochs")
    started = time.perf_counter()
    history = fit(model, train_loader, loss_fn=nn.CrossEntropyLoss(),
                  optimizer=torch.optim.Adam(model.parameters(), lr=args.lr), epochs=args.epochs,
                  val_loader=test_loader, metrics={"accuracy": accuracy}, device=device, seed=args.seed,
                  progress=True)
    total = time.perf_counter() - started
    for record in history.records:
        print(f"epoch {record['epoch']}: train loss {record['train_loss']:.4f}, test accuracy "
              f"{record['val_accuracy']:.4f} ({record['seconds']:.1f} s)")
    final = history.last("val_accuracy")
    print(f"final test accuracy {final:.4f} after {args.epochs} epochs, {total:.0f} s in total on {device}; "
          f"goal >= 0.97: {'met' if final >= 0.97 else 'NOT met'}")


if __name__ == "__main__":
    main()
