"""Free shipping the verdict commits to: a disclosure or an offer's terms that name a prepaid
label or shipping "on us" make it allowed; a rationale, a negated text or another kind does not."""

from __future__ import annotations

from guard_dataset import codes_for, scenario

from drafter.guard.offers import committed_kinds, kinds_in
from drafter.schemas import Disclosure

LABEL = "We'll send you a prepaid return label, so posting the boots back costs you nothing."


def test_a_disclosure_naming_the_prepaid_label_commits_to_free_shipping() -> None:
    _, verdict = scenario("label_return")
    assert committed_kinds(verdict) == {"free_shipping"}


def test_an_offer_term_covering_shipping_commits_to_it_in_every_language() -> None:
    assert kinds_in("A repair at our service centre: we cover shipping both ways.") == {
        "free_shipping"
    }
    assert kinds_in("Nous vous enverrons une étiquette de retour prépayée.") == {"free_shipping"}
    assert kinds_in("Wir übernehmen den Versand in beide Richtungen.") == {"free_shipping"}
    assert kinds_in("Cubrimos el envío de ida y vuelta.") == {"free_shipping"}


def test_a_rationale_naming_the_label_commits_to_nothing() -> None:
    _, verdict = scenario("label_rationale_decline")
    assert "prepaid return label" in verdict.rationale[0].text
    assert committed_kinds(verdict) == frozenset()


def test_a_negated_text_commits_to_nothing() -> None:
    assert kinds_in("We can't cover return shipping for opened items.") == frozenset()
    assert kinds_in("Die Versandkosten müssen Sie leider selbst tragen.") == frozenset()


def test_only_committable_kinds_are_read_from_commitments() -> None:
    # "l'échange" here is the conversation, not an exchange of the item.
    text = "Nous le faisons au mieux lorsque l'échange reste respectueux."
    assert kinds_in(text) == frozenset()


def test_the_same_promise_is_caught_without_the_commitment_and_passes_with_it() -> None:
    _, verdict = scenario("label_return")
    assert "offer.not_allowed" not in codes_for("label_return", LABEL)
    assert "offer.not_allowed" in codes_for("opened_partial", LABEL)
    must_say = [Disclosure(id="other", text="Refunds take 5 to 10 business days.")]
    assert committed_kinds(verdict.model_copy(update={"must_say": must_say})) == frozenset()
