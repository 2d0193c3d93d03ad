// Inserting a draft into the reply box, as text and never as HTML.
//
// 1. document.execCommand("insertText"): the browser records one undo step, so a single Ctrl+Z
//    removes the whole draft; textareas, plain contenteditables and ProseMirror accept it.
// 2. A synthetic paste event carrying text/plain: editors that own their document model and
//    revert foreign DOM edits (CKEditor 5) take pasted text through their own undo history.
// 3. If neither landed, the caller (the side panel) puts the text on the clipboard instead.
// Each step is checked by reading the box back, so a step that "succeeds" without changing the
// box falls through to the next one. Nothing here ever presses a send button.
(() => {
  const drafter = (globalThis.__drafter ??= {});
  if (drafter.insert) return;
  const SETTLE_MS = 50;
  const LATE_SETTLE_MS = 150;
  let lastFocusedEditable = null;

  document.addEventListener(
    "focusin",
    (event) => {
      if (isEditable(event.target)) lastFocusedEditable = event.target;
    },
    true,
  );

  function isEditable(element) {
    if (!(element instanceof HTMLElement)) return false;
    if (element instanceof HTMLTextAreaElement) return !element.readOnly && !element.disabled;
    return element.isContentEditable;
  }

  /** The outermost contenteditable element around `element` (the editor's root). */
  function editingHost(element) {
    if (element instanceof HTMLTextAreaElement) return element;
    let host = element;
    while (host.parentElement?.isContentEditable) host = host.parentElement;
    return host;
  }

  function isVisible(element) {
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility !== "hidden";
  }

  function firstVisible(selectors) {
    for (const selector of selectors) {
      const found = [...document.querySelectorAll(selector)].find((e) => isEditable(e) && isVisible(e));
      if (found) return editingHost(found);
    }
    return null;
  }

  function largestVisible(selectors) {
    const candidates = [...document.querySelectorAll(selectors.join(","))]
      .filter((e) => isEditable(e) && isVisible(e))
      .map(editingHost);
    const area = (e) => e.getBoundingClientRect().width * e.getBoundingClientRect().height;
    return candidates.sort((a, b) => area(b) - area(a))[0] ?? null;
  }

  /** The reply box: the site's own selectors; on other pages the box the agent last used. */
  function findReplyBox(site) {
    if (site.id !== "generic") return firstVisible(site.reply);
    const active = document.activeElement;
    if (isEditable(active)) return editingHost(active);
    if (lastFocusedEditable?.isConnected && isVisible(lastFocusedEditable)) {
      return editingHost(lastFocusedEditable);
    }
    return largestVisible(site.reply);
  }

  /** Which kind of editor the box is; shown in the side panel and used by the tests. */
  function editorKind(box) {
    if (box instanceof HTMLTextAreaElement) return "textarea";
    if (box.closest(".ck-editor__editable, .ck-content")) return "ckeditor5";
    if (box.closest(".ProseMirror")) return "prosemirror";
    return "contenteditable";
  }

  function boxText(box) {
    return box instanceof HTMLTextAreaElement ? box.value : box.innerText;
  }

  // Editors turn newlines into paragraphs and spaces into &nbsp;, so compare word sequences.
  function normalized(text) {
    return text.replace(/[\s\u00a0]+/g, " ").trim();
  }

  function occurrences(haystack, needle) {
    let count = 0;
    for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + 1)) count++;
    return count;
  }

  function wait(ms) {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }

  /** Focus the box, keeping the agent's caret if it is in the box, else at the end. */
  async function focusCaret(box) {
    const wasActive = document.activeElement === box;
    box.focus();
    if (box instanceof HTMLTextAreaElement) {
      if (!wasActive) box.setSelectionRange(box.value.length, box.value.length);
    } else if (!box.contains(window.getSelection()?.anchorNode ?? null)) {
      const range = document.createRange();
      range.selectNodeContents(box);
      range.collapse(false);
      window.getSelection().removeAllRanges();
      window.getSelection().addRange(range);
    }
    // Editors such as CKEditor 5 and ProseMirror sync their selection on `selectionchange`.
    await wait(SETTLE_MS);
  }

  /** True once the box holds one more copy of the draft than it did before. */
  async function landed(box, draft, before) {
    await wait(SETTLE_MS);
    if (occurrences(normalized(boxText(box)), draft) > before) return true;
    await wait(LATE_SETTLE_MS);
    return occurrences(normalized(boxText(box)), draft) > before;
  }

  function typeText(text) {
    try {
      return document.execCommand("insertText", false, text);
    } catch {
      return false;
    }
  }

  function pasteText(box, text) {
    const data = new DataTransfer();
    data.setData("text/plain", text);
    const event = new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true });
    return !box.dispatchEvent(event);
  }

  /**
   * Put `text` into the reply box as text. Returns {ok, method, editor, reason}; `method` is
   * "execCommand" or "paste" when the text landed.
   */
  async function insertDraft(site, text) {
    const box = findReplyBox(site);
    if (!box) return { ok: false, method: null, editor: null, reason: "No reply box found on this page." };
    const editor = editorKind(box);
    const draft = normalized(text);
    const before = occurrences(normalized(boxText(box)), draft);
    await focusCaret(box);
    if (typeText(text) && (await landed(box, draft, before))) {
      return { ok: true, method: "execCommand", editor, reason: null };
    }
    if (pasteText(box, text) && (await landed(box, draft, before))) {
      return { ok: true, method: "paste", editor, reason: null };
    }
    return { ok: false, method: null, editor, reason: "The editor refused typed and pasted text." };
  }

  /** The reply box's current text, for "edited" feedback. */
  function replyText(site) {
    const box = findReplyBox(site);
    return box ? boxText(box) : null;
  }

  drafter.insert = Object.freeze({ findReplyBox, editorKind, insertDraft, replyText });
})();
