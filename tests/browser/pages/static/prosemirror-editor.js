// Mounts a real ProseMirror editor (prosemirror-* from npm, via the page's import map) with the
// history plugin and its usual keymap, as Help Scout-style reply boxes use.
import { baseKeymap } from "prosemirror-commands";
import { history, redo, undo } from "prosemirror-history";
import { keymap } from "prosemirror-keymap";
import { DOMParser } from "prosemirror-model";
import { schema } from "prosemirror-schema-basic";
import { EditorState } from "prosemirror-state";
import { EditorView } from "prosemirror-view";

export function mountProseMirror(place, startHtml = "") {
  const start = document.createElement("div");
  start.innerHTML = startHtml;
  const state = EditorState.create({
    doc: DOMParser.fromSchema(schema).parse(start),
    plugins: [history(), keymap({ "Mod-z": undo, "Mod-y": redo, "Shift-Mod-z": redo }), keymap(baseKeymap)],
  });
  return new EditorView(place, { state });
}
