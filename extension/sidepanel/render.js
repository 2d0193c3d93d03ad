// Views of API objects: the ticket summary, a Verdict, a Reply's guard status and an error.
// Every string from the page or the API goes in through textContent, never as HTML.

export function element(tag, className = null, text = null) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== null && text !== undefined) node.textContent = String(text);
  return node;
}

function row(label, value) {
  const line = element("div", "kv");
  line.append(element("span", "k", label), element("span", "v", value));
  return line;
}

function list(title, items, describe) {
  if (!items?.length) return null;
  const section = element("section", "list");
  section.append(element("h4", null, title));
  const ul = element("ul");
  items.forEach((item) => ul.append(describe(item)));
  section.append(ul);
  return section;
}

export function money(m) {
  return m ? `${m.amount} ${m.currency}` : "";
}

/** The ticket as the page shows it. */
export function renderSummary(target, ticket) {
  const facts = [
    ["Site", ticket.site],
    ["Ticket", ticket.ticketId ?? "—"],
    ["Customer", [ticket.customer?.name, ticket.customer?.email].filter(Boolean).join(" · ") || "—"],
    ["Subject", ticket.subject || "—"],
    ["Order", ticket.orderNumber ?? "—"],
    ["Reply box", ticket.replyBox ?? "none found"],
  ];
  const message = element("blockquote", "message", ticket.message || "No customer message found; select it on the page and reload.");
  target.replaceChildren(...facts.map(([k, v]) => row(k, v)), threadView(ticket.thread ?? []), message);
}

/** The turns before the message, folded: the draft reads them, each marked with who wrote it. */
function threadView(thread) {
  if (!thread.length) return element("p", "muted small", "No earlier messages read.");
  const fromCustomer = thread.filter((t) => t.author === "customer").length;
  const details = element("details", "thread");
  details.append(element("summary", null, `Earlier in the thread: ${thread.length} message(s), ${fromCustomer} from the customer`));
  for (const turn of thread) {
    const quote = element("blockquote", `message turn turn-${turn.author}`, turn.text);
    quote.dataset.author = turn.author;
    details.append(element("p", "turn-author", turn.author === "customer" ? "Customer" : "Agent"), quote);
  }
  return details;
}

function describeRefund(refund) {
  const fees = refund.fees.map((f) => `${f.id} ${money(f.amount)}`).join(", ");
  const destination = refund.destination.replace(/_/g, " ");
  return `${money(refund.amount)} to ${destination}${fees ? ` (gross ${money(refund.gross)}; fees: ${fees})` : ""}`;
}

function describeOffer(offer) {
  const li = element("li");
  const size = offer.amount ? money(offer.amount) : offer.percent ? `${offer.percent}%` : "";
  const cap = offer.cap ? `, up to ${money(offer.cap)}` : "";
  li.append(element("strong", null, offer.kind.replace(/_/g, " ")), ` ${size}${cap} — ${offer.terms}`);
  return li;
}

function traceTable(trace) {
  const details = element("details", "trace");
  details.append(element("summary", null, `Trace (${trace.length} rules)`));
  const table = element("table");
  const head = element("tr");
  ["Rule", "Stage", "Result", "Facts"].forEach((h) => head.append(element("th", null, h)));
  table.append(head);
  for (const step of trace) {
    const tr = element("tr", `result-${step.result}`);
    const facts = Object.entries(step.facts).map(([k, v]) => `${k}=${v ?? "missing"}`).join(", ");
    [step.rule, step.stage, step.result, facts].forEach((cell) => tr.append(element("td", null, cell)));
    table.append(tr);
  }
  details.append(table);
  return details;
}

/** A Verdict: decision, money, offers, escalation, needs, disclosures, reasons and trace. */
export function renderVerdict(target, verdict, { onNeed } = {}) {
  const head = element("div", "verdict-head");
  head.append(element("span", `badge decision-${verdict.decision}`, verdict.decision.replace("_", " ")));
  head.append(element("span", "rule", `rule ${verdict.rule}`));
  const parts = [head];
  if (verdict.refund) parts.push(row("Refund", describeRefund(verdict.refund)));
  if (verdict.escalation) {
    parts.push(row("Escalate to", `${verdict.escalation.target}: ${verdict.escalation.reason}`));
  }
  parts.push(list("Offers", verdict.offers, describeOffer));
  parts.push(list("Still needed", verdict.needs, (need) => needItem(need, onNeed)));
  parts.push(list("Reasons", verdict.rationale, (r) => element("li", null, r.text)));
  parts.push(list("Must say", verdict.must_say, (d) => element("li", null, d.text)));
  parts.push(list("Must not say", verdict.must_not_say, (d) => element("li", null, d.text)));
  if (verdict.trace?.length) parts.push(traceTable(verdict.trace));
  parts.push(element("p", "policy-ref", `${verdict.policy.id} ${verdict.policy.version} · as of ${verdict.as_of}`));
  target.replaceChildren(...parts.filter(Boolean));
  target.hidden = false;
}

function needItem(need, onNeed) {
  const li = element("li");
  const button = element("button", "link", need.question);
  button.type = "button";
  button.dataset.fact = need.fact;
  button.addEventListener("click", () => onNeed?.(need.fact));
  li.append(button);
  // Asked together with the facts it hangs on; the customer's reply leaves it out until then.
  if (need.depends_on?.length) {
    const on = need.depends_on.map((fact) => fact.replace(/_/g, " ")).join(", ");
    li.append(element("span", "depends", ` (matters depending on: ${on})`));
  }
  return li;
}

/** The guard's finding on the final reply, and how the reply was produced. */
export function renderGuard(target, reply) {
  const report = reply.report;
  const status = element("div", `guard ${report.passed ? "guard-pass" : "guard-fail"}`);
  status.append(element("strong", null, report.passed ? "Guard: passed" : `Guard: ${report.violations.length} violation(s)`));
  const notes = [];
  if (reply.fallback) notes.push("The model's draft broke the verdict; this is the templated safe reply.");
  else if (reply.repaired) notes.push("The first draft broke the verdict and was repaired once.");
  const provenance = reply.draft.provenance;
  if (provenance.provider === "template") notes.push("Written by the built-in template: no language model is configured.");
  else notes.push(`Written by ${provenance.provider} ${provenance.model}.`);
  // What the agent must know before sending (a language without a phrasebook, say): shown
  // beside the reply, never inserted into it.
  (reply.notices || []).forEach((n) => notes.push(n));
  notes.forEach((n) => status.append(element("p", "note", n)));
  const violations = list("Violations", report.violations, (v) => element("li", null, `${v.code}: ${v.message} — “${v.excerpt}”`));
  target.replaceChildren(...[status, violations].filter(Boolean));
  target.hidden = false;
}

/** An error from the API or the extension, with the fields it names that are not on the form. */
export function renderError(target, info, unplaced = []) {
  const box = element("div", "error");
  box.setAttribute("role", "alert");
  box.append(element("strong", null, info.title));
  if (info.detail) box.append(element("p", null, info.detail));
  unplaced.forEach((e) => box.append(element("p", null, `${e.field}: ${e.message}`)));
  if (info.requestId) box.append(element("p", "request-id", `Request id ${info.requestId}`));
  target.replaceChildren(box);
  target.hidden = false;
}
