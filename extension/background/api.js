// The drafter HTTP API v1 client. Only the service worker imports this: it alone holds the key.
// Failures become ApiError, built from the server's RFC 9457 problem+json when there is one, so
// the side panel can show the title and point at the fields the server named.

import { createSseParser } from "../lib/sse.js";

const JSON_TIMEOUT_MS = 30_000;
const STREAM_TIMEOUT_MS = 180_000;

export class ApiError extends Error {
  constructor({ status = 0, title, detail = "", errors = [], requestId = null, type = "about:blank" }) {
    super(detail ? `${title}: ${detail}` : title);
    Object.assign(this, { status, title, detail, errors, requestId, type });
  }

  /** A structured-clone-safe copy for chrome.runtime messages. */
  toJSON() {
    const { status, title, detail, errors, requestId, type } = this;
    return { status, title, detail, errors, requestId, type };
  }
}

async function problemFrom(response) {
  const requestId = response.headers.get("X-Request-ID");
  const text = await response.text();
  try {
    const problem = JSON.parse(text);
    return new ApiError({
      status: response.status,
      title: problem.title ?? `HTTP ${response.status}`,
      detail: problem.detail ?? "",
      errors: Array.isArray(problem.errors) ? problem.errors : [],
      requestId: problem.request_id ?? requestId,
      type: problem.type ?? "about:blank",
    });
  } catch {
    return new ApiError({ status: response.status, title: `HTTP ${response.status}`, detail: text.slice(0, 300), requestId });
  }
}

function unreachable(url, error) {
  const reason = error?.name === "TimeoutError" ? "the server did not answer in time" : String(error?.message ?? error);
  return new ApiError({ title: "Cannot reach the drafter server", detail: `${url}: ${reason}` });
}

export class ApiClient {
  /** settings: {apiUrl, apiKey} as stored; both are checked before any request. */
  constructor({ apiUrl, apiKey }) {
    if (!apiUrl) throw new ApiError({ title: "Not configured", detail: "Set the API URL in drafter's options." });
    this.base = apiUrl;
    this.key = apiKey;
  }

  headers(extra = {}) {
    if (!this.key) throw new ApiError({ title: "Not configured", detail: "Set the API key in drafter's options." });
    return { Authorization: `Bearer ${this.key}`, Accept: "application/json", ...extra };
  }

  async send(method, path, { body, headers = {}, signal, timeout = JSON_TIMEOUT_MS } = {}) {
    const url = `${this.base}${path}`;
    const init = { method, headers, signal: signal ?? AbortSignal.timeout(timeout), cache: "no-store" };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { "Content-Type": "application/json", ...headers };
    }
    let response;
    try {
      response = await fetch(url, init);
    } catch (error) {
      throw unreachable(url, error);
    }
    if (!response.ok) throw await problemFrom(response);
    return response;
  }

  async json(method, path, options = {}) {
    const response = await this.send(method, path, { ...options, headers: this.headers(options.headers) });
    return response.status === 204 ? null : response.json();
  }

  /** GET /readyz: no key needed; tells whether the server is up and ready. */
  async ready() {
    const response = await this.send("GET", "/readyz", { headers: { Accept: "application/json" } });
    return response.json().catch(() => ({}));
  }

  policies() {
    return this.json("GET", "/v1/policies");
  }

  policy(id) {
    return this.json("GET", `/v1/policies/${encodeURIComponent(id)}`);
  }

  /** GET /v1/policies/{id}/lookups: the order systems the policy's pack can read a case from. */
  lookups(policy) {
    return this.json("GET", `/v1/policies/${encodeURIComponent(policy)}/lookups`);
  }

  /** POST /v1/lookups: the server reads the case from the tenant's order system (its key stays there). */
  lookup(policy, lookup, id) {
    return this.json("POST", "/v1/lookups", { body: { policy, lookup, id } });
  }

  verdict(policy, request) {
    return this.json("POST", "/v1/verdicts", { body: { policy, request } });
  }

  feedback(draftId, { outcome, finalText, reason }) {
    const body = { outcome };
    if (finalText !== undefined && finalText !== null) body.final_text = finalText;
    if (reason) body.reason = reason;
    return this.json("POST", `/v1/drafts/${encodeURIComponent(draftId)}/feedback`, { body });
  }

  /**
   * POST /v1/drafts as an event stream. Calls onEvent({event: "delta"|"final"|"error", data})
   * with data parsed from JSON; resolves when the stream ends.
   */
  async streamDraft(body, { idempotencyKey, signal, onEvent }) {
    const headers = this.headers({ Accept: "text/event-stream" });
    if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
    const timeout = AbortSignal.timeout(STREAM_TIMEOUT_MS);
    const both = signal ? AbortSignal.any([signal, timeout]) : timeout;
    const response = await this.send("POST", "/v1/drafts", { body, headers, signal: both });
    if (!(response.headers.get("Content-Type") ?? "").includes("text/event-stream")) {
      onEvent({ event: "final", data: await response.json() }); // a server that does not stream
      return;
    }
    await readEvents(response.body, onEvent);
  }
}

async function readEvents(stream, onEvent) {
  const parser = createSseParser(({ event, data }) => {
    let parsed;
    try {
      parsed = JSON.parse(data);
    } catch {
      throw new ApiError({ title: "Malformed stream", detail: `event '${event}' carried data that is not JSON` });
    }
    onEvent({ event, data: parsed });
  });
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    parser.push(value);
  }
  parser.end();
}
