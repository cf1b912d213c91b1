"""The IMDB tokeniser and vocabulary (lstm_edu.imdb.text)."""

from __future__ import annotations

import json

import pytest

from lstm_edu.imdb.text import PAD, PAD_ID, UNK, UNK_ID, Vocab, tokenize


def test_tokenize_lowercases_and_strips_line_breaks():
    assert tokenize("Great FILM<br /><br />Really<br/>good<BR>") == ["great", "film", "really", "good"]


def test_tokenize_handles_punctuation_and_apostrophes():
    assert tokenize("Don't miss it... It's 10/10, the director\u2019s best!?") == [
        "don't", "miss", "it", "it's", "10", "10", "the", "director's", "best", "!", "?"]


def test_tokenize_keeps_accented_letters_and_drops_control_separators():
    assert tokenize("Amélie\x85was charming") == ["amélie", "was", "charming"]


def test_tokenize_rejects_non_text():
    with pytest.raises(TypeError, match="str"):
        tokenize(["a", "list"])


def test_pad_and_unk_are_reserved_and_distinct():
    vocab = Vocab.build([["good", "film"], ["bad", "film"]])
    assert vocab.itos[:2] == [PAD, UNK]
    assert (PAD_ID, UNK_ID) == (0, 1) and vocab.pad_id != vocab.unk_id
    assert vocab["never-seen"] == UNK_ID
    assert vocab[PAD] == PAD_ID
    assert vocab.encode(["film", "never-seen"]) == [2, UNK_ID]
    assert PAD_ID not in vocab.encode(["good", "bad", "film", "unknown", "words"])


def test_vocab_orders_by_frequency_then_alphabetically():
    vocab = Vocab.build([["b", "a", "c", "c"], ["a", "c", "d"]])
    assert vocab.itos == [PAD, UNK, "c", "a", "b", "d"]
    assert vocab.decode([2, 3, 0]) == ["c", "a", PAD]


def test_vocab_min_freq_and_max_size_count_the_reserved_ids():
    tokens = [["a"] * 5 + ["b"] * 3 + ["c"] * 2 + ["d"]]
    assert Vocab.build(tokens, min_freq=2).itos == [PAD, UNK, "a", "b", "c"]
    small = Vocab.build(tokens, max_size=4)
    assert len(small) == 4 and small.itos == [PAD, UNK, "a", "b"]
    assert small["c"] == UNK_ID


@pytest.mark.parametrize("kwargs", [{"min_freq": 0}, {"max_size": 1}, {"min_freq": 1.5}])
def test_vocab_rejects_bad_sizes(kwargs):
    with pytest.raises(ValueError):
        Vocab.build([["a"]], **kwargs)


def test_vocab_rejects_untokenised_text():
    with pytest.raises(TypeError, match="tokenize"):
        Vocab.build(["a whole review as one string"])
    with pytest.raises(TypeError, match="tokenize"):
        Vocab.build([["a"]]).encode("a string")


def test_vocab_requires_reserved_first_words():
    with pytest.raises(ValueError, match="<pad>"):
        Vocab(["<unk>", "<pad>", "a"])
    with pytest.raises(ValueError, match="distinct"):
        Vocab([PAD, UNK, "a", "a"])


def test_vocab_saves_and_loads_as_json(tmp_path):
    vocab = Vocab.build([tokenize("A great, great film! Über-good.")])
    path = vocab.save(tmp_path / "sub" / "vocab.json")
    assert json.loads(path.read_text(encoding="utf-8"))["itos"][:2] == [PAD, UNK]
    assert Vocab.load(path) == vocab
    assert not list(path.parent.glob("*.tmp")), "the temporary file must be gone"


def test_vocab_load_rejects_other_json(tmp_path):
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"itos": ["a"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a vocabulary"):
        Vocab.load(path)
    path.write_text(json.dumps({"format": "lstm_edu.imdb.Vocab", "pad_id": 0, "unk_id": 1}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a vocabulary"):  # no words: used to be a KeyError
        Vocab.load(path)


def test_vocab_load_reports_a_corrupt_or_partial_file(tmp_path):
    path = Vocab.build([["a", "b"]]).save(tmp_path / "vocab.json")
    whole = path.read_bytes()
    for broken in (whole[: len(whole) // 2], b"", b"\xff\xfe garbage"):
        path.write_bytes(broken)
        with pytest.raises(ValueError, match="corrupt or only partly written"):
            Vocab.load(path)


def test_vocab_words_are_strings_and_decode_checks_ids():
    with pytest.raises(TypeError, match="strings"):
        Vocab([PAD, UNK, 3])
    vocab = Vocab.build([["a", "b"]])
    assert vocab.decode([2, 0]) == ["a", PAD]
    for bad in (-1, len(vocab)):  # -1 used to wrap around silently to the last word
        with pytest.raises(ValueError, match="outside"):
            vocab.decode([bad])


def test_a_failed_text_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    import os

    from lstm_edu.imdb.text import atomic_write_text

    path = tmp_path / "metrics.json"
    atomic_write_text(path, '{"old": 1}')

    def failing_fsync(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", failing_fsync)  # the data are synced before the rename
    with pytest.raises(OSError, match="disk full"):
        atomic_write_text(path, '{"new": 2}')
    assert path.read_text(encoding="utf-8") == '{"old": 1}'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]
