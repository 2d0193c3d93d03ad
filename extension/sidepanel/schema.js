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
  const outer = { title: schema.title, description: schema.description, default: schema.default, "x-picks": schema["x-picks"] };
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
  if (schema["x-picks"]) return "picker";
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
    fieldValues: property["x-field-values"] ?? null,
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
      label: sentence(column.title ?? name),
      question: readers[0]?.title ?? null,
      facts: readers.map((f) => f.name),
      required: (item.required ?? []).includes(name),
    };
  });
}

const SECTIONS = { ticket: "Ticket", message: "The customer's message", customer: "Customer", ask: "What is asked", change: "What the ask is about" };

/** The part a field belongs to: its Request part, or for the case, the case's part (order). */
export function sectionOf(path) {
  const parts = path.split(".");
  if (path === "message") return "message";
  if (parts.length === 1) return "ticket";
  return parts[0] === "case" && parts.length > 2 ? parts[1] : parts[0];
}

export function headingOf(section) {
  return SECTIONS[section] ?? sentence(section.replaceAll("_", " "));
}

function sentence(text) {
  const lower = String(text).toLowerCase();
  return lower.charAt(0).toUpperCase() + lower.slice(1);
}

// Labels are for the agent: the field's own name in plain words ("Delivered on" under
// Order). "Id" means little on its own, so it takes its part's name ("Order id").
function agentLabel(path, schema) {
  const title = sentence(schema.title ?? path.split(".").pop().replaceAll("_", " "));
  if (title !== "Id" || !path.includes(".")) return title;
  return `${headingOf(sectionOf(path))} id`;
}

/** Whether the field's part requires it: a part that carries anything must carry it. */
function isRequired(root, path) {
  const cut = path.lastIndexOf(".");
  const parent = cut < 0 ? root : schemaAt(root, path.slice(0, cut)).schema;
  return (parent.required ?? []).includes(path.slice(cut + 1));
}

function fieldFor(root, path, facts) {
  const { schema: own, order } = schemaAt(root, path);
  const readers = facts.filter((f) => fieldOf(f.source) === path);
  const exact = readers.filter((f) => f.source === path);
  // A free-text field (order.status) whose value a policy reads as one of a few: a list.
  const choices = !own.enum && own.type === "string" ? exact.find((f) => f.fieldValues)?.fieldValues : null;
  const schema = choices ? { ...own, enum: choices, open: true } : own;
  const question = exact[0]?.title ?? readers[0]?.title ?? null;
  const field = {
    path,
    order,
    schema,
    widget: widgetOf(schema),
    section: sectionOf(path),
    label: agentLabel(path, own),
    question,
    facts: readers.map((f) => f.name),
    required: isRequired(root, path),
    hint: schema.description ?? null,
  };
  if (field.widget === "rows") field.columns = columnsOf(root, path, schema, facts);
  return field;
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
  for (const field of fields.filter((f) => f.widget === "picker")) {
    // Ticks the records of another list by their key; without that list on the form, ids are typed.
    const from = fields.find((f) => f.path === field.schema["x-picks"] && f.schema["x-unique"]);
    if (from) Object.assign(field, { picks: from.path, key: from.schema["x-unique"], label: `${from.label} it is about` });
    else field.widget = "list";
  }
  return { policy: inputsSchema["x-policy"] ?? null, fields, facts };
}
