// How extension pages talk to the service worker (which holds the key and calls the API) and to
// the content script in the ticket's tab (which reads the page and inserts text).

/** An error the service worker reported: {status, title, detail, errors: [{field, message}]}. */
export class RemoteError extends Error {
  constructor(error) {
    super(error?.detail ? `${error.title}: ${error.detail}` : (error?.title ?? "Unknown error"));
    this.info = { status: 0, title: "Unknown error", detail: "", errors: [], ...error };
  }
}

/** Ask the service worker to run an operation; resolves with its data or throws RemoteError. */
export async function ask(type, payload = {}) {
  const reply = await chrome.runtime.sendMessage({ type, ...payload });
  if (!reply) throw new RemoteError({ title: "No answer from the extension's service worker" });
  if (!reply.ok) throw new RemoteError(reply.error);
  return reply.data;
}

/** Send a message to the content script in `tabId`. */
export async function askTab(tabId, type, payload = {}) {
  try {
    return await chrome.tabs.sendMessage(tabId, { type, ...payload });
  } catch (error) {
    throw new RemoteError({ title: "Cannot reach this page", detail: String(error?.message ?? error) });
  }
}
