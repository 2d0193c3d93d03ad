// From a policy's inputs JSON Schema (GET /v1/policies/{id} → inputs_schema) to a form plan:
// which Request fields the agent must see, in what order, with which widget and label.
//
// Each input property names, in `x-source`, the Request path its fact is read from
// ("case.order.delivered_on", "case.order.items[].condition"); `x-request-schema` is the full Request
// schema. The plan holds every field an input reads, the fields every request needs, and the
// required siblings of any object it touches (an order needs an id, status, currency, items),
// so what the form sends is a Request the server can check. Nothing here touches the DOM.

/** Fields every request carries, whatever the policy reads. */
export const BASE_PATHS = ["ticket_id", "channel", "as_of", "customer.name", "customer.id", "ask.kind", "message"];

const LONG_TEXT = 2000;

function definition(root, ref) {
  const name = ref.replace(/^#\/\$defs\//, "");
  const found = root.$defs?.[name];
  if (!found) throw new Error(`schema: unknown reference ${ref}`);
  return found;
}

/** Follow $ref and unwrap optional (anyOf [..., null]) schemas, keeping title and default. */
export function resolve(root, schema) {
  const outer = { title: schema.title, description: schema.description, default: schema.default };
  const keep = (inner, extra = {}) => ({ ...inner, ...defined(outer), ...extra });
  if (schema.$ref) return keep(resolve(root, definition(root, schema.$ref)));
  if (!schema.anyOf) return schema;
  const branches = schema.anyOf.map((s) => resolve(root, s));
  const present = branches.filter((s) => s.type !== "null");
  const nullable = present.length < branches.length;
  const types = present.map((s) => s.type).sort().join(",");
  // Money: a string of digits or a whole number (never a float), typed into one text box.
  if (types === "integer,string" || types === "number,string") return keep({ type: "amount" }, { nullable });
  // as_of: a date or a datetime. The form sends the date; a policy that counts hours says so.
  if (types === "string,string" && present.some((s) => s.format === "date")) {
    return keep({ type: "string", format: "date" }, { nullable });
  }
  if (present.length === 1) return keep(present[0], { nullable });
  throw new Error(`schema: cannot show a field that may be any of ${types}`);
}

function defined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

/** "ask.exchanges[].new_price" → ["ask", "exchanges", "[]", "new_price"]. */
export function segments(path) {
  return path.split(".").flatMap((part) => (part.endsWith("[]") ? [part.slice(0, -2), "[]"] : [part]));
}

/** The resolved schema at a path, and the index of each step for ordering. */
export function schemaAt(root, path) {
  let schema = root;
  const order = [];
  for (const step of segments(path)) {
    if (step === "[]") {
      schema = resolve(root, schema.items);
      continue;
    }
    const names = Object.keys(schema.properties ?? {});
    if (!names.includes(step)) throw new Error(`schema: '${path}' is not a Request field`);
    order.push(names.indexOf(step));
    schema = resolve(root, schema.properties[step]);
  }
  return { schema, order };
}

/** The widget a schema needs. */
export function widgetOf(schema) {
  if (schema.type === "amount") return "amount";
  if (schema.enum) return "select";
  if (schema.type === "boolean") return schema.nullable ? "tristate" : "checkbox";
  if (schema.type === "integer") return "integer";
  if (schema.type === "string" && schema.format === "date") return "date";
  if (schema.type === "string" && schema.format === "date-time") return "datetime";
  if (schema.type === "string") return (schema.maxLength ?? 0) > LONG_TEXT ? "longtext" : "text";
  if (schema.type === "array" && schema.items?.type === "string") return "list";
  if (schema.type === "array") return "rows";
  throw new Error(`schema: no widget for type '${schema.type}'`);
}

/** Input facts as {name, title, source, also, values}; `also` lists other fields it reads. */
export function factsOf(inputsSchema) {
  return Object.entries(inputsSchema.properties ?? {}).map(([name, property]) => ({
    name,
    title: property.title ?? name,
    source: property["x-source"],
    also: property["x-also-reads"] ?? [],
    values: property.enum ?? null,
  }));
}

/** The field a source fills: "case.order.items[].condition" → "case.order.items". */
export function fieldOf(source) {
  return source.split("[]")[0];
}

function requiredSiblings(root, path) {
  const parts = segments(path).filter((s) => s !== "[]");
  const found = [];
  for (let depth = 1; depth < parts.length; depth++) {
    const prefix = parts.slice(0, depth).join(".");
    const { schema } = schemaAt(root, prefix);
    for (const name of schema.required ?? []) {
      // A required part (case.booking) is a parent, not a field: its own required fields come
      // in through the paths that reach into it.
      if (resolve(root, schema.properties[name]).type !== "object") found.push(`${prefix}.${name}`);
    }
  }
  return found;
}

function compareOrder(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

function columnsOf(root, path, schema, facts) {
  const item = resolve(root, schema.items);
  return Object.entries(item.properties).map(([name, property]) => {
    const column = resolve(root, property);
    const readers = facts.filter((f) => f.source === `${path}[].${name}`);
    return {
      name,
      schema: column,
      widget: widgetOf(column),
      label: readers[0]?.title ?? column.title ?? name,
      facts: readers.map((f) => f.name),
      required: (item.required ?? []).includes(name),
    };
  });
}

// "Id" means little on its own: name a field its parent owns as "Customer id", "Order id".
function ownLabel(root, path, schema) {
  const title = schema.title ?? path;
  if (!path.includes(".")) return title;
  const parent = schemaAt(root, path.slice(0, path.lastIndexOf("."))).schema;
  return parent.title ? `${parent.title} ${title.toLowerCase()}` : title;
}

function fieldFor(root, path, facts) {
  const { schema, order } = schemaAt(root, path);
  const readers = facts.filter((f) => fieldOf(f.source) === path);
  const exact = readers.filter((f) => f.source === path);
  const widget = widgetOf(schema);
  const field = {
    path,
    order,
    schema,
    widget,
    label: exact[0]?.title ?? readers[0]?.title ?? ownLabel(root, path, schema),
    facts: readers.map((f) => f.name),
    hint: hintFor(schema, exact),
  };
  if (widget === "rows") field.columns = columnsOf(root, path, schema, facts);
  return field;
}

// A free-text Request field (case.order.status) that a policy reads as an enum fact: say which
// values the policy tells apart, without forcing them (the field may hold other values).
function hintFor(schema, exactReaders) {
  const values = exactReaders.find((f) => f.values)?.values;
  if (!values || schema.enum || schema.type !== "string") return schema.description ?? null;
  const known = `The policy distinguishes: ${values.join(", ")}.`;
  return schema.description ? `${schema.description} ${known}` : known;
}

/**
 * The form plan for a policy: {policy, fields, facts}. Throws when an input's x-source is not a
 * Request field, so a schema the panel cannot honour fails loudly rather than dropping a fact.
 */
export function formPlan(inputsSchema) {
  const root = inputsSchema["x-request-schema"];
  if (!root?.properties) throw new Error("schema: inputs_schema has no x-request-schema");
  const facts = factsOf(inputsSchema);
  const missing = facts.filter((f) => typeof f.source !== "string");
  if (missing.length) throw new Error(`schema: input '${missing[0].name}' has no x-source`);
  const paths = new Set(BASE_PATHS);
  // A fact that also reads another field (order_total reads the shipping fee) is missing
  // when that field is empty, so the form must offer it.
  facts.forEach((f) => [f.source, ...f.also].forEach((s) => paths.add(fieldOf(s))));
  [...paths].forEach((p) => requiredSiblings(root, p).forEach((s) => paths.add(s)));
  const fields = [...paths].map((p) => fieldFor(root, p, facts)).sort((a, b) => compareOrder(a.order, b.order));
  return { policy: inputsSchema["x-policy"] ?? null, fields, facts };
}
