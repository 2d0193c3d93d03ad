// The service worker: the only part of the extension that holds the API key and the only one
// that calls the drafter API. Extension pages (side panel, options) ask it by message; content
// scripts are refused, so a compromised page can neither read the key nor spend it.

import { ApiClient, ApiError } from "./api.js";
import { SettingsError, loadSettings, originPattern, publicSettings, restrictStorage, saveSettings } from "./settings.js";

const EXTENSION_ORIGIN = new URL(chrome.runtime.getURL("")).origin;
const DRAFT_PORT = "drafter:draft";

restrictStorage();
chrome.runtime.onInstalled.addListener(() => restrictStorage());
chrome.runtime.onStartup.addListener(() => restrictStorage());

/** True for the extension's own pages; content scripts report the web page's URL instead. */
function isTrusted(sender) {
  if (sender?.id !== chrome.runtime.id || typeof sender.url !== "string") return false;
  try {
    return new URL(sender.url).origin === EXTENSION_ORIGIN;
  } catch {
    return false;
  }
}

async function client() {
  const settings = await loadSettings();
  const api = new ApiClient(settings);
  const pattern = originPattern(settings.apiUrl);
  if (!(await chrome.permissions.contains({ origins: [pattern] }))) {
    throw new ApiError({
      title: "No permission to reach the server",
      detail: `Open drafter's options and save again to allow ${pattern}.`,
    });
  }
  return api;
}

async function testConnection() {
  const api = await client();
  const ready = await api.ready();
  const policies = await api.policies();
  return { ready, policies: policies.map((p) => p.id) };
}

/** Inject the content scripts into a tab that has none (any page, after an action click). */
async function ensureContentScript(tabId) {
  try {
    await chrome.tabs.sendMessage(tabId, { type: "drafter:ping" });
    return { injected: false };
  } catch {
    const files = chrome.runtime.getManifest().content_scripts[0].js;
    await chrome.scripting.executeScript({ target: { tabId }, files });
    return { injected: true };
  }
}

const operations = {
  "settings:get": async () => publicSettings(await loadSettings()),
  "settings:save": async (m) => saveSettings(m.settings),
  "api:test": async () => testConnection(),
  "api:policies": async () => (await client()).policies(),
  "api:policy": async (m) => (await client()).policy(m.id),
  "api:verdict": async (m) => (await client()).verdict(m.policy, m.request),
  "api:lookups": async (m) => (await client()).lookups(m.policy),
  "api:lookup": async (m) => (await client()).lookup(m.policy, m.lookup, m.id),
  "api:feedback": async (m) => (await client()).feedback(m.draftId, m.feedback),
  "tab:ensure": async (m) => ensureContentScript(m.tabId),
};

/** An `event: error` problem+json from the stream, in the same shape as other errors. */
function problemToError(problem) {
  return {
    status: problem?.status ?? 0,
    title: problem?.title ?? "Drafting failed",
    detail: problem?.detail ?? "",
    errors: Array.isArray(problem?.errors) ? problem.errors : [],
    requestId: problem?.request_id ?? null,
  };
}

function errorOf(error) {
  if (error instanceof ApiError) return error.toJSON();
  if (error instanceof SettingsError) {
    return { status: 0, title: "Invalid settings", detail: error.message, errors: [{ field: error.field, message: error.message }] };
  }
  return { status: 0, title: "Unexpected error", detail: String(error?.message ?? error), errors: [] };
}

chrome.runtime.onMessage.addListener((message, sender, respond) => {
  const operation = operations[message?.type];
  if (!operation) return false;
  if (!isTrusted(sender)) {
    respond({ ok: false, error: { status: 403, title: "Forbidden", detail: "Only drafter's own pages may ask this.", errors: [] } });
    return false;
  }
  operation(message)
    .then((data) => respond({ ok: true, data }))
    .catch((error) => respond({ ok: false, error: errorOf(error) }));
  return true;
});

async function streamDraft(port, message, signal) {
  const body = { policy: message.policy, request: message.request };
  if (message.channel) body.channel = message.channel;
  if (message.tone) body.tone = message.tone;
  const api = await client();
  await api.streamDraft(body, {
    idempotencyKey: message.idempotencyKey,
    signal,
    onEvent: ({ event, data }) =>
      port.postMessage(event === "error" ? { type: "error", data: problemToError(data) } : { type: event, data }),
  });
}

chrome.runtime.onConnect.addListener((port) => {
  if (port.name !== DRAFT_PORT) return;
  if (!isTrusted(port.sender)) {
    port.disconnect();
    return;
  }
  const abort = new AbortController();
  port.onDisconnect.addListener(() => abort.abort());
  port.onMessage.addListener((message) => {
    streamDraft(port, message, abort.signal)
      .then(() => port.postMessage({ type: "end" }))
      .catch((error) => {
        if (!abort.signal.aborted) port.postMessage({ type: "error", data: errorOf(error) });
      });
  });
});

chrome.action.onClicked.addListener((tab) => {
  // sidePanel.open must run inside the click's user gesture, before any await.
  chrome.sidePanel.open({ windowId: tab.windowId });
  if (tab.id !== undefined) ensureContentScript(tab.id).catch(() => {});
});
