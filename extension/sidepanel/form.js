// The facts form: renders a form plan (schema.js) as controls, prefills it from the ticket the
// page shows, reads it back as a Request, and marks the fields the server rejected.
// Empty optional fields are left out of the Request, never defaulted: a missing fact fails
// closed on the server (needs_info), which is what the agent should see.
//
// The form is written for the agent: what is missing comes first (the fields the last verdict
// asked for, and required fields still empty); what the page gave and every other fact are
// folded away. Labels name the field; the question for the customer is the hint.

import { headingOf } from "./schema.js";

const AMOUNT = /^\d{1,8}(\.\d{1,2})?$/;

function element(tag, attributes = {}, text = null) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) node.setAttribute(name, value);
  }
  if (text !== null) node.textContent = text;
  return node;
}

function option(value, label) {
  return element("option", { value }, label);
}

/** One control for a widget; `name` is its data-path (field) or data-col (row column). */
function control(widget, schema) {
  switch (widget) {
    case "select": {
      const select = element("select");
      select.append(option("", schema.nullable || schema.default === undefined ? "— not known —" : "—"));
      schema.enum.forEach((value) => select.append(option(value, value)));
      if (schema.default !== undefined && schema.default !== null) select.value = schema.default;
      return select;
    }
    case "tristate": {
      const select = element("select");
      select.append(option("", "— not known —"), option("true", "yes"), option("false", "no"));
      return select;
    }
    case "checkbox":
      return element("input", { type: "checkbox" });
    case "integer":
      return element("input", { type: "number", step: "1", min: schema.minimum, max: schema.maximum });
    case "amount":
      return element("input", { type: "text", inputmode: "decimal", placeholder: "0.00" });
    case "date":
      return element("input", { type: "date" });
    case "datetime":
      return element("input", { type: "datetime-local", step: "60" });
    case "longtext":
      return element("textarea", { rows: "5", maxlength: schema.maxLength });
    case "list":
      return element("input", { type: "text", placeholder: "comma-separated" });
    case "picker":
      return element("div", { class: "picker", role: "group" });
    default:
      return element("input", { type: "text", maxlength: schema.maxLength, pattern: schema.pattern });
  }
}

function hints(field) {
  const nodes = [];
  if (field.question) nodes.push(element("p", { class: "hint ask" }, `Ask the customer: “${field.question}”`));
  if (field.hint) nodes.push(element("p", { class: "hint" }, field.hint));
  return nodes;
}

function labelled(field, input) {
  const id = `f-${field.path.replace(/[^a-z0-9]+/gi, "-")}`;
  input.id = id;
  Object.assign(input.dataset, { path: field.path, widget: field.widget, facts: field.facts.join(" ") });
  if (field.widget === "picker") input.setAttribute("aria-label", field.label);
  const wrapper = element("div", { class: `field field-${field.widget}`, "data-field": field.path, "data-section": field.section });
  const label = element("label", { for: id }, field.label);
  const part = element("span", { class: "part" }, headingOf(field.section));
  const source = element("code", { class: "source", title: "Request field" }, field.path);
  wrapper.append(part, label, source, input, ...hints(field));
  return wrapper;
}

function rowControls(field, row, index) {
  for (const column of field.columns) {
    const input = control(column.widget, column.schema);
    Object.assign(input.dataset, { col: column.name, widget: column.widget, facts: column.facts.join(" ") });
    input.setAttribute("aria-label", `${column.label} (${field.path}.${index}.${column.name})`);
    const cell = element("label", { class: `cell cell-${column.widget}`, title: column.question ?? "" }, column.label);
    cell.append(input);
    row.append(cell);
  }
}

function addRow(field, list) {
  const index = list.children.length;
  const row = element("div", { class: "row", "data-index": String(index) });
  rowControls(field, row, index);
  const remove = element("button", { type: "button", class: "link remove" }, "Remove");
  remove.addEventListener("click", () => {
    row.remove();
    [...list.children].forEach((r, i) => (r.dataset.index = String(i)));
  });
  row.append(remove);
  list.append(row);
  return row;
}

function rowsField(field) {
  const wrapper = element("fieldset", { class: "field field-rows", "data-field": field.path, "data-path": field.path, "data-section": field.section });
  wrapper.dataset.facts = field.facts.join(" ");
  const part = element("span", { class: "part" }, headingOf(field.section));
  wrapper.append(element("legend", {}, field.label), part, element("code", { class: "source" }, field.path));
  const list = element("div", { class: "rows" });
  const add = element("button", { type: "button", class: "link add" }, "Add a line");
  add.addEventListener("click", () => addRow(field, list));
  wrapper.append(list, add, ...hints(field));
  return wrapper;
}

const GROUPS = [
  ["needed", "Needed now", "Fill these, then check the policy again."],
  ["ticket", "From the ticket and the order system", null],
  ["more", "Other facts", "Leave unknown facts empty: the policy asks for what it needs."],
];

// The plan each rendered form was built from, for arranging it again.
const plans = new WeakMap();

/** Replace `container`'s children with the plan's fields, in the three groups. */
export function renderForm(container, plan) {
  plans.set(container, plan);
  const groups = GROUPS.map(([name, title, hint]) => {
    const folded = name !== "needed";
    const group = element(folded ? "details" : "section", { class: `group group-${name}`, "data-group": name });
    group.append(element(folded ? "summary" : "h3", { class: "group-title" }, title));
    if (hint) group.append(element("p", { class: "hint group-hint" }, hint));
    group.append(element("div", { class: "group-fields" }));
    return group;
  });
  container.replaceChildren(...groups);
  const home = groups[2].querySelector(".group-fields");
  for (const field of plan.fields) {
    home.append(field.widget === "rows" ? rowsField(field) : labelled(field, control(field.widget, field.schema)));
  }
  // A picker lists the records of its list as they are typed, added and removed.
  const refresh = () => refreshPickers(container);
  container.addEventListener("input", refresh);
  // A value the agent changes is theirs, wherever it was read from.
  const edited = (event) => {
    const field = event.target.closest?.("[data-field].from-lookup");
    if (field) field.dataset.edited = "true";
  };
  container.addEventListener("input", edited);
  container.addEventListener("change", edited);
  container.addEventListener("click", (event) => {
    if (!event.target.closest("button.add, button.remove")) return;
    edited(event);
    refresh();
  });
  arrange(container, []);
}

/** Each picker offers a box per record of the list it picks from, keeping what was ticked. */
function refreshPickers(container) {
  for (const field of plans.get(container).fields.filter((f) => f.widget === "picker")) {
    const picker = container.querySelector(`[data-path="${field.path}"]`);
    const ticked = new Set(pickedIds(picker));
    const boxes = [];
    for (const row of container.querySelectorAll(`[data-path="${field.picks}"] .rows > .row`)) {
      const id = row.querySelector(`[data-col="${field.key}"]`)?.value.trim();
      if (!id) continue;
      const name = row.querySelector('[data-col="name"]')?.value.trim();
      const box = element("input", { type: "checkbox", value: id });
      box.checked = ticked.has(id);
      const label = element("label", { class: "pick" });
      label.append(box, ` ${name ? `${name} (${id})` : id}`);
      boxes.push(label);
    }
    if (!boxes.length) boxes.push(element("p", { class: "hint" }, "No lines yet."));
    picker.replaceChildren(...boxes);
    picker.dataset.choices = String(boxes.filter((b) => b.tagName === "LABEL").length);
  }
}

function pickedIds(picker) {
  return [...picker.querySelectorAll("input[type=checkbox]:checked")].map((box) => box.value);
}

function isEmpty(node) {
  if (node.tagName === "FIELDSET") return node.querySelectorAll(".rows > .row").length === 0;
  if (node.classList.contains("picker")) return pickedIds(node).length === 0;
  return node.type !== "checkbox" && node.value.trim() === "";
}

/**
 * Put each field in its group: `needed` (request paths, in the order the verdict asked for
 * them) and any required field still empty first, then what the page gave, then the rest,
 * each under its part's heading in the plan's order. Moving a node keeps what was typed.
 */
export function arrange(container, needed) {
  const plan = plans.get(container);
  const nodes = new Map([...container.querySelectorAll("[data-field]")].map((n) => [n.dataset.field, n]));
  const control = (path) => container.querySelector(`[data-path="${path}"]`);
  refreshPickers(container);
  const first = [...new Set(needed)].filter((p) => nodes.has(p));
  // Missing: a required field left empty, and which lines an ask is about when there are several.
  const missing = (f) =>
    isEmpty(control(f.path)) && (f.required || (f.widget === "picker" && Number(control(f.path).dataset.choices) > 1));
  plan.fields.forEach((f) => missing(f) && !first.includes(f.path) && first.push(f.path));
  const place = { needed: first, ticket: [], more: [] };
  for (const field of plan.fields) {
    if (first.includes(field.path)) continue;
    const read = nodes.get(field.path).matches(".from-page, .from-lookup");
    place[read ? "ticket" : "more"].push(field.path);
  }
  for (const [name, paths] of Object.entries(place)) {
    const group = container.querySelector(`[data-group="${name}"]`);
    const into = group.querySelector(".group-fields");
    const children = [];
    let section = null;
    for (const path of paths) {
      const node = nodes.get(path);
      if (name !== "needed" && node.dataset.section !== section) {
        children.push(element("h4", { class: "section" }, headingOf(node.dataset.section)));
      }
      section = node.dataset.section;
      children.push(node);
    }
    into.replaceChildren(...children);
    group.hidden = paths.length === 0;
    const title = group.querySelector(".group-title");
    title.textContent = `${title.textContent.replace(/ \(\d+\)$/, "")}${name === "needed" ? "" : ` (${paths.length})`}`;
  }
}

/** Show a field: unfold the group it is in. */
export function reveal(node) {
  const group = node.closest("details");
  if (group) group.open = true;
}

/** The request paths of the facts a needs_info verdict asks for, in its order. */
export function neededPaths(plan, needs) {
  const paths = [];
  for (const need of needs ?? []) {
    const fact = plan.facts.find((f) => f.name === need.fact);
    if (fact) paths.push(fact.source.split("[]")[0]);
  }
  return paths;
}

function setValue(input, value) {
  if (input.classList.contains("picker")) {
    const ids = new Set((value ?? []).map(String));
    input.querySelectorAll("input[type=checkbox]").forEach((box) => (box.checked = ids.has(box.value)));
  } else if (input.type === "checkbox") input.checked = value === true;
  else if (input.tagName === "SELECT" && value !== null && value !== undefined && value !== "") {
    // A value the list does not hold (a status the policy does not tell apart) is kept.
    if (![...input.options].some((o) => o.value === String(value))) input.append(option(String(value), String(value)));
    input.value = String(value);
  }
  else if (input.type === "datetime-local") input.value = localMoment(value);
  else input.value = value === null || value === undefined ? "" : String(value);
}

const pad = (n) => String(n).padStart(2, "0");

/**
 * A datetime-local control's value ("2026-12-02T10:00", the agent's local time) for an ISO
 * datetime; a date alone ("2026-12-02", as `as_of` is prefilled) is that day at the current time.
 */
export function localMoment(value, now = new Date()) {
  if (value === null || value === undefined || value === "") return "";
  const text = String(value);
  const moment = /^\d{4}-\d{2}-\d{2}$/.test(text)
    ? new Date(`${text}T${pad(now.getHours())}:${pad(now.getMinutes())}`)
    : new Date(text);
  if (Number.isNaN(moment.getTime())) return "";
  const day = `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}`;
  return `${day}T${pad(moment.getHours())}:${pad(moment.getMinutes())}`;
}

function markFromPage(node) {
  node.classList.add("from-page");
  node.closest("[data-field]")?.classList.add("from-page");
}

/** What the page tells us, by Request path. */
export function ticketValues(ticket, today) {
  const dates = ticket.dates ?? {};
  return {
    ticket_id: ticket.ticketId,
    channel: ticket.channel,
    as_of: today,
    "customer.name": ticket.customer?.name,
    "customer.id": ticket.customer?.email,
    message: ticket.message,
    "ask.kind": ticket.ask,
    "case.order.id": ticket.orderNumber,
    "case.order.currency": ticket.currency,
    "case.order.placed_on": dates.placed_on,
    "case.order.delivered_on": dates.delivered_on,
    "case.order.expected_delivery_on": dates.expected_delivery_on,
    "case.order.items": (ticket.items ?? []).map((item, i) => ({ id: String(i + 1), ...item })),
  };
}

/** Fill the fields the page knows; `as_of` is today, not from the page. */
export function prefill(container, ticket, today) {
  for (const [path, value] of Object.entries(ticketValues(ticket, today))) {
    const node = container.querySelector(`[data-path="${path}"]`);
    if (!node || value === null || value === undefined || value === "") continue;
    if (node.tagName === "FIELDSET") prefillRows(node, value);
    else setValue(node, value);
    if (path !== "as_of" && (!Array.isArray(value) || value.length)) markFromPage(node);
  }
  arrange(container, []);
}

/**
 * Fill the form from a lookup's answer (POST /v1/lookups): each case field it gives, marked as
 * from the order system; returns the Request paths filled. The agent may still change any.
 */
export function fillFromLookup(container, answer) {
  const filled = [];
  for (const [path, source] of Object.entries(answer.sources)) {
    const node = container.querySelector(`[data-path="case.${path}"]`);
    const value = path.split(".").reduce((at, part) => at?.[part], answer.case);
    if (!node || value === undefined || value === null) continue;
    if (node.tagName === "FIELDSET") prefillRows(node, value);
    else setValue(node, value);
    const field = node.closest("[data-field]");
    field.classList.remove("from-page");
    field.classList.add("from-lookup");
    field.dataset.lookup = source;
    delete field.dataset.edited;
    filled.push(`case.${path}`);
  }
  arrange(container, []);
  return filled;
}

/**
 * Where each case value sent came from, for the audit log: the lookup for a value as the order
 * system gave it, the agent for one they changed since.
 */
export function provenance(container, request) {
  const sources = {};
  for (const field of container.querySelectorAll("[data-field].from-lookup")) {
    const path = field.dataset.field;
    if (path.split(".").reduce((at, part) => at?.[part], request) === undefined) continue;
    sources[path.replace(/^case\./, "")] = field.dataset.edited ? "agent" : field.dataset.lookup;
  }
  return sources;
}

/** What the form holds, to put back later: the Request it reads as, and what came from the page. */
export function snapshot(container) {
  const { request } = readRequest(container, plans.get(container));
  const fromPage = [...container.querySelectorAll("[data-field].from-page")].map((n) => n.dataset.field);
  const looked = [...container.querySelectorAll("[data-field].from-lookup")].map((n) => ({ ...n.dataset }));
  return { request, fromPage, looked };
}

/** Put a snapshot back into a freshly rendered form of the same plan. */
export function restore(container, { request, fromPage, looked }) {
  for (const field of plans.get(container).fields) {
    const value = field.path.split(".").reduce((node, part) => node?.[part], request);
    const node = container.querySelector(`[data-path="${field.path}"]`);
    if (value === undefined || !node) continue;
    if (node.tagName === "FIELDSET") prefillRows(node, value);
    else setValue(node, value);
  }
  fromPage.forEach((path) => {
    const node = container.querySelector(`[data-path="${path}"]`);
    if (node) markFromPage(node);
  });
  for (const { field: path, lookup, edited } of looked) {
    const field = container.querySelector(`[data-field="${path}"]`);
    if (!field) continue;
    field.classList.add("from-lookup");
    Object.assign(field.dataset, edited ? { lookup, edited } : { lookup });
  }
  arrange(container, []);
}

function prefillRows(fieldset, rows) {
  const add = fieldset.querySelector(":scope > button.add");
  const list = fieldset.querySelector(".rows");
  list.replaceChildren();
  for (const values of rows) {
    add.click();
    const row = list.lastElementChild;
    for (const [name, value] of Object.entries(values)) {
      const input = row.querySelector(`[data-col="${name}"]`);
      if (input) setValue(input, value);
    }
  }
}

/** A value read from a control, converted for JSON; undefined when left empty. */
function readValue(input, widget, where, problems) {
  if (widget === "checkbox") return input.checked;
  if (widget === "picker") return pickedIds(input); // none ticked: left out, the whole order
  const raw = input.value.trim();
  if (raw === "") return undefined;
  if (widget === "tristate") return raw === "true";
  if (widget === "integer") {
    if (!/^-?\d+$/.test(raw)) problems.push({ field: where, message: "must be a whole number" });
    return Number.parseInt(raw, 10);
  }
  if (widget === "amount" && !AMOUNT.test(raw)) {
    problems.push({ field: where, message: 'must be an amount such as "49.99"' });
  }
  if (widget === "list") return raw.split(",").map((s) => s.trim()).filter(Boolean);
  if (widget === "datetime") {
    // The control holds the agent's local time; the API wants a time zone, so send UTC.
    const moment = new Date(raw);
    if (Number.isNaN(moment.getTime())) {
      problems.push({ field: where, message: "must be a date and time" });
      return raw;
    }
    return moment.toISOString();
  }
  return raw; // amounts stay strings: the API refuses floats for money
}

function setPath(target, path, value) {
  const parts = path.split(".");
  let node = target;
  parts.slice(0, -1).forEach((part) => (node = node[part] ??= {}));
  node[parts[parts.length - 1]] = value;
}

function readRows(fieldset, field, problems) {
  const rows = [];
  for (const row of fieldset.querySelectorAll(".rows > .row")) {
    const values = {};
    const index = rows.length;
    for (const column of field.columns) {
      const input = row.querySelector(`[data-col="${column.name}"]`);
      const value = readValue(input, column.widget, `${field.path}.${index}.${column.name}`, problems);
      // An unticked box is the default; leaving it out keeps empty rows empty.
      if (value !== undefined && !(column.widget === "checkbox" && value === false)) values[column.name] = value;
    }
    if (Object.keys(values).length) rows.push(values);
  }
  return rows;
}

/** Read the form back as a Request object; `problems` lists fields that cannot be sent. */
export function readRequest(container, plan) {
  const request = {};
  const problems = [];
  for (const field of plan.fields) {
    const node = container.querySelector(`[data-path="${field.path}"]`);
    const value =
      field.widget === "rows" ? readRows(node, field, problems) : readValue(node, field.widget, field.path, problems);
    const empty = value === undefined || (Array.isArray(value) && value.length === 0);
    if (!empty) setPath(request, field.path, value);
  }
  return { request, problems };
}

/** Server field paths may carry the body's "request." prefix. */
function requestPath(field) {
  return String(field ?? "").replace(/^(body\.)?request\./, "");
}

function controlFor(container, path) {
  const exact = container.querySelector(`[data-path="${path}"]`);
  if (exact && exact.tagName !== "FIELDSET") return exact;
  const row = /^(.*)\.(\d+)\.([a-z_]+)/.exec(path);
  if (row) {
    const cell = container.querySelector(`[data-path="${row[1]}"] .row[data-index="${row[2]}"] [data-col="${row[3]}"]`);
    if (cell) return cell;
  }
  if (exact) return exact;
  const parent = path.includes(".") ? path.slice(0, path.lastIndexOf(".")) : null;
  return parent ? controlFor(container, parent) : null;
}

/** Clear old marks, then mark each field the server (or readRequest) named. */
export function markErrors(container, errors) {
  container.querySelectorAll("[aria-invalid]").forEach((n) => n.removeAttribute("aria-invalid"));
  container.querySelectorAll(".field-error").forEach((n) => n.remove());
  const unplaced = [];
  for (const error of errors) {
    const node = controlFor(container, requestPath(error.field));
    if (!node) {
      unplaced.push(error);
      continue;
    }
    node.setAttribute("aria-invalid", "true");
    reveal(node);
    const message = element("p", { class: "field-error", role: "alert" }, `${requestPath(error.field)}: ${error.message}`);
    node.closest("[data-field]").append(message);
  }
  return unplaced;
}

/** Focus the field a fact is read from (for a verdict's "needs"). */
export function focusFact(container, plan, factName) {
  const fact = plan.facts.find((f) => f.name === factName);
  const node = fact && controlFor(container, fact.source.split("[]")[0]);
  if (!node) return false;
  reveal(node);
  node.scrollIntoView({ block: "center" });
  (node.tagName === "FIELDSET" ? node.querySelector("input, select, button") : node)?.focus();
  return true;
}
