"""The per-epoch record of a training run, :class:`History`, which can plot itself."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

__all__ = ["History"]


class History:
    """Per-epoch training record: ``history["val_loss"]`` is a list, one value per epoch.

    Attributes: ``records`` (a list of dicts, one per epoch, each with an
    ``"epoch"`` key counting from 1), ``best_epoch`` (the epoch whose weights the
    model ends with when early stopping is on), ``stopped_early``, ``device``.
    """

    def __init__(self, records: Iterable[Mapping] = (), *, device: str = "", best_epoch: int | None = None,
                 stopped_early: bool = False):
        self.records: list[dict] = [dict(record) for record in records]
        self.device = str(device)
        self.best_epoch = best_epoch
        self.stopped_early = bool(stopped_early)

    def append(self, record: Mapping) -> None:
        self.records.append(dict(record))

    @property
    def epochs(self) -> list[int]:
        return [record["epoch"] for record in self.records]

    def keys(self) -> list[str]:
        """Every quantity recorded in at least one epoch, in first-seen order."""
        seen: dict[str, None] = {}
        for record in self.records:
            seen.update(dict.fromkeys(key for key in record if key != "epoch"))
        return list(seen)

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.keys():
            raise KeyError(f"{key!r} was not recorded; the history has {self.keys()}")
        return [record.get(key, math.nan) for record in self.records]

    def __contains__(self, key) -> bool:
        return key in self.keys()

    def __len__(self) -> int:
        return len(self.records)

    def last(self, key: str) -> float:
        """The value of ``key`` in the last epoch."""
        return self[key][-1]

    def to_dict(self) -> dict:
        """Plain Python values only (safe for ``torch.load(weights_only=True)`` and JSON)."""
        return {"records": [dict(record) for record in self.records], "device": self.device,
                "best_epoch": self.best_epoch, "stopped_early": self.stopped_early}

    @classmethod
    def from_dict(cls, data: Mapping) -> History:
        return cls(data.get("records", ()), device=data.get("device", ""), best_epoch=data.get("best_epoch"),
                   stopped_early=data.get("stopped_early", False))

    def quantities(self) -> list[str]:
        """The plotted quantities: ``"loss"`` and each metric (without train_/val_ prefixes)."""
        names: dict[str, None] = {}
        for key in self.keys():
            for prefix in ("train_", "val_"):
                if key.startswith(prefix):
                    names[key[len(prefix):]] = None
        return list(names)

    def plot(self, quantities: Iterable[str] | None = None, *, axes=None, title: str | None = None):
        """One panel per quantity (loss first, then metrics), train solid and validation dashed.

        Returns the matplotlib figure.  ``axes`` may be a sequence of existing
        axes, one per quantity.  The best epoch (early stopping) is marked.
        """
        import matplotlib.pyplot as plt
        from matplotlib.ticker import MaxNLocator

        quantities = list(quantities) if quantities is not None else self.quantities()
        if not self.records or not quantities:
            raise ValueError("nothing to plot: the history is empty")
        if axes is None:
            fig, axes = plt.subplots(1, len(quantities), figsize=(4.2 * len(quantities), 3.2), squeeze=False)
            axes = axes[0]
        else:
            axes = list(axes)
            if len(axes) != len(quantities):
                raise ValueError(f"got {len(axes)} axes for {len(quantities)} quantities {quantities}")
            fig = axes[0].figure
        for ax, name in zip(axes, quantities):
            for prefix, style in (("train_", "-"), ("val_", "--")):
                key = prefix + name
                if key in self:
                    ax.plot(self.epochs, self[key], style, marker="o", markersize=3, label=prefix.rstrip("_"))
            if self.best_epoch is not None:
                ax.axvline(self.best_epoch, color="grey", linewidth=0.8, linestyle=":", label="best epoch")
            ax.set_xlabel("epoch")
            ax.xaxis.set_major_locator(MaxNLocator(integer=True))
            ax.set_ylabel(name)
            ax.legend()
            ax.grid(alpha=0.3)
        if title:
            fig.suptitle(title)
        fig.tight_layout()
        return fig

    def __repr__(self) -> str:
        if not self.records:
            return "History(no epochs)"
        last = ", ".join(f"{k}={v:.4g}" for k, v in self.records[-1].items()
                         if k not in {"epoch", "seconds", "lr"} and isinstance(v, float))
        return f"History({len(self)} epochs on {self.device or '?'}; last: {last})"
