// A Server-Sent Events parser (the WHATWG "event stream" format) for fetch() bodies, which
// EventSource cannot read because it can neither POST nor send an Authorization header.

/**
 * Returns {push(chunk), end()}. Calls onEvent({event, data, id}) for each complete event;
 * `event` defaults to "message" and multi-line data is joined with "\n".
 */
export function createSseParser(onEvent) {
  let buffer = "";
  let pending = { event: "", data: [], id: null };

  function dispatch() {
    if (pending.data.length) {
      onEvent({ event: pending.event || "message", data: pending.data.join("\n"), id: pending.id });
    }
    pending = { event: "", data: [], id: pending.id };
  }

  function field(line) {
    if (line.startsWith(":")) return; // a comment, e.g. a keep-alive ping
    const colon = line.indexOf(":");
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? "" : line.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (name === "event") pending.event = value;
    else if (name === "data") pending.data.push(value);
    else if (name === "id" && !value.includes("\0")) pending.id = value;
  }

  function line(text) {
    if (text === "") dispatch();
    else field(text);
  }

  return {
    push(chunk) {
      buffer += chunk;
      // A trailing "\r" may be the first half of "\r\n": keep it until the next chunk.
      const lines = buffer.split(/\r\n|\r(?!$)|\n/);
      buffer = lines.pop();
      lines.forEach(line);
    },
    end() {
      if (buffer !== "" && buffer !== "\r") line(buffer);
      buffer = "";
      // An event not followed by a blank line is incomplete and, per the spec, dropped.
    },
  };
}
