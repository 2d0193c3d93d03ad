// Pure text extraction: order numbers, labelled dates, currency and order lines from the text a
// helpdesk shows. Everything found here only prefills the side panel's facts form, where the
// agent sees it marked "from page" and can correct it; nothing is guessed when the text is
// ambiguous (a date like 03/05/2026 is left out rather than read one way or the other).
(() => {
  const drafter = (globalThis.__drafter ??= {});
  if (drafter.extract) return;

  const MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
  const MONTH = "(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\\.?";
  const DATE_FORMS = [
    { re: /(\d{4})-(\d{2})-(\d{2})/, order: ["y", "m", "d"] },
    { re: new RegExp(`${MONTH}\\s+(\\d{1,2})(?:st|nd|rd|th)?,?\\s+(\\d{4})`, "i"), order: ["mon", "d", "y"] },
    { re: new RegExp(`(\\d{1,2})(?:st|nd|rd|th)?\\s+${MONTH},?\\s+(\\d{4})`, "i"), order: ["d", "mon", "y"] },
  ];
  const DATE_LABELS = {
    placed_on: /\b(?:placed|ordered|purchased|bought)(?:\s+on)?\b|\border\s+date\b/i,
    delivered_on: /\b(?:delivered|arrived|received)(?:\s+on)?\b|\bdelivery\s+date\b/i,
    expected_delivery_on: /\b(?:expected|estimated)\s+(?:delivery|arrival)\b/i,
  };
  const ORDER_NUMBER =
    /\border(?:\s+(?:number|no\.?|id))?\s*[:#]?\s*(#?[A-Z]{0,4}-?\d[A-Z0-9-]{2,})\b/i;
  const CURRENCIES = [
    { re: /\bUSD\b|US\$|\$/, code: "USD" },
    { re: /\bEUR\b|€/, code: "EUR" },
    { re: /\bGBP\b|£/, code: "GBP" },
  ];
  const PRICE = /(?:[$€£]\s?|\b(?:USD|EUR|GBP)\s?)(\d{1,7}(?:[.,]\d{3})*(?:\.\d{2})?)\b/;
  const QUANTITY = /(?:×|\bx|\bqty:?|\bquantity:?)\s*(\d{1,4})\b/i;

  /** Parses one date written in an unambiguous form; returns "YYYY-MM-DD" or null. */
  function parseDate(text) {
    for (const form of DATE_FORMS) {
      const match = form.re.exec(text);
      if (match) return isoDate(form.order, match.slice(1));
    }
    return null;
  }

  function isoDate(order, parts) {
    const value = {};
    order.forEach((key, index) => (value[key] = parts[index]));
    const month = value.m ? Number(value.m) : MONTHS.indexOf(value.mon.slice(0, 3).toLowerCase()) + 1;
    const [year, day] = [Number(value.y), Number(value.d)];
    const date = new Date(Date.UTC(year, month - 1, day));
    if (date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
    return date.toISOString().slice(0, 10);
  }

  /**
   * Dates next to a label: "Delivered on: May 3, 2026" → delivered_on. Sidebars often put the
   * label and the value on separate lines, so the line after a bare label is read too.
   */
  function labelledDates(text) {
    const found = {};
    const lines = text.split(/\n+/);
    lines.forEach((line, index) => {
      for (const [field, label] of Object.entries(DATE_LABELS)) {
        const at = line.search(label);
        if (at < 0 || field in found) continue;
        const date = parseDate(line.slice(at)) ?? (labelOnly(line) ? parseDate(lines[index + 1] ?? "") : null);
        if (date) found[field] = date;
      }
    });
    return found;
  }

  function labelOnly(line) {
    return !/\d/.test(line);
  }

  /** The first "order #A1234" style reference, without a trailing punctuation mark. */
  function orderNumber(text) {
    const match = ORDER_NUMBER.exec(text);
    return match ? match[1] : null;
  }

  /** The currency the text prices things in, when it uses exactly one. */
  function currency(text) {
    const codes = CURRENCIES.filter((c) => c.re.test(text)).map((c) => c.code);
    return codes.length === 1 ? codes[0] : null;
  }

  /** One order line, "Blue kettle — $49.99 × 2", as {name, price, quantity}; null if no price. */
  function orderLine(text) {
    const price = PRICE.exec(text);
    if (!price) return null;
    const quantity = QUANTITY.exec(text);
    const name = text.slice(0, price.index).replace(/[\s—–:|-]+$/, "").trim();
    if (!name) return null;
    return {
      name,
      price: price[1].replace(/,/g, ""),
      quantity: quantity ? Number(quantity[1]) : 1,
    };
  }

  /** What kind of request the message makes, when it names exactly one. */
  function askKind(text) {
    const kinds = {
      cancel: /\bcancel(?:l?ed|l?ing|lation)?\b/i,
      exchange: /\b(?:exchange|swap)\b/i,
      return: /\breturn(?:ed|ing)?\b/i,
      refund: /\brefund(?:ed)?\b|\bmoney back\b/i,
    };
    const hits = Object.keys(kinds).filter((kind) => kinds[kind].test(text));
    return hits.length === 1 ? hits[0] : null;
  }

  drafter.extract = Object.freeze({
    parseDate,
    labelledDates,
    orderNumber,
    currency,
    orderLine,
    askKind,
  });
})();
