// Mounts a real CKEditor 5 ClassicEditor (the GPL build from npm) with its essentials: typing,
// clipboard, enter and its own undo stack, as Zendesk's agent workspace composer uses.
import { ClassicEditor, Essentials, Paragraph } from "/__fixtures__/vendor/ckeditor5/ckeditor5.js";

export function mountCKEditor(place) {
  return ClassicEditor.create(place, { licenseKey: "GPL", plugins: [Essentials, Paragraph], toolbar: [] });
}
