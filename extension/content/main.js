// The content script's only entry point: answer the extension's own messages about this tab.
// It never sees the API key and never calls the drafter API; it reads the page and inserts text.
// Injected twice (manifest, then again on an action click), it installs its listener once.
(() => {
  const drafter = (globalThis.__drafter ??= {});
  if (drafter.listening) return;
  drafter.listening = true;

  const handlers = {
    "drafter:ping": async () => ({ ok: true, site: drafter.ticket.siteFor(window.location).id }),
    "drafter:read": async () => ({ ok: true, ticket: drafter.ticket.readTicket() }),
    "drafter:insert": async (message) => {
      if (typeof message.text !== "string" || !message.text) {
        return { ok: false, reason: "Nothing to insert." };
      }
      return drafter.insert.insertDraft(drafter.ticket.siteFor(window.location), message.text);
    },
    "drafter:reply-text": async () => ({
      ok: true,
      text: drafter.insert.replyText(drafter.ticket.siteFor(window.location)),
    }),
  };

  chrome.runtime.onMessage.addListener((message, sender, respond) => {
    // Only the extension itself can message a content script; check anyway.
    if (sender.id !== chrome.runtime.id) return false;
    const handler = handlers[message?.type];
    if (!handler) return false;
    handler(message)
      .then(respond)
      .catch((error) => respond({ ok: false, reason: String(error?.message ?? error) }));
    return true;
  });
})();
