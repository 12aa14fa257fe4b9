"""`tinytorch.text.tokenization`: character and byte-level BPE tokenizers.

There is no PyTorch oracle for tokenizers (they live outside `torch`); these tests check
the properties a byte-level BPE must have instead, with hypothesis: any text (`st.text()`,
every Unicode code point, including surrogate-free astral characters) round-trips through
encode and decode; encoding equals applying the learned merges one after another in the
order learned; a tokenizer saved and loaded encodes identically; special tokens come out
whole. The training corpus is a small slice of tinyshakespeare (the course data set, from
`$TINYTORCH_DATA` or `../shared/datasets/` beside the project), or its opening lines
when the file is absent.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tinytorch.text.tokenization import (
    BPETokenizer,
    CharTokenizer,
    get_pair_counts,
    get_pair_counts_fast,
    merge,
)
from tito.project import PROJECT_ROOT

EOT = "<|endoftext|>"
OPENING = ("First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\n"
           "Speak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to "
           "famish?\n\nAll:\nResolved. resolved.\n\n")


def _shakespeare_slice(size: int = 6_000) -> str:
    places = [Path(os.environ["TINYTORCH_DATA"])] if os.environ.get("TINYTORCH_DATA") else []
    places.append(PROJECT_ROOT.parent / "shared" / "datasets")
    for place in places:
        path = place / "tinyshakespeare.txt"
        if path.is_file():
            with path.open(encoding="utf-8") as file:
                return file.read(size)
    return (OPENING * (size // len(OPENING) + 1))[:size]


@pytest.fixture(scope="module")
def corpus() -> str:
    return _shakespeare_slice()


@pytest.fixture(scope="module")
def bpe(corpus: str) -> BPETokenizer:
    return BPETokenizer([EOT]).train(corpus, 256 + 80 + 1)


def test_the_corpus_slice_is_shakespeare(corpus: str) -> None:
    assert corpus.startswith("First Citizen:") and len(corpus) == 6_000


def test_training_learns_the_requested_merges_with_ids_in_order(bpe: BPETokenizer) -> None:
    assert len(bpe.merges) == 80
    assert list(bpe.merges.values()) == list(range(256, 336))
    assert bpe.special_tokens == {EOT: 336}
    assert bpe.vocab_size == 337
    for (a, b), new_id in bpe.merges.items():
        assert a < new_id and b < new_id  # a merge only combines ids that already exist
        assert bpe.vocab[new_id] == bpe.vocab[a] + bpe.vocab[b]


def test_training_is_deterministic(corpus: str, bpe: BPETokenizer) -> None:
    again = BPETokenizer([EOT]).train(corpus, 256 + 80 + 1)
    assert again.merges == bpe.merges


def test_english_compresses(corpus: str, bpe: BPETokenizer) -> None:
    held_out = _shakespeare_slice(8_000)[6_000:]
    ids = bpe.encode(held_out)
    assert len(ids) < 0.75 * len(held_out.encode("utf-8"))
    assert bpe.decode(ids) == held_out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_any_text_round_trips_through_bpe(bpe: BPETokenizer, text: str) -> None:
    ids = bpe.encode(text)
    assert all(isinstance(i, int) and 0 <= i < bpe.vocab_size for i in ids)
    assert bpe.decode(ids) == text


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_encoding_applies_the_merges_in_learned_order(bpe: BPETokenizer, text: str) -> None:
    expected = list(text.encode("utf-8"))
    for pair, new_id in bpe.merges.items():
        expected = merge(expected, pair, new_id)
    assert bpe.encode_ordinary(text) == expected


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(), max_size=4))
def test_special_tokens_are_kept_whole(bpe: BPETokenizer, documents: list[str]) -> None:
    documents = [d.replace(EOT, "") for d in documents]
    text = EOT.join(documents)
    ids = bpe.encode(text)
    assert ids.count(bpe.special_tokens[EOT]) == max(len(documents) - 1, 0)
    assert bpe.decode(ids) == text
    # encode_ordinary sees the marker as plain text: no special id
    assert bpe.special_tokens[EOT] not in bpe.encode_ordinary(text)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=0, max_size=300), st.integers(256, 300))
def test_training_on_arbitrary_text_round_trips(text: str, vocab_size: int) -> None:
    tok = BPETokenizer().train(text, vocab_size)
    assert len(tok.merges) <= vocab_size - 256
    assert tok.decode(tok.encode(text)) == text


@settings(max_examples=50, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(st.text())
def test_save_then_load_gives_identical_encodings(bpe: BPETokenizer, tmp_path: Path,
                                                  text: str) -> None:
    path = tmp_path / "tokenizer.json"
    bpe.save(path)
    loaded = BPETokenizer.load(path)
    assert loaded.merges == bpe.merges and list(loaded.merges) == list(bpe.merges)
    assert loaded.special_tokens == bpe.special_tokens
    assert loaded.encode(text) == bpe.encode(text)
    assert loaded.encode(text + EOT + text) == bpe.encode(text + EOT + text)


def test_the_saved_file_is_versioned_json(bpe: BPETokenizer, tmp_path: Path) -> None:
    path = tmp_path / "tokenizer.json"
    bpe.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["version"] == 1 and data["type"] == "byte-level-bpe"
    assert data["merges"] == [list(pair) for pair in bpe.merges]
    assert data["special_tokens"] == {EOT: 336}
    data["version"] = 2
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ValueError, match="version"):
        BPETokenizer.load(path)


def test_decode_replaces_partial_characters_and_refuses_unknown_ids(bpe: BPETokenizer) -> None:
    ids = bpe.encode("🙂")
    assert bpe.decode(ids[:1]).startswith("\ufffd") or len(ids) == 1
    assert BPETokenizer().decode(list("🙂".encode())[:2]) == "\ufffd"
    with pytest.raises(ValueError):
        bpe.decode([bpe.vocab_size])


def test_too_small_a_vocabulary_is_refused() -> None:
    with pytest.raises(ValueError, match="vocab_size"):
        BPETokenizer([EOT]).train("abc", 256)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 600), max_size=200))
def test_fast_pair_counts_equal_the_loop(ids: list[int]) -> None:
    assert get_pair_counts_fast(ids) == get_pair_counts(ids)
    assert get_pair_counts_fast(np.array(ids, dtype=np.int64)) == get_pair_counts(ids)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 3), max_size=50), st.integers(0, 3), st.integers(0, 3))
def test_merge_replaces_non_overlapping_pairs_left_to_right(ids: list[int], a: int,
                                                            b: int) -> None:
    out = merge(ids, (a, b), 99)
    # expanding the new id again gives the input back
    expanded = [x for i in out for x in ((a, b) if i == 99 else (i,))]
    assert expanded == ids
    # no occurrence of the pair is left behind
    assert (a, b) not in get_pair_counts(out)


@settings(max_examples=200, deadline=None)
@given(st.text(min_size=1), st.text())
def test_char_tokenizer_round_trips_its_corpus(corpus: str, extra: str) -> None:
    tok = CharTokenizer(corpus)
    assert tok.itos == sorted(set(corpus))
    assert tok.decode(tok.encode(corpus)) == corpus
    unknown = [c for c in extra if c not in tok.stoi]
    if unknown:
        with pytest.raises(ValueError):
            tok.encode(extra)
        with_unk = CharTokenizer(corpus, unk_token="<unk>")
        assert with_unk.decode(with_unk.encode(extra)) == "".join(
            c if c in tok.stoi else "<unk>" for c in extra)


def test_char_tokenizer_on_shakespeare(corpus: str) -> None:
    tok = CharTokenizer(corpus)
    assert tok.itos[0] == "\n" and tok.itos == sorted(set(corpus))
    assert tok.decode(np.array(tok.encode(corpus[:100]))) == corpus[:100]
