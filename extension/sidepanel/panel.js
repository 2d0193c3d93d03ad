// The side panel: read the ticket from the page, build the facts form from the policy's inputs
// schema, ask the service worker for a verdict or a streamed draft, and put the draft into the
// reply box. The agent reviews and sends; the panel never sends anything to a customer.

import { RemoteError, ask, askTab } from "../lib/messages.js";
import {
  arrange,
  fillFromLookup,
  focusFact,
  markErrors,
  neededPaths,
  prefill,
  provenance,
  readRequest,
  renderForm,
  restore,
  snapshot,
} from "./form.js";
import { renderError, renderGuard, renderSummary, renderVerdict } from "./render.js";
import { formPlan } from "./schema.js";

const $ = (id) => document.getElementById(id);
const state = { tabId: null, ticket: null, plan: null, reply: null, draftId: null, port: null, draftFor: null };
// What the agent typed for each ticket this panel has shown, kept when it shows another one.
const forms = new Map();

/** Which ticket a page shows: its tab, and the site's ticket id (its URL when it has none). */
function ticketKey(tabId, ticket) {
  return `${tabId} ${ticket?.ticketId ?? ticket?.url ?? ""}`;
}

function today() {
  const now = new Date();
  return new Date(now.getTime() - now.getTimezoneOffset() * 60_000).toISOString().slice(0, 10);
}

/** The tab the panel works on: ?tab=<id> when pinned, else the active tab of its window. */
async function targetTab() {
  const pinned = new URLSearchParams(window.location.search).get("tab");
  if (pinned) return Number(pinned);
  const [tab] = await chrome.tabs.query({ active: true, currentWindow: true });
  return tab?.id ?? null;
}

function showError(error) {
  const info = error instanceof RemoteError ? error.info : { title: "Error", detail: String(error?.message ?? error), errors: [] };
  const unplaced = markErrors($("facts"), info.errors ?? []);
  renderError($("error"), info, unplaced);
  $("error").scrollIntoView({ block: "nearest" });
}

function clearError() {
  $("error").hidden = true;
  $("error").replaceChildren();
  markErrors($("facts"), []);
}

async function readTicket() {
  const tabId = await targetTab();
  if (tabId === null) throw new RemoteError({ title: "No tab to work on" });
  // The panel now follows this tab, whose ticket it does not know until the page is read.
  Object.assign(state, { tabId, ticket: null });
  await ask("tab:ensure", { tabId });
  const answer = await askTab(tabId, "drafter:read");
  if (!answer?.ok) throw new RemoteError({ title: "Cannot read this page", detail: answer?.reason ?? "" });
  state.ticket = answer.ticket;
  renderSummary($("summary"), state.ticket);
  $("summary").dataset.reads = String(Number($("summary").dataset.reads ?? 0) + 1); // each page read
}

async function loadPolicies(settings) {
  const policies = await ask("api:policies");
  const select = $("policy");
  select.replaceChildren(...policies.map((p) => new Option(`${p.title ?? p.id} (${p.version})`, p.id)));
  if (policies.some((p) => p.id === settings.defaultPolicy)) select.value = settings.defaultPolicy;
  $("connection").textContent = `${new URL(settings.apiUrl).host}`;
}

async function loadForm() {
  const policy = await ask("api:policy", { id: $("policy").value });
  state.plan = formPlan(policy.inputs_schema);
  forms.clear(); // another policy's form reads other fields
  renderForm($("facts"), state.plan);
  if (state.ticket) prefill($("facts"), state.ticket, today());
  await loadLookups();
}

/** The order systems the policy's pack reads from; the page's id for one is looked up at once. */
async function loadLookups() {
  // A server without lookups (older than the panel) leaves the form as it is.
  const lookups = await ask("api:lookups", { policy: $("policy").value }).catch(() => []);
  state.lookups = lookups;
  $("lookup").hidden = lookups.length === 0;
  $("lookup-name").replaceChildren(...lookups.map((l) => new Option(l.title, l.name)));
  $("lookup-status").textContent = "";
  showLookupId();
  if ($("lookup-id").value) await runLookup();
}

function showLookupId() {
  const lookup = state.lookups?.find((l) => l.name === $("lookup-name").value);
  if (!lookup) return;
  $("lookup-id").placeholder = lookup.id_label;
  $("lookup-id").value = state.ticket?.systemIds?.[lookup.connection] ?? "";
}

async function runLookup() {
  const name = $("lookup-name").value;
  const id = $("lookup-id").value.trim();
  const lookup = state.lookups.find((l) => l.name === name);
  if (!id) {
    $("lookup-status").textContent = `Type the ${lookup.id_label} first.`;
    return;
  }
  $("lookup-status").textContent = `Looking up ${id} in ${lookup.title}…`;
  try {
    const answer = await ask("api:lookup", { policy: $("policy").value, lookup: name, id });
    const filled = fillFromLookup($("facts"), answer);
    const missing = Object.keys(answer.left_out ?? {});
    $("lookup-status").textContent =
      `${filled.length} field(s) filled from ${answer.title} ${answer.id}.` + (missing.length ? ` Not in its answer: ${missing.join(", ")}.` : "");
  } catch (error) {
    // A failed lookup is a message, never a broken form: the agent types the facts instead.
    const info = error instanceof RemoteError ? error.info : { title: String(error?.message ?? error) };
    $("lookup-status").textContent = `${lookup.title}: ${info.detail ?? info.title}`;
  }
}

function currentRequest() {
  const { request, problems } = readRequest($("facts"), state.plan);
  if (problems.length) {
    throw new RemoteError({ title: "Some facts cannot be sent", detail: "Fix the marked fields.", errors: problems });
  }
  // The turns before the message, so the draft knows what was already said and by whom.
  if (state.ticket?.thread?.length) request.thread = state.ticket.thread;
  // Which values came from the order system, for the audit log.
  const sources = provenance($("facts"), request);
  if (Object.keys(sources).length) request.provenance = sources;
  return request;
}

function showVerdict(verdict) {
  renderVerdict($("verdict"), verdict, { onNeed: (fact) => focusFact($("facts"), state.plan, fact) });
  $("verdict-card").hidden = false;
  // Every fact the verdict waits for goes to the top of the form, in the order it asked.
  if (verdict.decision === "needs_info") arrange($("facts"), neededPaths(state.plan, verdict.needs));
}

async function checkPolicy() {
  clearError();
  showVerdict(await ask("api:verdict", { policy: $("policy").value, request: currentRequest() }));
  $("verdict-card").scrollIntoView({ block: "start" });
}

function setDraftControls(enabled) {
  for (const id of ["insert", "copy", "regenerate"]) $(id).disabled = !enabled;
  $("feedback").disabled = !enabled;
}

function startDraft({ channel = "", tone = "" } = {}) {
  clearError();
  const request = currentRequest();
  state.port?.disconnect();
  Object.assign(state, { reply: null, draftId: null, draftFor: ticketKey(state.tabId, state.ticket) });
  setDraftControls(false);
  delete $("draft-card").dataset.retired;
  $("draft-card").hidden = false;
  $("draft-card").scrollIntoView({ block: "start" });
  $("guard").hidden = true;
  $("subject").hidden = true;
  $("draft-text").textContent = "";
  $("draft-card").dataset.deltas = "0";
  delete $("draft-card").dataset.draftId;
  $("draft-state").textContent = "writing…";
  $("insert-status").textContent = "";
  $("feedback-status").textContent = "";
  const port = chrome.runtime.connect({ name: "drafter:draft" });
  state.port = port;
  port.onMessage.addListener((event) => onDraftEvent(port, event));
  port.postMessage({ policy: $("policy").value, request, channel, tone, idempotencyKey: crypto.randomUUID() });
}

function onDraftEvent(port, { type, data }) {
  if (port !== state.port) return; // a superseded draft still finishing
  if (type === "delta") {
    $("draft-text").textContent += data.text;
    $("draft-card").dataset.deltas = String(Number($("draft-card").dataset.deltas ?? 0) + 1);
  }
  else if (type === "final") showReply(data);
  else if (type === "error") {
    $("draft-state").textContent = "failed";
    showError(new RemoteError(data));
  } else if (type === "end") port.disconnect();
}

function showReply({ id, reply }) {
  Object.assign(state, { reply, draftId: id });
  const streamed = $("draft-text").textContent;
  $("draft-text").textContent = reply.draft.body;
  $("draft-state").textContent = streamed && streamed.trim() !== reply.draft.body.trim() ? "final (replaced the streamed text)" : "final";
  if (reply.draft.subject) {
    $("subject").textContent = `Subject: ${reply.draft.subject}`;
    $("subject").hidden = false;
  }
  showVerdict(reply.verdict);
  renderGuard($("guard"), reply);
  setDraftControls(true);
  $("draft-card").dataset.draftId = id;
}

async function copyDraft(text) {
  await navigator.clipboard.writeText(text);
}

async function insertDraft() {
  $("insert-status").textContent = "Inserting…"; // never a previous insert's outcome
  await ensureSameTicket();
  const text = state.reply.draft.body;
  const result = await askTab(state.tabId, "drafter:insert", { text });
  if (result?.ok) {
    $("insert-status").textContent = `Inserted into the ${result.editor} reply box (${result.method}). Review it, then send it yourself.`;
    return;
  }
  await copyDraft(text);
  $("insert-status").textContent = `${result?.reason ?? "Could not insert."} The draft is on the clipboard: paste it with Ctrl+V.`;
}

async function finalTextFor(outcome) {
  if (outcome === "sent_as_is") return state.reply.draft.body;
  if (outcome === "rejected") return undefined;
  const answer = await askTab(state.tabId, "drafter:reply-text");
  if (!answer?.ok || answer.text === null) throw new RemoteError({ title: "Cannot read the reply box to record the edit" });
  return answer.text;
}

async function sendFeedback(outcome) {
  await ensureSameTicket();
  const feedback = { outcome, finalText: await finalTextFor(outcome), reason: $("reject-reason").value.trim() || undefined };
  if (outcome !== "rejected") delete feedback.reason;
  const saved = await ask("api:feedback", { draftId: state.draftId, feedback });
  $("feedback-status").textContent = `Recorded: ${outcome.replace(/_/g, " ")} (${saved.id}).`;
}

/** A draft belongs to the ticket it was written for: on any other, it is shown read-only and
 *  can be neither inserted nor copied, nor given feedback (customer A's reply must never reach
 *  customer B). */
function retireDraft() {
  if (state.draftFor === null) return;
  state.port?.disconnect();
  Object.assign(state, { port: null, reply: null, draftId: null, draftFor: null });
  setDraftControls(false);
  $("draft-card").dataset.retired = "true";
  $("draft-state").textContent = "for another ticket: read only";
  $("insert-status").textContent = "This draft was written for another ticket, so it cannot be inserted here. Draft again for this ticket.";
}

/** Refuse to act on a draft unless the page still shows the ticket it was written for. */
async function ensureSameTicket() {
  const tabId = await targetTab();
  const answer = tabId === null ? null : await askTab(tabId, "drafter:read").catch(() => null);
  if (state.draftFor !== null && answer?.ok && ticketKey(tabId, answer.ticket) === state.draftFor) return;
  retireDraft();
  throw new RemoteError({ title: "This draft is for another ticket", detail: "The page shows another ticket than the one the draft was written for. Draft again for this ticket." });
}

async function refreshTicket({ force = false } = {}) {
  const before = ticketKey(state.tabId, state.ticket);
  const shown = state.plan && state.ticket ? snapshot($("facts")) : null;
  try {
    await readTicket();
  } finally {
    // Whatever the page turned out to be, a draft for another ticket is retired, and what the
    // agent typed for the ticket shown until now is kept for when it comes back.
    const key = ticketKey(state.tabId, state.ticket);
    if (state.draftFor !== null && key !== state.draftFor) retireDraft();
    if (shown && key !== before) forms.set(before, shown);
  }
  const key = ticketKey(state.tabId, state.ticket);
  // While the page shows the same ticket, the agent's edits stay; Reload ticket starts over.
  if (!state.plan || (!force && key === before)) return;
  renderForm($("facts"), state.plan);
  if (forms.has(key) && !force) restore($("facts"), forms.get(key));
  else {
    prefill($("facts"), state.ticket, today());
    showLookupId();
    if ($("lookup-id").value) await runLookup();
  }
}

function guarded(action) {
  return () => action().catch(showError);
}

function wire() {
  $("open-options").addEventListener("click", () => chrome.runtime.openOptionsPage());
  $("reload").addEventListener("click", guarded(() => refreshTicket({ force: true })));
  $("policy").addEventListener("change", guarded(loadForm));
  $("check").addEventListener("click", guarded(checkPolicy));
  $("lookup-run").addEventListener("click", guarded(runLookup));
  $("lookup-name").addEventListener("change", showLookupId);
  $("show-paths").addEventListener("change", (event) => $("facts").classList.toggle("show-paths", event.target.checked));
  $("draft").addEventListener("click", guarded(async () => startDraft()));
  $("regenerate").addEventListener("click", guarded(async () => startDraft({ channel: $("channel").value, tone: $("tone").value })));
  $("insert").addEventListener("click", guarded(insertDraft));
  $("copy").addEventListener("click", guarded(async () => {
    await ensureSameTicket();
    await copyDraft(state.reply.draft.body);
    $("insert-status").textContent = "Copied to the clipboard.";
  }));
  for (const button of $("feedback").querySelectorAll("button[data-outcome]")) {
    button.addEventListener("click", guarded(() => sendFeedback(button.dataset.outcome)));
  }
  // Another ticket in the same tab (a helpdesk is a single-page app): read it, pinned or not.
  chrome.tabs.onUpdated.addListener((tabId, change) => {
    if (tabId === state.tabId && change.url) refreshTicket().catch(showError);
  });
  if (!new URLSearchParams(window.location.search).get("tab")) {
    // An unpinned panel follows the agent to another tab.
    chrome.tabs.onActivated.addListener(() => refreshTicket().catch(showError));
  }
}

async function start() {
  wire();
  const settings = await ask("settings:get");
  const ticketRead = readTicket().catch(showError);
  if (!settings.apiUrl || !settings.hasKey) {
    $("setup").hidden = false;
    $("facts-card").hidden = true;
    $("connection").textContent = "not connected";
    await ticketRead;
    return;
  }
  await loadPolicies(settings);
  await ticketRead;
  await loadForm();
  document.body.dataset.ready = "true";
}

start().catch(showError).finally(() => (document.body.dataset.loaded = "true"));
