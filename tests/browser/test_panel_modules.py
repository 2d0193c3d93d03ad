"""The side panel's modules, run in the extension's own pages: the SSE parser, the form plan
built from a real policy's inputs schema (drafter.policy.inputs_schema), and the facts form,
whose output must be a Request the real intake accepts and the real engine can decide."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from drafter.intake import parse_request
from drafter.policy import PolicyRegistry, evaluate
from drafter.policy.inputs_schema import inputs_schema
from drafter.settings import Settings
from tests.browser.harness import Extension

POLICY = "tau-retail"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return inputs_schema(PolicyRegistry(Settings().policies_dir).get(POLICY))


@pytest.fixture
def extension_page(browser: BrowserContext, extension: Extension) -> Iterator[Page]:
    """An extension page to import modules into (the options page loads without a server)."""
    page = browser.new_page()
    page.goto(extension.url("options/options.html"))
    page.wait_for_selector("body[data-loaded]")
    yield page
    page.close()


SSE_CHUNKS = [
    ": keep-alive\r\n\r\nevent: delta\r",
    '\ndata: {"text": "Hi "}\r\n\r\n',
    'event: delta\ndata: {"text":\ndata:  "Ana"}\n\n',
    'data: plain\n\nevent: final\ndata: {"id": "d1"}\n\nevent: delta\ndata: {"text": "lost"}',
]


def test_sse_parser_handles_split_lines_comments_and_multiline_data(extension_page: Page) -> None:
    events = extension_page.evaluate(
        """async (chunks) => {
          const { createSseParser } = await import('/lib/sse.js');
          const events = [];
          const parser = createSseParser((e) => events.push(e));
          chunks.forEach((c) => parser.push(c));
          parser.end();
          return events;
        }""",
        SSE_CHUNKS,
    )
    assert events == [
        {"event": "delta", "data": '{"text": "Hi "}', "id": None},
        {"event": "delta", "data": '{"text":\n "Ana"}', "id": None},
        {"event": "message", "data": "plain", "id": None},
        {"event": "final", "data": '{"id": "d1"}', "id": None},
    ]


def plan_of(page: Page, schema: dict[str, Any]) -> dict[str, Any]:
    return page.evaluate(
        """async (schema) => {
          const { formPlan } = await import('/sidepanel/schema.js');
          const plan = formPlan(schema);
          const fields = plan.fields.map(({ schema, order, ...f }) => ({
            ...f, choices: schema.enum ?? null,
          }));
          return { fields, facts: plan.facts };
        }""",
        schema,
    )


def test_form_plan_shows_every_field_the_policy_reads(
    extension_page: Page, schema: dict[str, Any]
) -> None:
    plan = plan_of(extension_page, schema)
    paths = [f["path"] for f in plan["fields"]]
    for name, prop in schema["properties"].items():
        field = prop["x-source"].split("[]")[0]
        assert field in paths, (
            f"input {name} reads {prop['x-source']}, which the form does not show"
        )
        assert name in next(f for f in plan["fields"] if f["path"] == field)["facts"]
        for also in prop.get("x-also-reads", []):  # order_total also reads the shipping fee
            assert also.split("[]")[0] in paths, f"input {name} reads {also}, not in the form"
    # every request's own fields, and what an order needs to be an order at all
    for path in [
        "ticket_id",
        "channel",
        "as_of",
        "customer.name",
        "customer.id",
        "ask.kind",
        "message",
    ]:
        assert path in paths
    for path in ["case.order.id", "case.order.status", "case.order.currency", "case.order.items"]:
        assert path in paths
    # nothing the policy does not read: tau-retail reads no evidence or signals
    assert not [
        p
        for p in paths
        if p.split(".")[0] in {"signals", "exception"} or p.startswith("case.evidence")
    ]
    # fields come in the Request's own order
    assert (
        paths.index("channel")
        < paths.index("customer.name")
        < paths.index("case.order.id")
        < paths.index("ask.kind")
    )


def test_form_plan_widgets_and_labels_follow_the_schemas(
    extension_page: Page, schema: dict[str, Any]
) -> None:
    fields = {f["path"]: f for f in plan_of(extension_page, schema)["fields"]}
    status = fields["case.order.status"]
    # A label names the field for the agent; the question for the customer is a hint. A free-text
    # field that the policy reads as one of a few values is a list to choose from, and open to a
    # value the page gave (see the prefill test).
    assert (status["widget"], status["label"]) == ("select", "Status")
    assert status["question"] == schema["properties"]["order_status"]["title"]
    assert status["choices"] == schema["properties"]["order_status"]["enum"]
    assert status["section"] == "order"
    # refund_to is worked out from the field (a payment method's id): its values are not choices
    assert fields["case.change.refund_to"]["widget"] == "text"
    assert fields["case.order.id"]["label"] == "Order id"
    assert fields["case.order.id"]["required"] is True
    assert fields["case.order.status"]["required"] is False
    assert fields["ask.kind"]["widget"] == "select"
    assert fields["as_of"]["widget"] == "date"
    assert fields["message"]["widget"] == "longtext"
    assert fields["case.change.refund_to"]["hint"].startswith(
        "A payment method's id, or store_credit"
    )
    items = fields["case.order.items"]
    assert items["widget"] == "rows"
    columns = {c["name"]: c for c in items["columns"]}
    assert list(columns) == [
        "id",
        "name",
        "product_id",
        "category",
        "price",
        "quantity",
        "condition",
        "final_sale",
        "custom",
    ]
    assert (columns["price"]["widget"], columns["price"]["required"]) == ("amount", True)
    assert columns["condition"]["widget"] == "select"
    # unstated is not "no": the agent chooses yes, no or not known, and not known stays missing
    assert columns["final_sale"]["widget"] == "tristate"
    assert columns["custom"]["widget"] == "tristate"
    assert fields["case.order.shipping_fee"]["widget"] == "amount"
    exchanges = {c["name"]: c for c in fields["case.change.exchanges"]["columns"]}
    assert exchanges["new_available"]["widget"] == "tristate"
    assert exchanges["new_available"]["label"] == "New available"
    assert (
        exchanges["new_available"]["question"]
        == schema["properties"]["exchange_available"]["title"]
    )
    assert exchanges["new_available"]["facts"] == ["exchange_available"]


def test_form_plan_refuses_a_source_that_is_not_a_request_field(
    extension_page: Page, schema: dict[str, Any]
) -> None:
    broken = json.loads(json.dumps(schema))
    broken["properties"]["order_status"]["x-source"] = "case.order.state"
    error = extension_page.evaluate(
        """async (schema) => {
          const { formPlan } = await import('/sidepanel/schema.js');
          try { formPlan(schema); return null; } catch (e) { return e.message; }
        }""",
        broken,
    )
    assert error == "schema: 'case.order.state' is not a Request field"


TICKET = {
    "site": "zendesk",
    "ticketId": "4821",
    "channel": "email",
    "subject": "Return boots",
    "customer": {"name": "Ana Souza", "email": "ana.souza@example.net"},
    "message": "Can I send the boots back for a refund to my card?",
    "ask": "refund",
    "orderNumber": "A10482",
    "dates": {"placed_on": "2026-09-20", "delivered_on": "2026-10-02"},
    "currency": "USD",
    "items": [{"name": "Trailhead 2 hiking boots", "price": "149.00", "quantity": 1}],
}


def render(page: Page, schema: dict[str, Any], ticket: dict[str, Any], unfold: bool = True) -> None:
    """Render the facts form as the panel does; `unfold` opens the folded groups, as an agent
    who wants to type a fact the page did not give does."""
    page.evaluate(
        """async ([schema, ticket]) => {
          const { formPlan } = await import('/sidepanel/schema.js');
          const { renderForm, prefill } = await import('/sidepanel/form.js');
          const form = document.createElement('form');
          form.id = 'facts';
          document.body.replaceChildren(form);
          window.plan = formPlan(schema);
          renderForm(form, window.plan);
          prefill(form, ticket, '2026-11-20');
        }""",
        [schema, ticket],
    )
    if unfold:
        page.locator("#facts details:not([open]) > summary").first.click()
        page.locator("#facts details:not([open]) > summary").first.click()
        expect(page.locator("#facts details:not([open])")).to_have_count(0)


def read(page: Page) -> dict[str, Any]:
    return page.evaluate(
        """async () => {
          const { readRequest } = await import('/sidepanel/form.js');
          return readRequest(document.getElementById('facts'), window.plan);
        }"""
    )


def test_form_prefills_from_the_page_and_reads_back_a_request_the_engine_decides(
    extension_page: Page, schema: dict[str, Any]
) -> None:
    render(extension_page, schema, TICKET)
    form = extension_page.locator("#facts")
    assert form.locator('[data-path="customer.name"]').input_value() == "Ana Souza"
    assert (
        form.locator('[data-path="case.order.delivered_on"]').count() == 0
    )  # tau-retail reads no dates
    from_page = form.locator(".field.from-page, fieldset.from-page").evaluate_all(
        "(nodes) => nodes.map((n) => n.dataset.field)"
    )
    assert sorted(from_page) == sorted(
        [
            "ticket_id",
            "channel",
            "customer.name",
            "customer.id",
            "message",
            "ask.kind",
            "case.order.id",
            "case.order.currency",
            "case.order.items",
        ]
    )
    # the agent supplies what the page could not show
    form.locator('[data-path="case.order.status"]').select_option("delivered")
    form.locator('[data-path="case.change.refund_to"]').fill("store_credit")
    first_item = form.locator('[data-path="case.order.items"] .row').first
    first_item.locator('[data-col="condition"]').select_option("unopened")
    first_item.locator('[data-col="final_sale"]').select_option("false")
    first_item.locator('[data-col="custom"]').select_option("false")
    form.locator('[data-path="case.order.shipping_fee"]').fill("0.00")

    result = read(extension_page)

    assert result["problems"] == []
    request = parse_request(json.dumps(result["request"]))  # the real intake accepts it
    assert result["request"]["case"]["order"]["items"][0] == {
        "id": "1",
        "name": "Trailhead 2 hiking boots",
        "price": "149.00",
        "quantity": 1,
        "condition": "unopened",
        "final_sale": False,
        "custom": False,
    }
    assert result["request"]["case"]["order"]["shipping_fee"] == "0.00"
    verdict = evaluate(PolicyRegistry(Settings().policies_dir).get(POLICY), request)
    assert verdict.policy.id == POLICY


def test_empty_facts_stay_missing_and_bad_values_name_their_field(
    extension_page: Page, schema: dict[str, Any]
) -> None:
    render(extension_page, schema, {**TICKET, "items": [], "orderNumber": None, "currency": None})
    form = extension_page.locator("#facts")
    form.locator('[data-path="case.order.items"] button.add').click()
    form.locator('[data-path="case.order.items"] .row [data-col="price"]').fill("12.5.0")
    result = read(extension_page)
    assert result["problems"] == [
        {"field": "case.order.items.0.price", "message": 'must be an amount such as "49.99"'}
    ]
    # left empty: missing, not defaulted
    assert "refund_to" not in result["request"]["case"].get("change", {})


def test_server_errors_mark_the_fields_they_name(
    extension_page: Page, schema: dict[str, Any]
) -> None:
    render(extension_page, schema, TICKET)
    unplaced = extension_page.evaluate(
        """async (errors) => {
          const { markErrors } = await import('/sidepanel/form.js');
          return markErrors(document.getElementById('facts'), errors);
        }""",
        [
            {"field": "request.case.order.items.0.price", "message": "must not be negative"},
            {"field": "case.order.status", "message": "is required"},
            {"field": "locale", "message": "is not a locale"},
        ],
    )
    assert unplaced == [{"field": "locale", "message": "is not a locale"}]
    invalid = extension_page.locator("[aria-invalid=true]")
    marked = invalid.evaluate_all("(nodes) => nodes.map((n) => n.dataset.path ?? n.dataset.col)")
    assert sorted(marked) == ["case.order.status", "price"]
    assert sorted(extension_page.locator(".field-error").all_text_contents()) == [
        "case.order.items.0.price: must not be negative",
        "case.order.status: is required",
    ]


def test_a_pack_policy_s_form_reaches_into_the_case_and_sends_times_with_a_zone(
    extension_page: Page,
) -> None:
    """lodging-standard reads facts from `case.booking...` and counts hours: its form offers
    the case's fields (lists as lists, times as date-time controls) and sends a request the
    engine decides."""
    registry = PolicyRegistry(Settings().policies_dir)
    policy = registry.get("lodging-standard")
    render(extension_page, inputs_schema(policy), TICKET)
    widgets = {
        f["path"]: f["widget"] for f in plan_of(extension_page, inputs_schema(policy))["fields"]
    }
    assert widgets["as_of"] == "datetime"
    assert widgets["case.booking.check_in"] == "datetime"
    assert widgets["case.booking.rate"] == "select"
    assert widgets["ask.kind"] == "select"
    assert widgets["case.booking.id"] == "text"  # a required sibling of the fields read
    form = extension_page.locator("#facts")
    assert form.locator('[data-path="as_of"]').input_value().startswith("2026-11-20T")
    values = {
        "as_of": "2026-12-02T10:00",
        "case.booking.id": "BK-1",
        "case.booking.currency": "EUR",
        "case.booking.check_in": "2026-12-10T15:00",
        "case.booking.booked_at": "2026-11-01T18:30",
        "case.booking.nights": "3",
        "case.booking.nights_stayed": "0",
        "case.booking.total": "450.00",
        "case.booking.paid": "450.00",
    }
    for path, value in values.items():
        form.locator(f'[data-path="{path}"]').fill(value)
    for path, value in {
        "case.booking.rate": "flexible",
        "case.booking.status": "confirmed",
        "case.booking.property_kind": "hotel",
        "ask.reason": "changed_plans",
        "case.booking.insured": "false",  # left empty, the policy would ask about insurance
    }.items():
        form.locator(f'[data-path="{path}"]').select_option(value)
    result = read(extension_page)
    assert result["problems"] == []
    sent = result["request"]
    assert sent["as_of"].endswith("Z")
    assert sent["case"]["booking"]["check_in"].endswith("Z")
    verdict = evaluate(policy, parse_request(json.dumps(sent)))
    assert (verdict.decision.value, verdict.rule) == ("approve", "free_cancellation")


def test_the_verdict_lists_every_need_and_what_each_depends_on(extension_page: Page) -> None:
    registry = PolicyRegistry(Settings().policies_dir)
    request = json.loads((Settings().policies_dir / "retail/examples/late-return.json").read_text())
    request = request.get("request", request)
    request["ask"].pop("reason")
    request["customer"].pop("tier")
    verdict = evaluate(registry.get("retail-standard"), parse_request(json.dumps(request)))
    shown: list[str] = extension_page.evaluate(
        """async (verdict) => {
          const { renderVerdict } = await import('/sidepanel/render.js');
          const target = document.createElement('div');
          renderVerdict(target, verdict, { onNeed: () => {} });
          const needs = target.querySelectorAll('li:has(> button[data-fact])');
          return [...needs].map((li) => li.textContent);
        }""",
        json.loads(verdict.model_dump_json()),
    )
    assert len(shown) == len(verdict.needs) > 1
    assert shown[0] == verdict.needs[0].question  # needed whatever the other answers
    assert all("(matters depending on: " in line for line in shown[1:]), shown


def test_the_form_shows_what_is_missing_first_and_folds_the_rest(extension_page: Page) -> None:
    """Before a verdict, only the required fields the page left empty are open; after a
    needs_info, every fact it waits for comes first, in the verdict's order, with the question
    for the customer as the hint; what the page gave and the other facts stay folded, and raw
    request paths show only when asked for."""
    policy = PolicyRegistry(Settings().policies_dir).get("retail-standard")
    schema = inputs_schema(policy)
    render(extension_page, schema, {**TICKET, "currency": None}, unfold=False)
    form = extension_page.locator("#facts")

    def group(name: str) -> list[str]:
        return form.locator(f'[data-group="{name}"] [data-field]').evaluate_all(
            "(nodes) => nodes.map((n) => n.dataset.field)"
        )

    assert group("needed") == ["case.order.currency"]
    assert "case.order.id" in group("ticket")
    assert "customer.name" in group("ticket")
    assert "case.order.status" in group("more")
    assert form.locator("details[open]").count() == 0
    expect(form.locator('[data-path="case.order.status"]')).to_be_hidden()
    expect(form.locator(".source").first).to_be_hidden()

    form.locator('[data-path="case.order.currency"]').fill("USD")
    sent = read(extension_page)["request"]
    verdict = evaluate(policy, parse_request(json.dumps(sent)))
    assert verdict.decision.value == "needs_info"
    assert len(verdict.needs) >= 3
    extension_page.evaluate(
        """async (verdict) => {
          const { arrange, neededPaths } = await import('/sidepanel/form.js');
          arrange(document.getElementById('facts'), neededPaths(window.plan, verdict.needs));
        }""",
        json.loads(verdict.model_dump_json()),
    )
    sources = {name: p["x-source"].split("[]")[0] for name, p in schema["properties"].items()}
    wanted = list(dict.fromkeys(sources[need.fact] for need in verdict.needs))
    assert group("needed") == wanted
    first = form.locator('[data-group="needed"] [data-field]').first
    expect(first).to_be_visible()
    plain = [n.fact for n in verdict.needs if "[]" not in schema["properties"][n.fact]["x-source"]]
    assert plain
    for fact in plain:
        field = form.locator(f'[data-group="needed"] [data-field="{sources[fact]}"]')
        question = schema["properties"][fact]["title"]
        expect(field.locator(".hint.ask")).to_have_text(f"Ask the customer: “{question}”")
    # what was typed survives the move
    assert form.locator('[data-path="case.order.currency"]').input_value() == "USD"
    extension_page.evaluate("document.getElementById('facts').classList.add('show-paths')")
    expect(first.locator(".source")).to_be_visible()
