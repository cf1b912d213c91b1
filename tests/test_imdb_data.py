"""Finding, verifying, extracting and reading the IMDB reviews (lstm_edu.imdb.data)."""

from __future__ import annotations

import re
import tarfile
import urllib.error
from pathlib import Path

import numpy as np
import pytest

from imdb_synthetic import archive_with_member, make_archive, make_tree
from lstm_edu.imdb import data
from lstm_edu.imdb.data import IMDBDataError

SHARED_IMDB = Path(__file__).resolve().parents[2] / "shared" / "data" / "imdb"


@pytest.fixture
def tree(tmp_path):
    return make_tree(tmp_path / "src", n_per_class=12)


@pytest.fixture
def archive(tmp_path, tree):
    return make_archive(tree.parent, tmp_path / "my_imdb.tar.gz")


def leftovers(cache: Path) -> list[str]:
    folder = cache / "extracted"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_data_folder_follows_lstm_edu_data_and_the_cache_never_does(monkeypatch, tmp_path):
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("LSTM_EDU_DATA", str(tmp_path / "data"))
    assert data.default_data_dir() == tmp_path / "data" / "imdb"
    assert data.default_cache_dir() == Path.home() / ".cache" / "lstm_edu" / "imdb"
    monkeypatch.delenv("LSTM_EDU_DATA")
    assert data.default_data_dir() == Path.home() / ".cache" / "lstm_edu" / "imdb"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data.default_cache_dir() == tmp_path / "xdg" / "lstm_edu" / "imdb"


def test_a_read_only_offline_copy_in_lstm_edu_data_is_read_but_never_written(tmp_path, monkeypatch):
    shared = tmp_path / "shared" / "imdb"
    shared.mkdir(parents=True)
    labelled = make_archive(make_tree(tmp_path / "src", n_per_class=4).parent, shared / "aclImdb_labelled.tar.gz")
    monkeypatch.setitem(data.KNOWN_SHA256, labelled.name, data.sha256_of(labelled))
    monkeypatch.setenv("LSTM_EDU_DATA", str(shared.parent))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("LSTM_EDU_OFFLINE", "1")
    shared.chmod(0o555)
    try:
        root = data.locate(None)
    finally:
        shared.chmod(0o755)
    assert root.is_relative_to(tmp_path / "xdg" / "lstm_edu" / "imdb" / "extracted")
    assert data.count_reviews(root)["test"] == {"neg": 4, "pos": 4}
    assert sorted(p.name for p in shared.iterdir()) == ["aclImdb_labelled.tar.gz"]


def test_an_extracted_folder_is_used_in_place(tree, tmp_path):
    cache = tmp_path / "cache"
    assert data.locate(tree, cache_dir=cache) == tree
    assert data.locate(tree.parent, cache_dir=cache) == tree
    assert not cache.exists(), "an extracted folder must not be copied"


def test_an_archive_is_extracted_once_into_the_cache(archive, tmp_path):
    cache = tmp_path / "cache"
    root = data.locate(archive, cache_dir=cache)
    assert data.is_imdb_root(root) and root.name == "aclImdb"
    assert root.is_relative_to(cache / "extracted")
    stamp = root.stat().st_mtime_ns
    assert data.locate(archive, cache_dir=cache) == root
    assert root.stat().st_mtime_ns == stamp
    assert len(leftovers(cache)) == 1, "no temporary folder may remain"


def test_a_folder_of_known_archives_is_extracted_together(tmp_path, monkeypatch):
    labelled_src = make_tree(tmp_path / "a", n_per_class=4)
    unsup = tmp_path / "b" / "aclImdb" / "train" / "unsup"
    unsup.mkdir(parents=True)
    (unsup / "0_0.txt").write_text("unlabelled", encoding="utf-8")
    folder = tmp_path / "offline"
    folder.mkdir()
    labelled = make_archive(labelled_src.parent, folder / "aclImdb_labelled.tar.gz")
    extra = make_archive(unsup.parents[2], folder / "aclImdb_unsup.tar.gz")
    monkeypatch.setitem(data.KNOWN_SHA256, labelled.name, data.sha256_of(labelled))
    monkeypatch.setitem(data.KNOWN_SHA256, extra.name, data.sha256_of(extra))
    root = data.locate(folder, cache_dir=tmp_path / "cache")
    assert data.count_reviews(root)["train"] == {"neg": 4, "pos": 4}
    assert not (root / "train" / "unsup").exists()
    both = data.locate(folder, cache_dir=tmp_path / "cache", include_unsup=True)
    assert (both / "train" / "unsup" / "0_0.txt").is_file()


def test_a_known_archive_with_wrong_bytes_is_rejected(tmp_path, tree):
    fake = make_archive(tree.parent, tmp_path / "aclImdb_labelled.tar.gz")
    with pytest.raises(IMDBDataError, match="corrupt or incomplete.*sha256"):
        data.locate(fake, cache_dir=tmp_path / "cache")
    assert leftovers(tmp_path / "cache") == []


def test_a_corrupt_archive_gives_a_clear_error_and_no_cache(tmp_path):
    bad = tmp_path / "imdb.tar.gz"
    bad.write_bytes(b"this is not a tar archive" * 100)
    with pytest.raises(IMDBDataError, match="corrupt or incomplete"):
        data.locate(bad, cache_dir=tmp_path / "cache")
    assert leftovers(tmp_path / "cache") == []


def test_a_partial_archive_gives_a_clear_error_and_no_cache(archive, tmp_path):
    partial = tmp_path / "partial.tar.gz"
    partial.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(IMDBDataError, match="corrupt or incomplete"):
        data.locate(partial, cache_dir=tmp_path / "cache")
    assert leftovers(tmp_path / "cache") == []


def test_an_archive_without_the_layout_is_rejected(tmp_path):
    folder = tmp_path / "other"
    (folder / "aclImdb" / "train").mkdir(parents=True)
    (folder / "aclImdb" / "train" / "x.txt").write_text("x", encoding="utf-8")
    wrong = make_archive(folder, tmp_path / "wrong.tar.gz")
    with pytest.raises(IMDBDataError, match="layout"):
        data.locate(wrong, cache_dir=tmp_path / "cache")
    assert leftovers(tmp_path / "cache") == []


@pytest.mark.parametrize("name, kind, linkname", [
    ("../escaped.txt", "file", ""),
    ("aclImdb/../../escaped.txt", "file", ""),
    ("/tmp/lstm_edu_escaped.txt", "file", ""),
    ("aclImdb/link", "symlink", "/etc/passwd"),
    ("aclImdb/hard", "hardlink", "../../outside"),
])
def test_unsafe_members_are_refused_before_anything_is_written(tmp_path, name, kind, linkname):
    evil = archive_with_member(tmp_path / "evil.tar.gz", name, kind=kind, linkname=linkname)
    cache = tmp_path / "deep" / "cache"
    with pytest.raises(IMDBDataError, match="unsafe"):
        data.locate(evil, cache_dir=cache)
    assert leftovers(cache) == []
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path / "deep" / "escaped.txt").exists()
    assert not Path("/tmp/lstm_edu_escaped.txt").exists()


def test_the_real_downloader_respects_offline_mode(tmp_path, monkeypatch):
    monkeypatch.setenv("LSTM_EDU_OFFLINE", "1")
    with pytest.raises(IMDBDataError, match="could not download.*switched off"):
        data.locate(None, cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache" / data.IMDB_ARCHIVE).exists()


def test_offline_with_nothing_cached_says_what_to_do(tmp_path, monkeypatch):
    def offline(url, destination, sha256):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(data, "_download", offline)
    with pytest.raises(IMDBDataError) as error:
        data.locate(None, cache_dir=tmp_path / "cache")
    message = str(error.value)
    assert "could not download" in message and "--data" in message and "LSTM_EDU_DATA" in message
    assert not (tmp_path / "cache" / data.IMDB_ARCHIVE).exists()


def test_download_false_never_touches_the_network(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "_download", lambda *a: pytest.fail("must not download"))
    with pytest.raises(IMDBDataError, match="downloading is switched off"):
        data.locate(None, cache_dir=tmp_path, download=False)


def test_a_download_with_the_wrong_checksum_is_rejected(tmp_path, monkeypatch, archive):
    def wrong_file(url, destination, sha256):
        destination.parent.mkdir(parents=True, exist_ok=True)
        destination.write_bytes(archive.read_bytes())
        return destination

    monkeypatch.setattr(data, "_download", wrong_file)
    with pytest.raises(IMDBDataError, match="corrupt or incomplete"):
        data.locate(None, cache_dir=tmp_path / "cache")


def test_the_cached_official_archive_is_found_without_network(tmp_path, monkeypatch, archive):
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / data.IMDB_ARCHIVE).write_bytes(archive.read_bytes())
    monkeypatch.setattr(data, "_download", lambda *a: pytest.fail("must not download"))
    monkeypatch.setitem(data.KNOWN_SHA256, data.IMDB_ARCHIVE, data.sha256_of(archive))
    assert data.is_imdb_root(data.locate(None, cache_dir=cache))


def test_missing_paths_give_clear_errors(tmp_path):
    with pytest.raises(IMDBDataError, match="does not exist"):
        data.locate(tmp_path / "nowhere", cache_dir=tmp_path / "cache")
    (tmp_path / "empty").mkdir()
    with pytest.raises(IMDBDataError, match="neither an aclImdb"):
        data.locate(tmp_path / "empty", cache_dir=tmp_path / "cache")


def test_read_reviews_gives_texts_labels_ratings_and_movies(tree):
    reviews = data.read_reviews(tree, "train")
    assert len(reviews) == 24
    assert list(reviews.labels) == [0] * 12 + [1] * 12
    assert set(reviews.ratings[:12]) <= {1, 2, 3, 4} and set(reviews.ratings[12:]) <= {7, 8, 9, 10}
    assert reviews.movies[0] == "tt1000000" and reviews.movies[12] == "tt1001000"
    assert list(reviews.file_ids[:3]) == [0, 1, 2]
    assert "<br />" in reviews.texts[0]


def test_read_reviews_limit_is_balanced_and_repeatable(tree):
    first = data.read_reviews(tree, "test", limit=7, seed=3)
    assert len(first) == 7 and np.bincount(first.labels).tolist() == [3, 4]
    again = data.read_reviews(tree, "test", limit=7, seed=3)
    assert again.texts == first.texts
    with pytest.raises(ValueError, match="limit"):
        data.read_reviews(tree, "test", limit=1)
    with pytest.raises(ValueError, match="split"):
        data.read_reviews(tree, "unsup")


def test_reviews_without_url_files_have_unknown_movies(tmp_path):
    root = make_tree(tmp_path, n_per_class=3, with_urls=False)
    assert data.read_reviews(root, "train").movies == [""] * 6


def test_shared_offline_copy_has_12500_reviews_per_class_and_split():
    archive = SHARED_IMDB / "aclImdb_labelled.tar.gz"
    if not archive.is_file():
        pytest.skip(f"the shared offline copy of IMDB is not on this machine ({archive} is absent)")
    data.verify_archive(archive)
    pattern = re.compile(r"^aclImdb/(train|test)/(pos|neg)/\d+_\d+\.txt$")
    counts: dict[tuple[str, str], int] = {}
    with tarfile.open(archive) as tar:
        for member in data.safe_members(tar):
            match = pattern.match(member.name)
            if match:
                counts[match.groups()] = counts.get(match.groups(), 0) + 1
    assert counts == {(split, label): 12_500 for split in ("train", "test") for label in ("pos", "neg")}
