// Settings: the API URL, the API key and the default policy, kept in chrome.storage.local and
// readable only from the extension's own pages and service worker (never content scripts).
// The key is write-only from the outside: nothing but the service worker ever reads it back.

const KEYS = ["apiUrl", "apiKey", "defaultPolicy"];
const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);
const POLICY_ID = /^[a-z0-9][a-z0-9-]{0,99}$/;

/** A caller's mistake in the settings, naming the field. */
export class SettingsError extends Error {
  constructor(field, message) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

/** Content scripts get no access to stored settings (by default they would). */
export async function restrictStorage() {
  await chrome.storage.local.setAccessLevel({ accessLevel: "TRUSTED_CONTEXTS" });
}

export async function loadSettings() {
  const stored = await chrome.storage.local.get(KEYS);
  return { apiUrl: stored.apiUrl ?? "", apiKey: stored.apiKey ?? "", defaultPolicy: stored.defaultPolicy ?? "" };
}

/** What pages may know: everything but the key itself. */
export function publicSettings(settings) {
  return { apiUrl: settings.apiUrl, defaultPolicy: settings.defaultPolicy, hasKey: Boolean(settings.apiKey) };
}

/** The API's origin pattern, for host permissions. */
export function originPattern(apiUrl) {
  return `${new URL(apiUrl).origin}/*`;
}

export function checkApiUrl(value) {
  if (typeof value !== "string" || !value.trim()) throw new SettingsError("apiUrl", "is required");
  let url;
  try {
    url = new URL(value.trim());
  } catch {
    throw new SettingsError("apiUrl", `'${value}' is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new SettingsError("apiUrl", "must start with https:// (or http:// for this computer)");
  }
  if (url.protocol === "http:" && !LOOPBACK.has(url.hostname)) {
    throw new SettingsError("apiUrl", "must use https:// unless the server runs on this computer");
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new SettingsError("apiUrl", "must not carry a query, fragment or credentials");
  }
  return url.href.replace(/\/+$/, "");
}

function checkApiKey(value, current) {
  if (value === undefined || value === "") {
    if (!current) throw new SettingsError("apiKey", "is required");
    return current;
  }
  if (typeof value !== "string" || value.length > 512 || /\s/.test(value)) {
    throw new SettingsError("apiKey", "must be the key as issued, without spaces");
  }
  return value;
}

function checkPolicy(value) {
  if (value === undefined || value === "") return "";
  if (typeof value !== "string" || !POLICY_ID.test(value)) {
    throw new SettingsError("defaultPolicy", "must be a policy id such as retail-standard");
  }
  return value;
}

/** Validate and store; an empty key keeps the stored one. Returns the public view. */
export async function saveSettings(input) {
  const current = await loadSettings();
  const next = {
    apiUrl: checkApiUrl(input?.apiUrl),
    apiKey: checkApiKey(input?.apiKey, current.apiKey),
    defaultPolicy: checkPolicy(input?.defaultPolicy),
  };
  await chrome.storage.local.set(next);
  return publicSettings(next);
}
