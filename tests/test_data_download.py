"""Tests of lstm_edu.datasets.download: cache folder, verified atomic downloads, clear offline errors.

No test touches the network: mirrors are local ``file://`` URLs or a monkeypatched opener.
"""

from __future__ import annotations

import hashlib
import io
import urllib.error

import pytest

from lstm_edu.datasets import download as dl
from lstm_edu.datasets.download import (
    ChecksumError,
    DataUnavailableError,
    RemoteFile,
    data_home,
    dataset_folder,
    download_file,
    fetch,
    file_digest,
    verify_file,
)

PAYLOAD = b"recurrent networks " * 5000
SHA256 = hashlib.sha256(PAYLOAD).hexdigest()
MD5 = hashlib.md5(PAYLOAD).hexdigest()


@pytest.fixture(autouse=True)
def online(monkeypatch):
    monkeypatch.delenv(dl.OFFLINE_ENV, raising=False)


@pytest.fixture
def mirror(tmp_path):
    """A local 'mirror' folder holding the payload, reachable by a file:// URL."""
    folder = tmp_path / "mirror"
    folder.mkdir()
    (folder / "data.bin").write_bytes(PAYLOAD)
    return folder.as_uri() + "/data.bin"


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_data_home_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(dl.DATA_ENV, str(tmp_path / "data"))
    assert data_home() == tmp_path / "data"
    assert dataset_folder("mnist") == tmp_path / "data" / "mnist"
    monkeypatch.delenv(dl.DATA_ENV)
    assert data_home().parts[-2:] == (".cache", "lstm_edu")


def test_file_digest_and_verify(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(PAYLOAD)
    assert file_digest(path) == SHA256 and file_digest(path, "md5") == MD5
    verify_file(path, sha256=SHA256, md5=MD5)
    verify_file(path, md5=MD5.upper())
    with pytest.raises(ChecksumError, match="corrupt, partial or a different version"):
        verify_file(path, sha256="0" * 64)
    with pytest.raises(ValueError, match="at least one"):
        verify_file(path)
    with pytest.raises(FileNotFoundError):
        verify_file(tmp_path / "missing", sha256=SHA256)


def test_download_verifies_and_renames_atomically(tmp_path, mirror):
    target = tmp_path / "cache" / "data.bin"
    assert download_file(mirror, target, sha256=SHA256, md5=MD5, progress=False) == target
    assert target.read_bytes() == PAYLOAD
    assert leftovers(target.parent) == []


def test_download_skips_a_broken_mirror_and_a_wrong_file(tmp_path, mirror):
    (tmp_path / "mirror" / "wrong.bin").write_bytes(b"not the file")
    wrong = (tmp_path / "mirror" / "wrong.bin").as_uri()
    missing = (tmp_path / "nowhere" / "data.bin").as_uri()
    target = tmp_path / "cache" / "data.bin"
    download_file([missing, wrong, mirror], target, sha256=SHA256, progress=False)
    assert target.read_bytes() == PAYLOAD
    assert leftovers(target.parent) == []


def test_every_mirror_failing_lists_them_and_keeps_nothing(tmp_path):
    (tmp_path / "bad.bin").write_bytes(b"wrong bytes")
    urls = [(tmp_path / "bad.bin").as_uri(), (tmp_path / "absent.bin").as_uri()]
    target = tmp_path / "cache" / "data.bin"
    with pytest.raises(DataUnavailableError) as info:
        download_file(urls, target, sha256=SHA256, progress=False, hint="Copy data.bin by hand.")
    message = str(info.value)
    assert "bad.bin: wrong file" in message and "absent.bin" in message
    assert message.endswith("Copy data.bin by hand.")
    assert not target.exists() and leftovers(target.parent) == []


def test_offline_error_is_clear(monkeypatch, tmp_path):
    def no_network(url, timeout):
        raise urllib.error.URLError(OSError("[Errno -3] Temporary failure in name resolution"))

    monkeypatch.setattr(dl, "_open_url", no_network)
    with pytest.raises(DataUnavailableError, match="(?s)name resolution.*offline"):
        download_file(["https://a.example/x", "https://b.example/x"], tmp_path / "x", sha256=SHA256, progress=False)


def test_offline_switch_forbids_downloads(monkeypatch, tmp_path, mirror):
    monkeypatch.setenv(dl.OFFLINE_ENV, "1")
    with pytest.raises(DataUnavailableError, match="LSTM_EDU_OFFLINE=1"):
        download_file(mirror, tmp_path / "data.bin", sha256=SHA256, progress=False)


def test_interrupted_download_leaves_no_partial_file(monkeypatch, tmp_path):
    class Dropping(io.BytesIO):
        headers = {"Content-Length": str(len(PAYLOAD))}

        def read(self, size=-1):
            chunk = super().read(1000)
            if self.tell() > 3000:
                raise ConnectionResetError("connection reset by peer")
            return chunk

    monkeypatch.setattr(dl, "_open_url", lambda url, timeout: Dropping(PAYLOAD))
    target = tmp_path / "data.bin"
    with pytest.raises(DataUnavailableError, match="connection reset"):
        download_file("https://example.invalid/data.bin", target, sha256=SHA256, progress=False)
    assert not target.exists() and leftovers(tmp_path) == []


def test_download_shows_progress_with_the_content_length(monkeypatch, tmp_path, capsys):
    class Response(io.BytesIO):
        headers = {"Content-Length": str(len(PAYLOAD))}

    monkeypatch.setattr(dl, "_open_url", lambda url, timeout: Response(PAYLOAD))
    download_file("https://example.invalid/data.bin", tmp_path / "data.bin", sha256=SHA256, progress=True)
    assert "data.bin" in capsys.readouterr().err


def test_fetch_uses_a_verified_copy_without_the_network(monkeypatch, tmp_path):
    (tmp_path / "data.bin").write_bytes(PAYLOAD)
    monkeypatch.setattr(dl, "_open_url", lambda url, timeout: pytest.fail("fetch went to the network"))
    remote = RemoteFile("data.bin", urls="https://example.invalid/data.bin", sha256=SHA256)
    assert remote.urls == ("https://example.invalid/data.bin",)
    assert fetch(remote, tmp_path, progress=False) == tmp_path / "data.bin"


def test_fetch_replaces_a_damaged_copy(tmp_path, mirror):
    folder = tmp_path / "cache"
    folder.mkdir()
    (folder / "data.bin").write_bytes(PAYLOAD[:100])  # a partial earlier download
    remote = RemoteFile("data.bin", urls=(mirror,), sha256=SHA256)
    with pytest.raises(ChecksumError):
        fetch(remote, folder, download=False)
    fetch(remote, folder, progress=False)
    assert (folder / "data.bin").read_bytes() == PAYLOAD


def test_fetch_without_download_says_where_the_file_belongs(tmp_path):
    remote = RemoteFile("data.bin", urls=("https://example.invalid/data.bin",), md5=MD5)
    with pytest.raises(DataUnavailableError, match=r"data.bin is not in .* download=False\. Put it there"):
        fetch(remote, tmp_path, download=False, hint="Put it there.")
    with pytest.raises(TypeError):
        fetch("data.bin", tmp_path)


def test_remote_file_rejects_paths_as_names():
    with pytest.raises(ValueError, match="plain file name"):
        RemoteFile("../escape.bin", urls=("https://example.invalid/x",), sha256=SHA256)
