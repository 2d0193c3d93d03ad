import json

from hypothesis import given
from hypothesis import strategies as st

from drafter.phrase.output import DRAFT_SCHEMA, BodyStreamDecoder, parse_reply, response_format


def test_schema_is_strict_and_complete():
    assert set(DRAFT_SCHEMA["required"]) == set(DRAFT_SCHEMA["properties"])
    assert DRAFT_SCHEMA["additionalProperties"] is False
    assert response_format()["json_schema"]["strict"] is True


def test_json_in_a_code_fence_or_with_chatter_is_found():
    inner = json.dumps({"subject": None, "body": "Hi", "decision_stated": "approve"})
    for text in (inner, f"```json\n{inner}\n```", f"Sure! Here it is:\n{inner}\nHope it helps."):
        parsed = parse_reply(text, wants_subject=False)
        assert parsed.structured
        assert parsed.body == "Hi"
        assert parsed.claims.decision == "approve"


def test_bad_claims_are_dropped_not_trusted():
    text = json.dumps(
        {
            "body": "Hi",
            "decision_stated": "maybe",
            "markers_used": ["[[decision]]", 2, " [[offer:x]] "],
        }
    )
    parsed = parse_reply(text, wants_subject=True)
    assert parsed.claims.decision is None
    assert parsed.claims.markers == ["decision", "offer:x"]
    assert parsed.subject is None


def test_claimed_markers_that_are_not_strings_or_a_list_are_dropped():
    text = json.dumps({"body": "Hi", "decision_stated": "decline", "markers_used": "x"})
    parsed = parse_reply(text, wants_subject=True)
    assert parsed.claims.markers == []
    assert parsed.subject is None


def test_subject_is_kept_only_for_email():
    text = json.dumps({"subject": "Re: order", "body": "Hi"})
    assert parse_reply(text, wants_subject=True).subject == "Re: order"
    assert parse_reply(text, wants_subject=False).subject is None
    plain = "Betreff: Ihre Bestellung\nHallo Ana"
    assert parse_reply(plain, wants_subject=True).subject == "Ihre Bestellung"
    assert parse_reply(plain, wants_subject=False).body == plain


def test_json_without_a_body_is_treated_as_text():
    parsed = parse_reply('{"text": "hi"}', wants_subject=False)
    assert not parsed.structured
    assert parsed.body == '{"text": "hi"}'


@given(
    body=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80),
    cuts=st.lists(st.integers(min_value=1, max_value=8), min_size=1, max_size=60),
)
def test_stream_decoder_yields_exactly_the_body_however_the_text_is_split(body, cuts):
    raw = json.dumps({"subject": 'a "body": b', "body": body, "decision_stated": "decline"})
    raw = raw.replace('"a \\"body\\": b"', "null")  # keep the key unique
    decoder, out, position = BodyStreamDecoder(), [], 0
    for cut in cuts * 100:
        if position >= len(raw):
            break
        out.append(decoder.feed(raw[position : position + cut]))
        position += cut
    if position < len(raw):
        out.append(decoder.feed(raw[position:]))
    assert "".join(out) == body


def test_stream_decoder_passes_plain_text_through():
    decoder = BodyStreamDecoder()
    assert decoder.feed("  ") == ""
    assert decoder.feed("Hi Ana") == "Hi Ana"
    assert decoder.feed(", thanks") == ", thanks"
