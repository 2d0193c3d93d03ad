// Reading the ticket: pick the adapter for this page from content/sites.js, then read what the
// page shows with innerText (what the agent sees, without hidden markup). The result is plain
// data for the side panel; nothing here talks to the drafter API.
(() => {
  const drafter = (globalThis.__drafter ??= {});
  if (drafter.ticket) return;
  const { SITES, GENERIC, extract } = drafter;
  const MAX_TEXT = 20_000;

  function hostMatches(pattern, host) {
    if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1));
    return host === pattern;
  }

  /** The site adapter for this location, or the generic one. */
  function siteFor(location) {
    const site = SITES.find(
      (s) =>
        s.hosts.some((h) => hostMatches(h, location.hostname)) &&
        s.paths.some((p) => new RegExp(p).test(location.pathname)),
    );
    return site ?? GENERIC;
  }

  /** The visible text of an element: innerText for elements, value for form controls. */
  function textOf(element) {
    if (!element) return "";
    const isControl = element instanceof HTMLInputElement || element instanceof HTMLTextAreaElement;
    const text = isControl ? element.value : element.innerText;
    return (text ?? "").trim().slice(0, MAX_TEXT);
  }

  function first(selector) {
    return selector ? document.querySelector(selector) : null;
  }

  function all(selector) {
    return selector ? [...document.querySelectorAll(selector)] : [];
  }

  const MAX_THREAD = 60_000; // the earlier turns kept, newest first, within the API's body cap

  /**
   * The message the reply answers (the latest one the customer wrote; the latest of any kind
   * where the site marks no author) and the turns before it, oldest first, each the customer's
   * or an agent's. A site that marks no author gives no thread: who wrote what is not guessed.
   */
  function conversation(site) {
    const customer = all(site.fromCustomer);
    const any = all(site.messages);
    const chosen = customer.length ? customer : any;
    const latest = chosen[chosen.length - 1];
    if (!customer.length) return { message: textOf(latest), thread: [] };
    const earlier = any.slice(0, Math.max(any.indexOf(latest), 0));
    const thread = [];
    let budget = MAX_THREAD;
    for (const node of earlier.reverse()) {
      const text = textOf(node);
      if (!text) continue;
      budget -= text.length;
      if (budget < 0) break;
      thread.unshift({ author: customer.includes(node) ? "customer" : "agent", text });
    }
    return { message: textOf(latest), thread };
  }

  function customerOf(site) {
    const emailElement = first(site.customer.email);
    const email = site.customer.emailAttr
      ? (emailElement?.getAttribute(site.customer.emailAttr) ?? "")
      : textOf(emailElement);
    return { name: textOf(first(site.customer.name)), email: email.trim() };
  }

  function ticketIdOf(site, location) {
    const match = new RegExp(site.ticketId).exec(location.pathname + location.hash);
    return match ? match[1] : null;
  }

  function orderLines(site) {
    return all(site.items).map((row) => extract.orderLine(textOf(row))).filter(Boolean);
  }

  /** Order facts: sidebars first (they label things), then the customer's own words. */
  function orderFacts(site, message) {
    const sidebar = site.fields.map((s) => all(s).map(textOf).join("\n")).join("\n");
    const text = `${sidebar}\n${message}`;
    return {
      orderNumber: extract.orderNumber(sidebar) ?? extract.orderNumber(message),
      dates: { ...extract.labelledDates(message), ...extract.labelledDates(sidebar) },
      currency: extract.currency(text),
      items: orderLines(site),
    };
  }

  // Links a helpdesk's order app shows to the record in the company's order system, by the
  // connection a pack's lookup names: the id the lookup takes, so no one types it.
  const SYSTEM_LINKS = {
    shopify: /^https:\/\/(?:admin\.shopify\.com\/store\/[\w-]{1,100}|[\w-]{1,100}\.myshopify\.com\/admin)\/orders\/(\d{1,20})(?:[/?#]|$)/,
    stripe: /^https:\/\/dashboard\.stripe\.com\/(?:test\/)?subscriptions\/(sub_[A-Za-z0-9]{1,100})(?:[/?#]|$)/,
  };

  function systemIds() {
    const found = {};
    for (const link of document.querySelectorAll("a[href]")) {
      for (const [system, pattern] of Object.entries(SYSTEM_LINKS)) {
        const match = system in found ? null : pattern.exec(link.href.slice(0, 500));
        if (match) found[system] = match[1];
      }
    }
    return found;
  }

  function readSite(site, location) {
    const { message, thread } = conversation(site);
    // What the customer said earlier counts too: the order number, the ask, the dates.
    const said = [...thread.filter((t) => t.author === "customer").map((t) => t.text), message];
    return {
      site: site.id,
      url: location.href,
      ticketId: ticketIdOf(site, location),
      channel: site.channel,
      subject: textOf(first(site.subject)),
      customer: customerOf(site),
      message,
      thread,
      ask: extract.askKind(message) ?? extract.askKind(said.join("\n")),
      ...orderFacts(site, said.join("\n")),
      systemIds: systemIds(),
    };
  }

  function readGeneric(location, selection) {
    const message = selection.trim().slice(0, MAX_TEXT);
    const facts = orderFacts({ fields: [], items: null }, message);
    return {
      site: GENERIC.id,
      url: location.href,
      ticketId: null,
      channel: GENERIC.channel,
      subject: document.title.trim(),
      customer: { name: "", email: "" },
      message,
      thread: [],
      ask: extract.askKind(message),
      ...facts,
      systemIds: systemIds(),
    };
  }

  /** Text the agent selected on the page, unless the selection sits in an editable box. */
  function selectedText() {
    const selection = window.getSelection();
    const node = selection?.anchorNode;
    const element = node?.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    if (!selection || element?.closest?.("textarea, input, [contenteditable]")) return "";
    return selection.toString();
  }

  /** Everything the side panel prefills from this page. */
  function readTicket() {
    const site = siteFor(window.location);
    const ticket =
      site === GENERIC ? readGeneric(window.location, selectedText()) : readSite(site, window.location);
    const box = drafter.insert.findReplyBox(site);
    return { ...ticket, replyBox: box ? drafter.insert.editorKind(box) : null };
  }

  drafter.ticket = Object.freeze({ siteFor, readTicket });
})();
