// The one configuration file for per-site adapters: where each helpdesk shows the ticket and
// where its reply box is. Adapters are data, not code: content/ticket.js reads every site the
// same way, through these selectors, so fixing a site after a helpdesk redesign is an edit here.
//
// Each site:
//   id         adapter name shown in the side panel
//   hosts      hostname patterns ("*." matches any subdomain); keep in step with manifest.json
//   paths      RegExp sources the URL path must match for the adapter to apply
//   ticketId   RegExp source whose first group, run on the URL path + hash, is the ticket id
//   channel    the Request channel replies from this site go out on
//   subject    selector of the ticket subject (innerText, or value for inputs)
//   customer   {name, email}: selectors; `emailAttr` reads the address from an attribute
//   messages   selector of every message body in the thread, oldest first
//   fromCustomer  selector of the bodies of messages the customer wrote; the latest one is what
//                 the reply answers (null: answer the latest message of any kind)
//   fields     selectors of sidebars that show order facts as "Label: value" text
//   items      selector of one order line each ("Name  $12.50  × 2")
//   reply      selectors of the reply box, most specific first
//
// The selectors follow each product's markup as publicly documented and observed; they cannot be
// checked against live tenants from here, so tests/browser/pages/ imitates each layout.
(() => {
  const drafter = (globalThis.__drafter ??= {});
  if (drafter.SITES) return;

  drafter.SITES = Object.freeze([
    {
      id: "zendesk",
      hosts: ["*.zendesk.com"],
      paths: ["^/agent/tickets/\\d+"],
      ticketId: "/agent/tickets/(\\d+)",
      channel: "email",
      subject: '[data-test-id="omni-header-subject"]',
      customer: {
        name: '[data-test-id="requester-field"] [data-test-id="requester-name"]',
        email: '[data-test-id="requester-field"] [data-test-id="requester-email"]',
      },
      messages: '[data-test-id="omni-log-comment-item"] [data-test-id="omni-log-message-content"]',
      fromCustomer:
        '[data-test-id="omni-log-comment-item"][data-author-role="end-user"] [data-test-id="omni-log-message-content"]',
      fields: ['[data-test-id="ticket-fields"]', '[data-test-id="app-order-details"]'],
      items: '[data-test-id="app-order-details"] [data-test-id="order-line"]',
      reply: [
        '[data-test-id="omnicomposer-rich-text-ckeditor"] .ck-editor__editable[contenteditable="true"]',
        '[data-test-id="omnicomposer"] [contenteditable="true"]',
      ],
    },
    {
      id: "freshdesk",
      hosts: ["*.freshdesk.com"],
      paths: ["^/a/tickets/\\d+"],
      ticketId: "/a/tickets/(\\d+)",
      channel: "email",
      subject: '[data-test-id="ticket-subject"], .ticket-subject-heading',
      customer: {
        name: '[data-test-id="requester-info"] .requester-name',
        email: '[data-test-id="requester-info"] .requester-email',
      },
      messages: ".ticket-details .conversation-item .conversation-text",
      fromCustomer: ".conversation-item.requester-message .conversation-text",
      fields: ['[data-test-id="ticket-properties"]', '[data-test-id="order-widget"]'],
      items: '[data-test-id="order-widget"] .order-line',
      reply: [
        ".reply-editor .fr-element.fr-view[contenteditable='true']",
        ".fr-element[contenteditable='true']",
      ],
    },
    {
      id: "gmail",
      hosts: ["mail.google.com"],
      paths: ["^/mail/"],
      ticketId: "#[^/]+/([A-Za-z0-9]+)$",
      channel: "email",
      subject: "h2.hP",
      customer: { name: ".adn .gD", email: ".adn .gD", emailAttr: "email" },
      messages: ".adn .a3s",
      fromCustomer: null, // Gmail marks no message as the customer's: answer the latest one
      fields: [],
      items: null,
      reply: [
        'div[aria-label="Message Body"][contenteditable="true"]',
        "div.Am.Al.editable[contenteditable='true']",
      ],
    },
    {
      id: "helpscout",
      hosts: ["secure.helpscout.net"],
      paths: ["^/conversation/\\d+"],
      ticketId: "/conversation/(\\d+)",
      channel: "email",
      subject: '[data-cy="conversation-subject"]',
      customer: {
        name: '[data-cy="customer-profile"] [data-cy="customer-name"]',
        email: '[data-cy="customer-profile"] [data-cy="customer-email"]',
      },
      messages: '[data-cy="thread-item"] [data-cy="thread-body"]',
      fromCustomer: '[data-cy="thread-item"][data-thread-type="customer"] [data-cy="thread-body"]',
      fields: ['[data-cy="customer-properties"]', '[data-cy="app-orders"]'],
      items: '[data-cy="app-orders"] [data-cy="order-line"]',
      reply: ['[data-cy="reply-editor"] .ProseMirror[contenteditable="true"]', ".ProseMirror[contenteditable='true']"],
    },
  ]);

  // Any other page: the reply box is the focused (or last focused) editable element, else the
  // largest visible one; the customer's message is the text the agent selected, if any.
  drafter.GENERIC = Object.freeze({
    id: "generic",
    channel: "email",
    reply: ["textarea:not([readonly]):not([disabled])", '[contenteditable="true"]', '[contenteditable=""]'],
  });
})();
