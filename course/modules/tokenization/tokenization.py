# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Module 10 · Tokenization
#
# By the end of this module you will have built the two tokenizers that turn text into the
# integer ids a language model reads: a `CharTokenizer` (one id per character, the
# tokenizer of Karpathy's char-rnn and nanoGPT's Shakespeare demo) and a byte-level
# `BPETokenizer` (the scheme of GPT-2, GPT-4's tiktoken and most Hugging Face models) that
# learns its vocabulary from a corpus, encodes **any** text, keeps special tokens such as
# `<|endoftext|>` whole, and saves itself to a JSON file.
#
# | | |
# |---|---|
# | **Prerequisites** | 00 `setup` (`time_call`); no tensors needed: ids are Python lists |
# | **Time** | about 2 to 3 hours |
# | **Your code lands in** | `tinytorch.text.tokenization`: `CharTokenizer`, `BPETokenizer` |
# | **Next** | 11 `embeddings` turns these ids into vectors; the TinyGPT milestone trains on them |
#
# **Contents.** 1 Why tokenize · 2 Concepts: characters, bytes, byte-pair merges · 3 Build
# it, piece by piece · 4 Use it: tinyshakespeare · 5 Systems analysis · 6 ML systems
# thinking · 7 Summary and checklist

# %% locked="tokenization-imports"
import numpy as np
import pytest
from tito.notebook import extends
from tito.testing import assert_array, run_tests

# %% [markdown]
# ## 1. Why tokenize
#
# A neural network computes on numbers. A language model reads a sequence of integer ids,
# looks each one up in an embedding table (module 11) and predicts the id that comes next.
# The **tokenizer** is the fixed, non-learned-by-gradient map between text and those ids,
# and it decides three things that matter a great deal:
#
# - **Vocabulary size** $V$: the embedding table and the output layer both have $V$ rows.
#   GPT-2 has $V = 50{,}257$: its embedding table alone is $50{,}257 \times 768$ floats.
# - **Sequence length**: the number of tokens a text becomes. Attention (module 12) costs
#   $O(T^2)$ in the length $T$, so a tokenizer that makes sequences 4× shorter makes
#   attention 16× cheaper and lets the model see 4× more text in its context window.
# - **Coverage**: what happens to text the tokenizer never saw. A word-level vocabulary
#   maps every new word to "unknown" and loses it; a byte-level one never does.
#
# Characters give a tiny vocabulary and long sequences; whole words give short sequences
# and a huge vocabulary with unknown words. **Byte-pair encoding** (BPE; Sennrich et al.
# 2016, GPT-2 2019) sits between them: it starts from the 256 byte values and *learns*
# to merge frequent pairs into new tokens, so common words become one token and rare ones
# stay spelled out in pieces.
#
# In PyTorch land tokenizers live outside `torch`: `tiktoken` (OpenAI), Hugging Face
# `tokenizers`/`transformers` (`AutoTokenizer`, `tokenizer.encode`, `tokenizer.decode`,
# `tokenizer.json`), SentencePiece. Your classes use their names: `encode`, `decode`,
# `encode_ordinary`, `vocab_size`, `special_tokens`, `save`, `load`.

# %% [markdown]
# ## 2. Concepts
#
# ### 2.1 Characters
#
# Collect the distinct characters of a corpus, sort them (so the same corpus always gives
# the same ids) and number them: `sorted(set("hello"))` is `['e', 'h', 'l', 'o']`, so
# `"hello"` encodes to `[1, 0, 2, 2, 3]`. A character the corpus never contained has no id:
# either refuse it with a clear error, or reserve an **unknown token** (`<unk>`, id 0, as
# torchtext's `Vocab.set_default_index` and Hugging Face's `unk_token` do) and map it there,
# losing the character.
#
# ### 2.2 Bytes: coverage for free
#
# UTF-8 writes every Unicode character as 1 to 4 bytes: `"é".encode("utf-8")` is
# `b'\xc3\xa9'` (2 bytes), `"🙂"` is 4 bytes. If the base vocabulary is the 256 byte values,
# every string has an encoding, and decoding the bytes gives the string back exactly. No
# unknown token is ever needed. The price: sequences as long as the number of bytes.
#
# ### 2.3 Byte-pair merges
#
# Training repeats one step: count every adjacent pair of ids in the corpus, take the most
# frequent pair, give it a new id (256, then 257, ...) and replace every occurrence. Worked
# example on `"aaabdaaabac"` (bytes `a`=97, `b`=98, ...):
#
# | step | most frequent pair | new id | sequence |
# |---|---|---|---|
# | 0 | | | `a a a b d a a a b a c` (11 ids) |
# | 1 | `(a, a)` ×4 | 256 = `aa` | `aa a b d aa a b a c` (9) |
# | 2 | `(a, b)` ×2 | 257 = `ab` | `aa ab d aa ab a c` (7) |
# | 3 | `(aa, ab)` ×2 | 258 = `aaab` | `aaab d aaab a c` (5) |
#
# (At step 1, `(a, a)` occurs four times counting overlaps, but `aaa` holds only one
# non-overlapping `aa`: merging goes left to right and never reuses an id.) Ties in the
# count are broken by the **smaller pair**: at step 2, `(aa, a)` = `(256, 97)` also occurs
# twice, and `(a, b)` = `(97, 98)` wins, so training is deterministic.
#
# **Encoding** new text applies the learned merges **in the order they were learned**:
# first every `(a, a)` becomes 256, then every `(a, b)` becomes 257, and so on. A merge can
# only create pairs that were learned later, so "repeatedly merge the present pair with the
# lowest id" gives exactly the same result, and that is how GPT-2 and tiktoken do it.
# **Decoding** looks up the bytes of each id (`vocab[258] = b"aaab"`), joins them and
# decodes UTF-8.
#
# ### 2.4 Special tokens
#
# Models need markers that are not text: `<|endoftext|>` separates documents in GPT-2's
# training data. A special token gets its own id after the merges, is matched whole before
# any byte-level work (it must never be split into `<`, `|`, ...), and training ignores it
# (no merge may cross a document boundary).

# %% [markdown]
# ## 3. Build it
#
# ### 3.0 The plan
#
# | piece | what | PyTorch-world equivalent |
# |---|---|---|
# | 1 | `CharTokenizer.__init__`: the sorted vocabulary | char-rnn's `stoi`/`itos` |
# | 2 | `CharTokenizer.encode`, `decode` | `tokenizer.encode`, `tokenizer.decode` |
# | 3 | `get_pair_counts`: the explicit pair-count loop | minbpe's `get_stats` |
# | 4 | `merge`: replace one pair by a new id | minbpe's `merge` |
# | 5 | `get_pair_counts_fast`: the same counts, vectorized | |
# | 6 | `BPETokenizer.train` | `tokenizers.trainers.BpeTrainer` |
# | 7 | `BPETokenizer.encode_ordinary`, `decode` | `tiktoken.Encoding.encode_ordinary`, `decode` |
# | 8 | `BPETokenizer.save`, `load` | `tokenizer.save("tokenizer.json")`, `Tokenizer.from_file` |
#
# The imports of the package module come first.

# %% locked="tokenization-package-imports"
#| export
import json
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np

# %% [markdown]
# ### 3.1 Piece 1: `CharTokenizer.__init__`
#
# `CharTokenizer(corpus, unk_token=None)` builds its vocabulary from the distinct
# characters of `corpus`, **sorted**. It keeps two tables: `itos` (a list: id → string) and
# `stoi` (a dict: string → id). With an `unk_token` such as `"<unk>"`, that token comes
# first (id 0) and the characters follow from id 1, the layout torchtext gives its
# `specials`. `vocab_size` (given) is the length of `itos`.

# %% solution="char-init"
#| export
class CharTokenizer:
    """A character-level tokenizer: one id per distinct character of a corpus.

    Ids follow the sorted characters, so one corpus always gives the same vocabulary.
    `itos[i]` is the string of id `i`, `stoi` the inverse dict. With `unk_token` (for example
    "<unk>"), that token takes id 0 and characters outside the vocabulary encode to it, as
    Hugging Face's `unk_token` and torchtext's default index do; without it, encoding an
    unknown character raises ValueError.

    TODO: Build `self.unk_token`, `self.itos` and `self.stoi` from `corpus`.

    APPROACH:
    1. If `corpus` is not a `str`, raise `TypeError` saying a string is needed.
    2. `chars = sorted(set(corpus))`.
    3. `self.itos` is `[unk_token] + chars` with an unk token, else `chars`.
    4. `self.stoi = {s: i for i, s in enumerate(self.itos)}`.

    EXAMPLE:
    >>> tok = CharTokenizer("hello")
    >>> tok.itos, tok.stoi["l"], tok.vocab_size
    (['e', 'h', 'l', 'o'], 2, 4)

    HINTS:
    - `sorted` of a set of characters orders them by code point: space and newline first.
    """

    def __init__(self, corpus: str, unk_token: str | None = None) -> None:
        ### BEGIN SOLUTION
        if not isinstance(corpus, str):
            raise TypeError(f"CharTokenizer needs the corpus as one str, got "
                            f"{type(corpus).__name__}: join your texts first")
        self.unk_token = unk_token
        chars = sorted(set(corpus) - {unk_token})
        self.itos = ([unk_token] if unk_token is not None else []) + chars
        self.stoi = {s: i for i, s in enumerate(self.itos)}
        ### END SOLUTION

    @property
    def vocab_size(self) -> int:
        """The number of ids: distinct characters, plus one for the unk token if any."""
        return len(self.itos)


# %% test="char-init-tests" points=5
def test_char_vocabulary_is_sorted(run):
    def vocab():
        tok = CharTokenizer("hello world")
        return tok.itos, tok.stoi, tok.vocab_size

    itos, stoi, size = run(vocab)
    assert itos == [" ", "d", "e", "h", "l", "o", "r", "w"], (
        f"itos should be the sorted distinct characters, got {itos}")
    assert stoi == {s: i for i, s in enumerate(itos)}, "stoi should invert itos"
    assert size == 8, f"'hello world' has 8 distinct characters, vocab_size gave {size}"


def test_char_unk_token_takes_id_zero(run):
    def vocab():
        tok = CharTokenizer("ba", unk_token="<unk>")
        return tok.itos, tok.vocab_size

    itos, size = run(vocab)
    assert itos == ["<unk>", "a", "b"], f"the unk token comes first, then a, b; got {itos}"
    assert size == 3, f"vocab_size should count the unk token: 3, got {size}"


run_tests(test_char_vocabulary_is_sorted, test_char_unk_token_takes_id_zero)
### BEGIN HIDDEN TESTS
def test_char_vocabulary_edge_cases(run):
    def edges():
        empty = CharTokenizer("")
        wide = CharTokenizer("🙂é\n🙂")
        return empty.vocab_size, wide.itos

    size, itos = run(edges)
    assert size == 0, f"an empty corpus has an empty vocabulary, got vocab_size {size}"
    assert itos == ["\n", "é", "🙂"], f"characters beyond ASCII are one id each, got {itos}"
    with pytest.raises(TypeError):
        run("CharTokenizer", ["a", "b"])


run_tests(test_char_vocabulary_edge_cases)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.2 Piece 2: `encode` and `decode`
#
# `encode(text)` returns a Python `list` of ints, as Hugging Face's `tokenizer.encode` and
# tiktoken do (module 11 turns lists into tensors). A character not in the vocabulary maps
# to id 0 when there is an unk token; otherwise raise `ValueError` naming the character and
# its position, and saying how to fix it. `decode(ids)` joins the strings of the ids; an id
# outside `0 .. vocab_size - 1` raises `ValueError`. Accept any iterable of integers
# (a list, a NumPy array: use `int(i)`).

# %% solution="char-encode-decode"
#| export
@extends(CharTokenizer)
class CharTokenizerCoding:
    def encode(self, text: str) -> list[int]:
        """The ids of the characters of `text` (a list of ints).

        TODO: Look each character up in `self.stoi`.

        APPROACH:
        1. For each `position, ch` of `enumerate(text)`, find `self.stoi.get(ch)`.
        2. Missing: with `self.unk_token`, use id 0; else raise `ValueError` with the
           character, its position and the fix (a corpus that contains it, or `unk_token`).

        EXAMPLE:
        >>> CharTokenizer("hello").encode("hole")
        [1, 3, 2, 0]
        """
        ### BEGIN SOLUTION
        ids = []
        for position, ch in enumerate(text):
            i = self.stoi.get(ch)
            if i is None:
                if self.unk_token is None:
                    raise ValueError(
                        f"character {ch!r} at position {position} is not in the vocabulary: "
                        "build the tokenizer from a corpus that contains it, or pass "
                        "unk_token='<unk>'")
                i = 0
            ids.append(i)
        return ids
        ### END SOLUTION

    def decode(self, ids: Iterable[int]) -> str:
        """The text of a sequence of ids (the inverse of `encode`).

        TODO: Join `self.itos[i]` for every id, refusing ids outside the vocabulary.

        EXAMPLE:
        >>> CharTokenizer("hello").decode([1, 3, 2, 0])
        'hole'

        HINTS:
        - A negative index would silently read from the end of `itos`: check the range.
        """
        ### BEGIN SOLUTION
        parts = []
        for i in ids:
            i = int(i)
            if not 0 <= i < len(self.itos):
                raise ValueError(f"id {i} is not in the vocabulary (ids 0 to "
                                 f"{len(self.itos) - 1})")
            parts.append(self.itos[i])
        return "".join(parts)
        ### END SOLUTION


# %% test="char-encode-decode-tests" points=10
def test_char_encode_and_decode(run):
    def coded():
        tok = CharTokenizer("hello")
        ids = tok.encode("hole")
        return ids, tok.decode(ids), tok.decode(np.array([3, 2, 2], dtype=np.int64))

    ids, text, from_array = run(coded)
    assert ids == [1, 3, 2, 0], f"'hole' with vocabulary e,h,l,o is [1, 3, 2, 0], got {ids}"
    assert text == "hole", f"decode(encode('hole')) should give 'hole', got {text!r}"
    assert from_array == "oll", f"decode should accept a NumPy array, got {from_array!r}"


def test_char_unknown_characters(run):
    def with_unk():
        return CharTokenizer("ab", unk_token="<unk>").encode("abz")

    def without_unk():
        return CharTokenizer("ab").encode("abz")

    assert run(with_unk) == [1, 2, 0], "an unknown character maps to the unk id 0"
    with pytest.raises(ValueError, match="'z'"):
        run(without_unk)


run_tests(test_char_encode_and_decode, test_char_unknown_characters)
### BEGIN HIDDEN TESTS
def test_char_decode_refuses_bad_ids_and_round_trips(run):
    def trip():
        text = "To be, or not to be 🙂\n"
        tok = CharTokenizer(text)
        return tok.decode(tok.encode(text)), tok.encode(""), tok.decode([])

    back, empty_ids, empty_text = run(trip)
    assert back == "To be, or not to be 🙂\n", f"the round trip changed the text: {back!r}"
    assert empty_ids == [] and empty_text == "", "empty text and empty ids stay empty"
    def bad_id(i):
        return CharTokenizer("ab").decode([i])

    for i in (2, -1):
        with pytest.raises(ValueError):
            run(bad_id, i)


run_tests(test_char_decode_refuses_bad_ids_and_round_trips)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.3 Piece 3: `get_pair_counts`, the explicit loop
#
# Training's inner step: walk the sequence once and count every adjacent pair
# `(ids[i], ids[i + 1])` in a dict. Pairs overlap: `[1, 1, 1]` holds `(1, 1)` twice. An
# optional `counts` dict is updated in place and returned, so training can count over many
# chunks of text (documents between special tokens) into one dict.

# %% solution="pair-counts"
#| export
def get_pair_counts(ids: list[int], counts: dict[tuple[int, int], int] | None = None
                    ) -> dict[tuple[int, int], int]:
    """Count each pair of adjacent ids: `{(a, b): times (a, b) occurs}`.

    Overlapping pairs all count (`[1, 1, 1]` gives `{(1, 1): 2}`). If `counts` is given,
    the counts are added to it in place and it is returned.

    TODO: Count the pairs with an explicit loop over the positions.

    APPROACH:
    1. Start from `counts`, or a new `{}` if it is None.
    2. For `i` in `range(len(ids) - 1)`: `pair = (ids[i], ids[i + 1])`, add 1 to its count.
    3. Return the dict.

    EXAMPLE:
    >>> get_pair_counts([1, 2, 3, 1, 2])
    {(1, 2): 2, (2, 3): 1, (3, 1): 1}

    HINTS:
    - `counts.get(pair, 0) + 1` counts a pair seen for the first time.
    """
    ### BEGIN SOLUTION
    if counts is None:
        counts = {}
    for i in range(len(ids) - 1):
        pair = (ids[i], ids[i + 1])
        counts[pair] = counts.get(pair, 0) + 1
    return counts
    ### END SOLUTION


# %% test="pair-counts-tests" points=10
def test_pair_counts_counts_adjacent_pairs(run):
    def counted():
        counts = get_pair_counts([1, 2, 3, 1, 2])
        return sorted([a, b, n] for (a, b), n in counts.items())

    assert run(counted) == [[1, 2, 2], [2, 3, 1], [3, 1, 1]], (
        "[1, 2, 3, 1, 2] has (1, 2) twice, (2, 3) and (3, 1) once")


def test_pair_counts_adds_to_a_given_dict(run):
    def added():
        counts = {(1, 2): 5}
        out = get_pair_counts([1, 2, 1], counts)
        return out is counts, sorted([a, b, n] for (a, b), n in counts.items())

    same, counts = run(added)
    assert same, "with counts given, get_pair_counts should update and return that dict"
    assert counts == [[1, 2, 6], [2, 1, 1]], f"5 + 1 for (1, 2) and 1 for (2, 1); got {counts}"


run_tests(test_pair_counts_counts_adjacent_pairs, test_pair_counts_adds_to_a_given_dict)
### BEGIN HIDDEN TESTS
def test_pair_counts_overlaps_and_short_inputs(run):
    def edges():
        return ([[a, b, n] for (a, b), n in get_pair_counts([7, 7, 7, 7]).items()],
                len(get_pair_counts([])), len(get_pair_counts([5])))

    overlapping, empty, single = run(edges)
    assert overlapping == [[7, 7, 3]], f"[7, 7, 7, 7] holds (7, 7) three times: {overlapping}"
    assert empty == 0 and single == 0, "fewer than two ids have no pairs"


run_tests(test_pair_counts_overlaps_and_short_inputs)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.4 Piece 4: `merge`
#
# Replace every occurrence of `pair` by `new_id`, scanning **left to right** and never
# reusing an id: `merge([1, 1, 1], (1, 1), 9)` is `[9, 1]`. Return a new list; the input
# stays unchanged.

# %% solution="merge"
#| export
def merge(ids: list[int], pair: tuple[int, int], new_id: int) -> list[int]:
    """A new list where each non-overlapping occurrence of `pair`, left to right, is
    replaced by `new_id`.

    TODO: Walk through `ids` with an index, emitting `new_id` where the pair starts.

    APPROACH:
    1. `out = []`, `i = 0`.
    2. While `i < len(ids)`: if `ids[i], ids[i + 1]` (when `i + 1 < len(ids)`) equal the
       pair, append `new_id` and step 2; else append `ids[i]` and step 1.

    EXAMPLE:
    >>> merge([5, 6, 5, 6, 7], (5, 6), 256)
    [256, 256, 7]
    """
    ### BEGIN SOLUTION
    out = []
    i = 0
    while i < len(ids):
        if i + 1 < len(ids) and ids[i] == pair[0] and ids[i + 1] == pair[1]:
            out.append(new_id)
            i += 2
        else:
            out.append(ids[i])
            i += 1
    return out
    ### END SOLUTION


# %% test="merge-tests" points=5
def test_merge_replaces_every_occurrence(run):
    assert run("merge", [5, 6, 5, 6, 7], (5, 6), 256) == [256, 256, 7], (
        "both (5, 6) pairs become 256")
    assert run("merge", [6, 5, 7], (5, 6), 256) == [6, 5, 7], "(6, 5) is not the pair (5, 6)"


run_tests(test_merge_replaces_every_occurrence)
### BEGIN HIDDEN TESTS
def test_merge_left_to_right_without_overlap(run):
    def merged():
        ids = [1, 1, 1, 1, 1]
        out = merge(ids, (1, 1), 9)
        return out, ids, merge([], (1, 1), 9), merge([1], (1, 1), 9)

    out, original, empty, single = run(merged)
    assert out == [9, 9, 1], f"[1]*5 merging (1, 1) left to right is [9, 9, 1], got {out}"
    assert original == [1, 1, 1, 1, 1], "merge must return a new list, not change its input"
    assert empty == [] and single == [1], "short inputs come back unchanged"


run_tests(test_merge_left_to_right_without_overlap)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.5 Piece 5: the vectorized pair count
#
# Your loop touches every position in Python: a few hundred nanoseconds each. NumPy can count all
# pairs at once. Encode the pair `(a, b)` as one integer `a * base + b` with
# `base = max(ids) + 1` (every pair gets a distinct key), then `np.unique(keys,
# return_counts=True)` counts the keys in compiled code. Decode each key back with `//` and
# `%`. The dict holds Python ints (`int(...)`), so it compares equal to your loop's.
# Section 5 measures the speed-up.

# %% solution="pair-counts-fast"
#| export
def get_pair_counts_fast(ids: list[int]) -> dict[tuple[int, int], int]:
    """The same counts as `get_pair_counts(ids)`, computed with NumPy (ids ≥ 0).

    TODO: Count pair keys `a * base + b` with `np.unique`.

    APPROACH:
    1. `a = np.asarray(ids, dtype=np.int64)`; fewer than 2 ids: return `{}`.
    2. `base = int(a.max()) + 1`; `keys = a[:-1] * base + a[1:]`.
    3. `unique, counts = np.unique(keys, return_counts=True)`.
    4. Return `{(k // base, k % base): c}` over `zip(unique, counts)`, every number
       made a Python `int`.

    EXAMPLE:
    >>> get_pair_counts_fast([1, 2, 3, 1, 2]) == get_pair_counts([1, 2, 3, 1, 2])
    True
    """
    ### BEGIN SOLUTION
    a = np.asarray(ids, dtype=np.int64)
    if a.size < 2:
        return {}
    base = int(a.max()) + 1
    keys = a[:-1] * base + a[1:]
    unique, counts = np.unique(keys, return_counts=True)
    return {(int(k // base), int(k % base)): int(c)
            for k, c in zip(unique, counts, strict=True)}
    ### END SOLUTION


# %% test="pair-counts-fast-tests" points=5
def test_fast_counts_equal_the_loop(run):
    def both():
        rng = np.random.default_rng(0)
        ids = [int(i) for i in rng.integers(0, 20, size=500)]
        fast, loop = get_pair_counts_fast(ids), get_pair_counts(ids)
        return sorted([a, b, n] for (a, b), n in fast.items()), sorted(
            [a, b, n] for (a, b), n in loop.items())

    fast, loop = run(both)
    assert fast == loop, "get_pair_counts_fast must give exactly the loop's counts"


run_tests(test_fast_counts_equal_the_loop)
### BEGIN HIDDEN TESTS
def test_fast_counts_edges_and_types(run):
    def edges():
        big = get_pair_counts_fast([300, 0, 300, 0])
        kinds = {type(x).__name__ for (a, b), n in big.items() for x in (a, b, n)}
        return (sorted([a, b, n] for (a, b), n in big.items()), sorted(kinds),
                len(get_pair_counts_fast([])), len(get_pair_counts_fast([4])))

    big, kinds, empty, single = run(edges)
    assert big == [[0, 300, 1], [300, 0, 2]], f"counts with ids above 255 are wrong: {big}"
    assert kinds == ["int"], f"keys and counts should be Python ints, got {kinds}"
    assert empty == 0 and single == 0, "fewer than two ids have no pairs"


run_tests(test_fast_counts_edges_and_types)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.6 Piece 6: `BPETokenizer.train`
#
# The class is given its constructor and bookkeeping: `merges` (an ordered dict
# `(a, b) → new id`, in the order learned), `vocab` (id → bytes, rebuilt from the merges by
# `_rebuild`), `special_tokens` (name → id, placed after the merges) and `_split`, which
# cuts text into ordinary and special parts.
#
# `train(corpus, vocab_size)` learns `vocab_size - 256 - len(special tokens)` merges:
#
# 1. Cut the corpus with `self._split(corpus)`; keep the ordinary parts only, each as a
#    list of its UTF-8 bytes: `list(part.encode("utf-8"))`. (No merge crosses a special.)
# 2. For merge number `k`: count the pairs over all chunks into one dict (your
#    `get_pair_counts` with its `counts` argument). No pairs left: stop early.
# 3. The winner: the highest count, ties broken by the smallest pair.
# 4. Replace it in every chunk with `merge(..., 256 + k)`, record
#    `self.merges[pair] = 256 + k`.
#
# The given code checks `vocab_size`, rebuilds `vocab` and returns `self`, so
# `BPETokenizer(["<|endoftext|>"]).train(text, 512)` reads well.

# %% solution="bpe-train"
#| export
class BPETokenizer:
    """A byte-level byte-pair-encoding tokenizer (the scheme of GPT-2 and tiktoken).

    Text is UTF-8 encoded and ids 0-255 are the byte values, so any string encodes and
    decodes back exactly. `train(corpus, vocab_size)` learns merges: each replaces the most
    frequent adjacent pair of ids with a new id (256, 257, ...). `special_tokens` (such as
    "<|endoftext|>") get the ids after the merges and are matched whole, never split.
    `vocab[i]` is the bytes of id `i`; `merges` maps each learned pair to its id, in the
    order learned; `save` and `load` keep a tokenizer in a JSON file.
    """

    VERSION = 1

    def __init__(self, special_tokens: Iterable[str] = ()) -> None:
        special_tokens = list(dict.fromkeys(special_tokens))
        for token in special_tokens:
            if not isinstance(token, str) or not token:
                raise ValueError(f"special tokens must be non-empty strings, got {token!r}")
        self._special_list = special_tokens
        self.merges: dict[tuple[int, int], int] = {}
        self._rebuild()

    def _rebuild(self) -> None:
        """Recompute `vocab`, `special_tokens` and the special-token pattern from `merges`."""
        self.vocab = {i: bytes([i]) for i in range(256)}
        for (a, b), new_id in self.merges.items():
            self.vocab[new_id] = self.vocab[a] + self.vocab[b]
        start = 256 + len(self.merges)
        self.special_tokens = {t: start + j for j, t in enumerate(self._special_list)}
        self._special_ids = {i: t for t, i in self.special_tokens.items()}
        longest_first = sorted(self._special_list, key=len, reverse=True)
        self._pattern = (re.compile("(" + "|".join(map(re.escape, longest_first)) + ")")
                         if longest_first else None)

    def _split(self, text: str) -> list[tuple[str, bool]]:
        """`text` cut into `(part, is_special)` pieces, in order, without empty parts."""
        if self._pattern is None:
            return [(text, False)] if text else []
        parts = self._pattern.split(text)  # odd positions hold the special tokens
        return [(part, i % 2 == 1) for i, part in enumerate(parts) if part]

    @property
    def vocab_size(self) -> int:
        """256 byte ids, plus one per merge, plus one per special token."""
        return 256 + len(self.merges) + len(self.special_tokens)

    def train(self, corpus: str, vocab_size: int) -> "BPETokenizer":
        """Learn `vocab_size - 256 - len(special_tokens)` merges from `corpus` (fewer if
        the corpus runs out of pairs) and return `self`. Special tokens in the corpus are
        cut out first; ties in the count go to the smallest pair.

        TODO: Fill `self.merges` with the merges, most frequent pair first.

        APPROACH:
        1. `chunks`: `list(part.encode("utf-8"))` for each ordinary part of
           `self._split(corpus)`.
        2. For `k` in `range(n_merges)`: count pairs over all chunks into one dict; stop if
           it is empty; pick the best pair; merge it in every chunk to `256 + k`; record it.

        EXAMPLE:
        >>> tok = BPETokenizer().train("aaabdaaabac", 259)
        >>> tok.merges
        {(97, 97): 256, (97, 98): 257, (256, 257): 258}

        HINTS:
        - Best pair: `best = max(counts.values())`, then the `min` of the pairs with it.
        - Reassign the chunks: `chunks = [merge(c, pair, new_id) for c in chunks]`.
        """
        n_merges = vocab_size - 256 - len(self._special_list)
        if n_merges < 0:
            raise ValueError(f"vocab_size {vocab_size} is too small: it must hold the 256 "
                             f"bytes and {len(self._special_list)} special tokens")
        self.merges = {}
        ### BEGIN SOLUTION
        chunks = [list(part.encode("utf-8")) for part, special in self._split(corpus)
                  if not special]
        for k in range(n_merges):
            counts: dict[tuple[int, int], int] = {}
            for chunk in chunks:
                get_pair_counts(chunk, counts)
            if not counts:
                break
            best = max(counts.values())
            pair = min(p for p, n in counts.items() if n == best)
            chunks = [merge(chunk, pair, 256 + k) for chunk in chunks]
            self.merges[pair] = 256 + k
        ### END SOLUTION
        self._rebuild()
        return self


# %% test="bpe-train-tests" points=15
def test_bpe_learns_the_worked_example(run):
    def trained():
        tok = BPETokenizer().train("aaabdaaabac", 259)
        return ([[a, b, i] for (a, b), i in tok.merges.items()], tok.vocab[258].decode(),
                tok.vocab_size)

    merges, token, size = run(trained)
    assert merges == [[97, 97, 256], [97, 98, 257], [256, 257, 258]], (
        f"the worked example learns aa, ab, aaab in that order; got {merges}")
    assert token == "aaab", f"id 258 should be the bytes of 'aaab', got {token!r}"
    assert size == 259, f"vocab_size should be 256 + 3 merges = 259, got {size}"


def test_bpe_ties_go_to_the_smallest_pair(run):
    def trained():
        return [[a, b, i] for (a, b), i in BPETokenizer().train("ba", 257).merges.items()]

    assert run(trained) == [[98, 97, 256]], "'ba' has one pair (98, 97): it becomes 256"

    def tied():
        return [[a, b, i] for (a, b), i in BPETokenizer().train("cdab", 257).merges.items()]

    merges = run(tied)
    assert merges == [[97, 98, 256]], (
        f"all pairs of 'cdab' occur once; the smallest, (97, 98), wins: got {merges}")


run_tests(test_bpe_learns_the_worked_example, test_bpe_ties_go_to_the_smallest_pair)
### BEGIN HIDDEN TESTS
def test_bpe_training_skips_special_tokens_and_stops_early(run):
    def trained():
        tok = BPETokenizer(["<|endoftext|>"]).train("xy<|endoftext|>xy<|endoftext|>", 300)
        return ([[a, b, i] for (a, b), i in tok.merges.items()], tok.special_tokens,
                tok.vocab_size)

    merges, special, size = run(trained)
    assert merges == [[120, 121, 256]], (
        f"only 'xy' can merge: no pair may cross or include a special token; got {merges}")
    assert special == {"<|endoftext|>": 257}, f"the special id follows the merges: {special}"
    assert size == 258, f"256 bytes + 1 merge + 1 special = 258, got {size}"
    def too_small():
        BPETokenizer(["<s>"]).train("abc", 256)

    with pytest.raises(ValueError):
        run(too_small)


def test_bpe_training_counts_across_chunks_and_utf8(run):
    def trained():
        tok = BPETokenizer(["|"]).train("é|é|é", 258)
        return [[a, b, i] for (a, b), i in tok.merges.items()]

    assert run(trained) == [[0xC3, 0xA9, 256]], "'é' is bytes C3 A9: its pair merges first"


run_tests(test_bpe_training_skips_special_tokens_and_stops_early,
          test_bpe_training_counts_across_chunks_and_utf8)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.7 Piece 7: `encode_ordinary` and `decode`
#
# `encode_ordinary(text)` (tiktoken's name) encodes text as plain bytes, special tokens
# included as ordinary text: take the UTF-8 bytes, then while at least two ids remain,
# count the pairs, pick the present pair with the **lowest merge id** (the earliest
# learned), stop if no present pair was learned, else merge it. The given `encode(text)`
# cuts out the special tokens first and encodes the rest with `encode_ordinary`.
#
# `decode(ids)` joins the bytes of each id (`self.vocab`, or the special token's UTF-8
# bytes) and decodes with `errors="replace"`: a slice of ids may end in the middle of a
# multi-byte character, and like tiktoken and Hugging Face you show `�` there rather than
# fail. An id that is neither in `vocab` nor special raises `ValueError`.

# %% solution="bpe-encode-decode"
#| export
@extends(BPETokenizer)
class BPETokenizerCoding:
    def encode_ordinary(self, text: str) -> list[int]:
        """The ids of `text`, treating special tokens as ordinary text (tiktoken's
        `encode_ordinary`).

        TODO: Apply the learned merges to the UTF-8 bytes of `text`, earliest merge first.

        APPROACH:
        1. `ids = list(text.encode("utf-8"))`.
        2. While `len(ids) >= 2`: `counts = get_pair_counts(ids)`; `pair` = the pair of
           `counts` with the smallest `self.merges.get(pair, inf)`; not in `self.merges`:
           stop; else `ids = merge(ids, pair, self.merges[pair])`.

        EXAMPLE:
        >>> tok = BPETokenizer().train("aaabdaaabac", 259)
        >>> tok.encode_ordinary("aaabdaaabac")
        [258, 100, 258, 97, 99]
        """
        ### BEGIN SOLUTION
        ids = list(text.encode("utf-8"))
        while len(ids) >= 2:
            counts = get_pair_counts(ids)
            pair = min(counts, key=lambda p: self.merges.get(p, float("inf")))
            if pair not in self.merges:
                break
            ids = merge(ids, pair, self.merges[pair])
        return ids
        ### END SOLUTION

    def encode(self, text: str) -> list[int]:
        """The ids of `text`: special tokens whole (one id each), the rest byte-pair encoded."""
        ids: list[int] = []
        for part, special in self._split(text):
            if special:
                ids.append(self.special_tokens[part])
            else:
                ids.extend(self.encode_ordinary(part))
        return ids

    def decode(self, ids: Iterable[int]) -> str:
        """The text of `ids`; bytes that do not form valid UTF-8 become U+FFFD ('�').

        TODO: Join the bytes of every id and decode them.

        APPROACH:
        1. For each id (`int(i)`): special → `token.encode("utf-8")` (use
           `self._special_ids`); in `self.vocab` → its bytes; else raise `ValueError`.
        2. `b"".join(parts).decode("utf-8", errors="replace")`.
        """
        ### BEGIN SOLUTION
        parts = []
        for i in ids:
            i = int(i)
            if i in self._special_ids:
                parts.append(self._special_ids[i].encode("utf-8"))
            elif i in self.vocab:
                parts.append(self.vocab[i])
            else:
                raise ValueError(f"id {i} is not in the vocabulary (ids 0 to "
                                 f"{self.vocab_size - 1})")
        return b"".join(parts).decode("utf-8", errors="replace")
        ### END SOLUTION


# %% test="bpe-encode-decode-tests" points=10
def test_bpe_encodes_with_the_learned_merges(run):
    def coded():
        tok = BPETokenizer().train("aaabdaaabac", 259)
        ids = tok.encode("aaabdaaabac")
        return ids, tok.decode(ids), tok.encode("ba")

    ids, text, unseen = run(coded)
    assert ids == [258, 100, 258, 97, 99], f"expected [258, 100, 258, 97, 99], got {ids}"
    assert text == "aaabdaaabac", f"decode(encode(text)) should give text back, got {text!r}"
    assert unseen == [98, 97], f"'ba' was never merged: its bytes [98, 97], got {unseen}"


def test_bpe_round_trips_any_text_and_keeps_specials(run):
    def coded():
        tok = BPETokenizer(["<|endoftext|>"]).train("hello world<|endoftext|>hello", 270)
        text = "héllo 🙂 <|endoftext|>中文"
        ids = tok.encode(text)
        return ids, tok.decode(ids), tok.special_tokens["<|endoftext|>"]

    ids, back, eot = run(coded)
    assert back == "héllo 🙂 <|endoftext|>中文", f"the round trip changed the text: {back!r}"
    assert ids.count(eot) == 1, f"<|endoftext|> should be one id ({eot}), got ids {ids}"


run_tests(test_bpe_encodes_with_the_learned_merges,
          test_bpe_round_trips_any_text_and_keeps_specials)
### BEGIN HIDDEN TESTS
def test_bpe_merges_apply_in_learned_order(run):
    def both():
        corpus = "the cat sat on the mat; the bat ate the hat " * 3
        tok = BPETokenizer().train(corpus, 290)
        text = "that theme hath the matte"
        ids = list(text.encode("utf-8"))
        for pair, new_id in tok.merges.items():
            ids = merge(ids, pair, new_id)
        return tok.encode(text), ids, tok.encode(""), tok.decode([])

    encoded, in_order, empty_ids, empty_text = run(both)
    assert encoded == in_order, (
        f"encode must equal applying every merge in learned order: {encoded} vs {in_order}")
    assert empty_ids == [] and empty_text == "", "empty text and empty ids stay empty"


def test_bpe_decode_replaces_partial_characters_and_refuses_bad_ids(run):
    def partial():
        tok = BPETokenizer()
        return tok.decode(tok.encode("é")[:1]), tok.encode_ordinary("a<s>")

    text, ordinary = run(partial)
    assert text == "\ufffd", f"half of 'é' should decode to U+FFFD, got {text!r}"
    assert ordinary == [97, 60, 115, 62], "encode_ordinary treats specials as plain bytes"
    def unknown_id():
        return BPETokenizer().decode([256])

    with pytest.raises(ValueError):
        run(unknown_id)


run_tests(test_bpe_merges_apply_in_learned_order,
          test_bpe_decode_replaces_partial_characters_and_refuses_bad_ids)
### END HIDDEN TESTS

# %% [markdown]
# ### 3.8 Piece 8: `save` and `load`
#
# A trained tokenizer is part of a model: a model is useless with a different tokenizer.
# Save it as JSON (readable, safe to load: nothing in it can run code), as Hugging Face's
# `tokenizer.json` does:
#
# ```json
# {"version": 1, "type": "byte-level-bpe",
#  "merges": [[97, 97], [97, 98], [256, 257]],
#  "special_tokens": {"<|endoftext|>": 259}}
# ```
#
# The merges are listed in order: the `k`-th makes id `256 + k`, so ids need not be stored.
# `load` is a `classmethod` (call it on the class: `BPETokenizer.load(path)`): check the
# version first (a file from a future format must fail clearly, not half-work), rebuild
# `merges`, then `_rebuild()`.

# %% solution="bpe-save-load"
#| export
@extends(BPETokenizer)
class BPETokenizerFiles:
    def save(self, path: str | Path) -> None:
        """Write the tokenizer to a JSON file: version, type, merges in order, special tokens.

        TODO: Write the dict shown above with `json.dumps` to `path` (UTF-8).

        HINTS:
        - JSON has no tuples: write each merge as `[a, b]`.
        - `Path(path).write_text(text, encoding="utf-8")`.
        """
        ### BEGIN SOLUTION
        data = {"version": self.VERSION, "type": "byte-level-bpe",
                "merges": [[a, b] for (a, b) in self.merges],
                "special_tokens": self.special_tokens}
        Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=1),
                              encoding="utf-8")
        ### END SOLUTION

    @classmethod
    def load(cls, path: str | Path) -> "BPETokenizer":
        """A tokenizer read from a file written by `save` (`Tokenizer.from_file`).
        Raises ValueError for a file of another version.

        TODO: Read the JSON, check the version, rebuild the tokenizer.

        APPROACH:
        1. `data = json.loads(Path(path).read_text(encoding="utf-8"))`.
        2. `data.get("version") != cls.VERSION`: raise `ValueError` naming both versions.
        3. `tok = cls(data["special_tokens"])` (the names, in id order);
           `tok.merges = {(a, b): 256 + k for k, (a, b) in enumerate(data["merges"])}`;
           `tok._rebuild()`; return it.
        """
        ### BEGIN SOLUTION
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.get("version") != cls.VERSION:
            raise ValueError(f"{path} is a tokenizer file of version {data.get('version')!r};"
                             f" this BPETokenizer reads version {cls.VERSION}")
        specials = sorted(data["special_tokens"], key=data["special_tokens"].get)
        tok = cls(specials)
        tok.merges = {(int(a), int(b)): 256 + k for k, (a, b) in enumerate(data["merges"])}
        tok._rebuild()
        return tok
        ### END SOLUTION


# %% test="bpe-save-load-tests" points=10
def test_bpe_save_load_gives_identical_encodings(run):
    def saved(folder):
        tok = BPETokenizer(["<|endoftext|>"]).train("the theme of the thesis", 270)
        tok.save(f"{folder}/tok.json")
        again = BPETokenizer.load(f"{folder}/tok.json")
        text = "the thesis<|endoftext|>ther🙂"
        return (tok.encode(text), again.encode(text), again.decode(again.encode(text)),
                type(again).__name__)

    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        before, after, back, kind = run(saved, folder)
    assert kind == "BPETokenizer", f"load should return a BPETokenizer, got {kind}"
    assert after == before, f"the loaded tokenizer encodes differently: {after} vs {before}"
    assert back == "the thesis<|endoftext|>ther🙂", f"the loaded round trip gave {back!r}"


run_tests(test_bpe_save_load_gives_identical_encodings)
### BEGIN HIDDEN TESTS
def test_bpe_file_format_and_version_check(run):
    def saved(folder):
        BPETokenizer(["<eot>"]).train("aaabdaaabac", 260).save(f"{folder}/tok.json")
        with open(f"{folder}/tok.json", encoding="utf-8") as file:
            return file.read()

    def load_future(folder):
        BPETokenizer.load(f"{folder}/future.json")

    import json
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        data = json.loads(run(saved, folder))
        assert data["version"] == 1, f"the file should say version 1, got {data.get('version')}"
        assert data["merges"] == [[97, 97], [97, 98], [256, 257]], (
            f"merges should be listed in learned order as [a, b]: {data['merges']}")
        assert data["special_tokens"] == {"<eot>": 259}, f"special tokens: {data}"
        data["version"] = 99
        with open(f"{folder}/future.json", "w", encoding="utf-8") as file:
            json.dump(data, file)
        with pytest.raises(ValueError, match="version"):
            run(load_future, folder)


run_tests(test_bpe_file_format_and_version_check)
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Use it: tinyshakespeare
#
# The course's corpus is tinyshakespeare (1.1 MB of plays; the TinyGPT milestone trains on
# it). The cell below finds it in the data cache (`$TINYTORCH_DATA` or
# `~/.cache/tinytorch`, where `tito system doctor` says how to get it) or beside the course,
# and falls back to its opening lines otherwise.

# %%
import os
import tempfile
from pathlib import Path

FALLBACK = """First Citizen:
Before we proceed any further, hear me speak.

All:
Speak, speak.

First Citizen:
You are all resolved rather to die than to famish?

All:
Resolved. resolved.
"""


def load_tinyshakespeare():
    """The corpus text, from the first place that holds it, else a short fallback."""
    places = [Path(os.environ["TINYTORCH_DATA"])] if os.environ.get("TINYTORCH_DATA") else []
    places += [Path.home() / ".cache" / "tinytorch", Path("../shared/datasets"),
               Path("/usr/share/datasets")]
    for place in places:
        if (place / "tinyshakespeare.txt").is_file():
            return (place / "tinyshakespeare.txt").read_text(encoding="utf-8")
    print("tinyshakespeare.txt not found (see `tito system doctor`): using its first lines")
    return FALLBACK * 40


shakespeare = load_tinyshakespeare()
print(f"{len(shakespeare):,} characters")

chars = CharTokenizer(shakespeare)
print(f"CharTokenizer: {chars.vocab_size} ids: {''.join(chars.itos)!r}")
sample = shakespeare[:200]
print(f"{len(sample)} characters -> {len(chars.encode(sample))} char tokens")

# %% [markdown]
# Now train a BPE tokenizer on the first 20,000 characters, with 200 merges and
# `<|endoftext|>`, and look at what it learned: the first merges are the commonest byte
# pairs of English (`e `, `th`, ...), later ones whole words and names.

# %%
import time

split = min(20_000, len(shakespeare) * 4 // 5)  # 20,000 unless the fallback is in use
train_text = shakespeare[:split]
start = time.perf_counter()
bpe = BPETokenizer(["<|endoftext|>"]).train(train_text, 256 + 200 + 1)
print(f"trained {len(bpe.merges)} merges in {time.perf_counter() - start:.2f} s")
learned = [bpe.vocab[i].decode("utf-8", errors="replace") for i in bpe.merges.values()]
print("first merges:", learned[:12])
print("last merges: ", [token[:24] for token in learned[-12:]])

held_out = shakespeare[split:split + 2_000]
ids = bpe.encode(held_out)
print(f"held-out text: {len(held_out.encode('utf-8'))} bytes -> {len(ids)} BPE tokens "
      f"({len(held_out.encode('utf-8')) / len(ids):.2f} bytes per token)")
assert bpe.decode(ids) == held_out
print(bpe.encode("To be, or not to be<|endoftext|>🙂"))

folder = Path(tempfile.mkdtemp())
bpe.save(folder / "shakespeare-bpe.json")
print(f"saved: {(folder / 'shakespeare-bpe.json').stat().st_size:,} bytes of JSON")
assert BPETokenizer.load(folder / "shakespeare-bpe.json").encode(held_out) == ids

# %% [markdown]
# ## 5. Systems analysis
#
# ### 5.1 Training time vs corpus size
#
# Each merge counts all pairs once and rewrites every chunk once, so one merge costs
# $O(N)$ in the corpus length $N$ and training with $M$ merges costs $O(M \cdot N)$. Measure
# it with module 00's `time_call`.

# %%
from tinytorch.core.setup import time_call

MERGES = 30
sizes = [2_000, 4_000, 8_000, 16_000]
train_seconds = []
for size in sizes:
    text = shakespeare[:size]
    seconds = time_call(lambda t: BPETokenizer().train(t, 256 + MERGES), text, repeat=2)
    train_seconds.append(seconds)
    print(f"N = {size:>6,} characters, {MERGES} merges: {seconds * 1e3:8.1f} ms "
          f"({seconds / size * 1e9 / MERGES:6.0f} ns per character per merge)")

# %%
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(4.5, 3))
ax.plot(sizes, [s * 1e3 for s in train_seconds], "o-")
ax.set_xlabel("corpus size N (characters)")
ax.set_ylabel(f"train time, {MERGES} merges (ms)")
ax.set_title("BPE training is linear in N")
fig.tight_layout()

# %% [markdown]
# ### 5.2 Where the time goes: the pair count, loop vs vectorized

# %%
ids_big = list(shakespeare[:50_000].encode("utf-8"))
loop_s = time_call(get_pair_counts, ids_big, repeat=3)
fast_s = time_call(get_pair_counts_fast, ids_big, repeat=3)
merge_s = time_call(merge, ids_big, (101, 32), 256, repeat=3)
assert get_pair_counts_fast(ids_big) == get_pair_counts(ids_big)
print(f"{len(ids_big):,} ids: loop count {loop_s * 1e3:.1f} ms, NumPy count "
      f"{fast_s * 1e3:.1f} ms ({loop_s / fast_s:.1f}x faster), merge {merge_s * 1e3:.1f} ms")

# %% [markdown]
# ### 5.3 Vocabulary size vs sequence length
#
# More merges make sequences shorter (cheaper attention, more text per context window) at
# the cost of a larger embedding table: $V \times d$ floats, here for $d = 768$ in float32.

# %%
for merges in (0, 50, 100, 200):
    tok = BPETokenizer().train(train_text[:8_000], 256 + merges)
    n_tokens = len(tok.encode(held_out))
    table_mb = tok.vocab_size * 768 * 4 / 1e6
    print(f"V = {tok.vocab_size:4d}: {n_tokens:5d} tokens for {len(held_out)} characters, "
          f"embedding table {table_mb:5.2f} MB")

# %% [markdown]
# **The bottleneck.** Training is $O(M \cdot N)$ in Python: every merge recounts every pair
# and rewrites the whole corpus, even though one merge changes only the few places where
# the pair occurred. At a few hundred ns per byte per merge (your table), GPT-2's 50,000
# merges over a 1 GB corpus would take most of a year. Production trainers (Hugging Face
# `tokenizers` in Rust, SentencePiece in C++) change the algorithm, not only the language:
# they pre-split text into words and count each *distinct* word once with its frequency (a
# corpus of billions of words has only millions of distinct ones), keep the pair counts in
# a priority queue, and update only the counts around each merged occurrence. Encoding has
# the same shape: our `encode_ordinary` recounts pairs after each merge, $O(n^2)$ for a word
# of $n$ bytes, which is why tiktoken caches the tokens of words it has already seen.

# %% [markdown]
# ## 6. ML systems thinking
#
# Answer each question in the cell below it, in a few paragraphs. Use numbers from *your*
# notebook. Each is worth 10 points; the graders look for understanding, references to
# your own code and measurements, the systems implications, and a comparison with
# production frameworks.

# %% [markdown] locked="q-train-cost"
# **Question 1: the cost of training.** Use section 5.1 and 5.2.
#
# 1. How did your training time grow with the corpus size? Give the time per character
#    per merge. Which lines of your `train` are executed $M \cdot N$ times?
# 2. Estimate from your numbers how long your `train` would take to learn GPT-2's 50,000
#    merges on all of tinyshakespeare (1.1 MB), and on 10 GB of web text.
# 3. How do production trainers (Hugging Face `tokenizers`, SentencePiece) avoid that
#    cost? Name two algorithmic changes, not only "use C++".

# %% [markdown] manual="systems-train-cost" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Their measurement:** time roughly doubles when N doubles (linear), a few hundred ns
#   per character per merge (quotes their table). The pair-count loop in `get_pair_counts`
#   and the `merge` rewrite both touch every id for every merge: $O(M \cdot N)$ (N shrinks
#   a little as merges apply). The max over the counts is $O(\text{distinct pairs})$.
# - **Extrapolation:** e.g. 450 ns × 1.1e6 × 5e4 ≈ 2.5e4 s ≈ 7 hours for tinyshakespeare
#   (less as merges shorten the sequence); 10 GB is ~10,000× more: ≈ 2e8 s, about 7 years.
#   Correct scaling arithmetic with their own constant matters more than the exact figure.
# - **Production:** pre-tokenize into words (regex split, as GPT-2) and count distinct words
#   with frequencies, so work scales with the vocabulary of words, not the corpus; keep pair
#   counts incrementally (only pairs adjacent to a merged occurrence change) with an index
#   from pair to the words containing it and a heap/priority queue for the max; parallel
#   counting; compiled code (Rust/C++). SentencePiece also trains on a sample of sentences.
#
# 7–8: linear growth measured and one good algorithmic idea. 5–6: "Python is slow, use
# C++" without numbers. 3–4: claims training is quadratic in N or independent of M. 0–2:
# no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-vocab-size"
# **Question 2: choosing the vocabulary size.** Use section 5.3.
#
# 1. How did the number of tokens for the held-out text change from V = 256 to V = 456?
#    Why do the gains shrink as V grows?
# 2. A transformer's cost depends on both: the embedding and output layers grow with V, and
#    attention grows with the sequence length T (as $T^2$). Using your numbers, argue what
#    a larger V buys and costs, in memory and compute.
# 3. GPT-2 uses V = 50,257, Llama 3 about 128,000. Why would a model that must handle many
#    languages and code want a larger vocabulary?

# %% [markdown] manual="systems-vocab-size" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Their numbers:** at V = 256 tokens = bytes (≈ 1 per character for English); the first
#   merges cut the length most (common pairs like `e `, `th`), later merges are rarer
#   strings that each save few tokens (diminishing returns, Zipf's law): quotes the counts.
# - **Trade-off:** larger V → shorter T: attention $O(T^2 d)$ and the per-token compute of
#   every layer fall, and a fixed context window covers more text; but the embedding and
#   the output projection are $V \times d$ each (their MB figure for d = 768; GPT-2: 50,257
#   × 768 × 4 B ≈ 154 MB), the softmax over V costs $O(V d)$ per token, and rare tokens get
#   few training updates (under-trained embeddings). Shorter sequences also mean fewer
#   training examples per byte of text.
# - **Multilingual/code:** with a small English-centric vocabulary, other scripts fall back
#   to bytes (3 bytes per CJK character), so the same content costs several times more
#   tokens (more compute, less context, higher API cost); whitespace and code idioms need
#   dedicated tokens. A larger V gives every language and code reasonable compression.
#
# 7–8: correct trend and the basic trade-off with some numbers. 5–6: "bigger is better"
# without costs. 3–4: confuses V with the embedding dimension. 0–2: no attempt or off topic.
# ### END SOLUTION

# %% [markdown] locked="q-bytes"
# **Question 3: bytes, characters and robustness.**
#
# 1. Your `CharTokenizer` built from tinyshakespeare has about 65 ids. What happens when it
#    meets "café 🙂"? Compare with your `BPETokenizer` on the same string (show the ids).
# 2. Why does `decode` use `errors="replace"`? Give a concrete case from generation (a
#    model emitting one token at a time) where a slice of valid ids is not valid UTF-8.
# 3. Why must special tokens be matched before byte-level encoding, and why is it a
#    security concern if user text containing `<|endoftext|>` is encoded to the special id
#    (tiktoken's `disallowed_special`)?

# %% [markdown] manual="systems-bytes" points=10
# ### BEGIN SOLUTION
# **Mark scheme (10 points; rubric: 9–10 deep and grounded, 7–8 good, 5–6 generic, 3–4
# misses key concepts, 0–2 no attempt).**
#
# A 9–10 answer:
#
# - **Coverage:** tinyshakespeare has no `é` or emoji: the char tokenizer raises ValueError
#   (or maps them to `<unk>`, losing information irreversibly); the byte-level BPE encodes
#   them as their UTF-8 bytes (é = 2 ids, 🙂 = 4, unless merged) and decodes exactly. Shows
#   both outputs. Byte fallback is why GPT-2-style tokenizers never need an unk token.
# - **Partial characters:** a multi-byte character can be split across tokens (🙂's 4 bytes
#   as separate byte tokens); streaming generation decodes after each token, and the
#   prefix ends mid-character: strict decoding would raise. `replace` shows U+FFFD; real
#   streaming buffers incomplete bytes until the character completes. Also a model can emit
#   any id sequence, including invalid UTF-8.
# - **Specials:** matched first so they map to one id and are never split into `<`, `|`...
#   and so BPE merges never span document boundaries. If user text can produce the special
#   id, a user can inject document boundaries or control tokens (system/assistant markers
#   in chat models): prompt injection. tiktoken raises on specials in text by default
#   (`disallowed_special="all"`); HF has `split_special_tokens`.
#
# 7–8: coverage and one of the other two parts argued well. 5–6: generic statements without
# their outputs. 3–4: thinks byte-level tokenizers need an unknown token. 0–2: no attempt.
# ### END SOLUTION

# %% [markdown]
# ## 7. Summary and checklist
#
# You built `tinytorch.text.tokenization`:
#
# - `CharTokenizer`: a sorted character vocabulary (`itos`, `stoi`, `vocab_size`), `encode`
#   and `decode`, an optional `unk_token`.
# - `get_pair_counts` (the explicit loop), `get_pair_counts_fast` (NumPy, tested equal) and
#   `merge`: the two steps of byte-pair encoding.
# - `BPETokenizer`: byte-level `train(corpus, vocab_size)`, `encode` with special tokens
#   kept whole, `encode_ordinary`, `decode` that never fails on partial characters, and
#   `save`/`load` to a versioned JSON file.
#
# Checklist before you move on:
#
# - [ ] Every test cell above prints only ✓ lines (8 cells, 70 points).
# - [ ] Sections 4 and 5 run, and you have read your own numbers.
# - [ ] The three questions in section 6 are answered with those numbers (30 points).
# - [ ] Export your code: `tito module export tokenization`.
#
# **Next: module 11, embeddings.** Token ids index rows of a learned table: your
# `vocab_size` becomes its number of rows.
