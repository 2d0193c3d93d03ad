"""Streaming with markers: the model's words as they come, each marker's sentence once it
closes, never a half-written marker, whatever the split of the deltas."""

from __future__ import annotations

import random
import time

import pytest

from drafter.phrase.brief import build_brief
from drafter.phrase.streaming import MarkerStream
from tests.drafting.samples import case

BODY = (
    "Hi Ana Ruiz, thanks for writing [about] the shoes. [[decision]]\n\n"
    "[[reason:outside_window]] [ok] [[offer:store_credit]] [[offer:goodwill_discount]] "
    "[[offer:free_shipping]] [[decision]]\n\n[[next_step]] Take care. [["
)


@pytest.fixture
def brief():
    return build_brief(*case("decline", "en", "chat", "Please help."))


def _streamed(renderer, brief, deltas):
    stream = MarkerStream(renderer.phrasebook, brief, None)
    shown = [stream.feed(delta) for delta in deltas]
    return shown, "".join(shown) + stream.close()


def test_the_stream_shows_what_composing_gives(renderer, brief):
    composed = renderer.phrasebook.compose(BODY, brief, None).text
    _, text = _streamed(renderer, brief, [BODY])
    # The composed reply keeps a marker the verdict does not allow, or a repeat, as written
    # (the guard reports it); the stream shows neither, nor the unfinished marker at the end.
    expected = composed.replace("[[offer:free_shipping]]", "").replace("[[decision]]", "")
    assert text == expected.removesuffix("[[")
    assert "[[" not in text


@pytest.mark.parametrize("seed", range(20))
def test_any_split_of_the_deltas_gives_the_same_text_and_never_a_bracket_pair(
    renderer, brief, seed
):
    rng = random.Random(seed)
    cuts = sorted(rng.sample(range(1, len(BODY)), rng.randint(1, 40)))
    deltas = [BODY[a:b] for a, b in zip([0, *cuts], [*cuts, len(BODY)], strict=True)]
    shown, text = _streamed(renderer, brief, deltas)
    _, whole = _streamed(renderer, brief, [BODY])
    assert text == whole
    assert not any("[[" in piece for piece in shown)


def test_a_sentence_appears_as_soon_as_its_marker_closes(renderer, brief):
    stream = MarkerStream(renderer.phrasebook, brief, None)
    assert stream.feed("Hi Ana, [[deci") == "Hi Ana, "
    assert (
        stream.feed("sion]] and")
        == "I'm sorry, but we can't approve your request for a refund. and"
    )


def test_text_that_only_looks_like_a_marker_is_released(renderer, brief):
    stream = MarkerStream(renderer.phrasebook, brief, None)
    assert stream.feed("a [b] c") == "a [b] c"
    assert stream.feed("[[" + "x" * 200) == "[[" + "x" * 200


@pytest.mark.parametrize("piece", ["[", "[[", "[[decision", "[[a:"])
def test_hostile_brackets_stream_in_linear_time(renderer, brief, piece):
    stream = MarkerStream(renderer.phrasebook, brief, None)
    started = time.process_time()
    text = "".join(stream.feed(piece) for _ in range(20_000)) + stream.close()
    assert time.process_time() - started < 2.0
    assert "I'm sorry" not in text  # none of it ever closed as a marker


@pytest.mark.parametrize("text", ["[x" * 50_000, "[[x " * 25_000, "[[" * 50_000])
def test_one_huge_delta_of_brackets_streams_in_linear_time(renderer, brief, text):
    stream = MarkerStream(renderer.phrasebook, brief, None)
    started = time.process_time()
    shown = stream.feed(text) + stream.close()
    assert time.process_time() - started < 2.0
    assert len(shown) <= len(text)
