"""Provenance of a run: device, library versions, date, git commit, command, costs, config hash."""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def config_hash(config: dict) -> str:
    """A short, stable hash (16 hex digits of SHA-256) of a JSON-serialisable configuration.

    Keys are sorted, so the order in which a dict was written does not matter; any change of a
    value (``3`` vs ``3.0`` included) changes the hash.
    """
    text = json.dumps(config, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux) or ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def device_info() -> dict:
    """The device a run used: CPU model, logical cores, torch threads, and the GPU if torch sees one."""
    info = {"cpu": cpu_model(), "cpu_cores": os.cpu_count()}
    try:
        import torch
    except ImportError:
        return info
    info["torch_threads"] = torch.get_num_threads()
    if torch.cuda.is_available():
        index = torch.cuda.current_device()
        info["gpu"] = torch.cuda.get_device_name(index)
        info["gpu_count"] = torch.cuda.device_count()
    return info


def describe_device(device: dict) -> str:
    """One short phrase: the GPU's name, or 'the CPU model (N cores)'."""
    if device.get("gpu"):
        return str(device["gpu"])
    cores = device.get("cpu_cores")
    return f"{device.get('cpu', 'unknown CPU')} ({cores} cores)" if cores else str(device.get("cpu", "CPU"))


def library_versions() -> dict:
    """Versions of Python and of the libraries a result can depend on (those that are installed)."""
    versions = {"python": platform.python_version()}
    for module in ("numpy", "torch", "lstm_edu"):
        try:
            versions[module] = __import__(module).__version__
        except Exception:  # not installed: simply not recorded
            continue
    return versions


def git_commit(root: Path = REPO_ROOT) -> dict:
    """The checkout's commit and whether tracked files differed from it (``None`` outside git)."""
    def _git(*args: str) -> str | None:
        try:
            out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip() if out.returncode == 0 else None

    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain", "--untracked-files=no", "--", "lstm_edu")
    return {"commit": commit, "package_modified": bool(status) if status is not None else None}


def load_average() -> list[float] | None:
    """The 1/5/15-minute load averages (other jobs on a shared machine slow a run down)."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


class Stopwatch:
    """Wall time and CPU time (this process and its children) of a ``with`` block."""

    def __enter__(self) -> "Stopwatch":
        self._wall = time.perf_counter()
        self._cpu = self._cpu_now()
        self.load_start = load_average()
        return self

    @staticmethod
    def _cpu_now() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    def __exit__(self, *exc) -> None:
        self.wall_s = time.perf_counter() - self._wall
        self.cpu_s = self._cpu_now() - self._cpu
        self.load_end = load_average()


def collect(name: str, config: dict, watch: Stopwatch, command: str | None = None, git: dict | None = None) -> dict:
    """The provenance dict stored in a record (``git``: the checkout's state when the run started)."""
    return {
        "date": _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "device": device_info(),
        "versions": library_versions(),
        "git": git if git is not None else git_commit(),
        "command": command or " ".join([Path(sys.executable).name, *sys.argv]),
        "wall_s": round(watch.wall_s, 1),
        "cpu_s": round(watch.cpu_s, 1),
        "load_average_start": watch.load_start,
        "load_average_end": watch.load_end,
        "config_hash": config_hash(config),
        "record_name": name,
    }
