// The model picker: the <select> the server rendered at page load, kept in step with the
// server's list (GET /api/models) after an upload, a delete or a model trained here, without
// a reload. `ids` is the one list of model ids the rest of the page reads (the address, the
// examples), changed in place so every reader sees the same.

/** An uploaded model's id: "u" and 16 hex digits (docs/api.md, Imported models). */
export const UPLOADED_ID = /^u[0-9a-f]{16}$/;

export const isUploaded = (id) => UPLOADED_ID.test(String(id));

/**
 * The options the picker should hold: the server's list, then models this page knows of that
 * the answering worker has not loaded (an upload another worker took), less those removed.
 * Pure: [{id, name}] in, [{id, name}] out.
 */
export function mergeChoices(listed, known, removed = new Set()) {
  const out = [];
  const seen = new Set();
  for (const m of [...listed, ...known]) {
    if (seen.has(m.id) || removed.has(m.id)) continue;
    seen.add(m.id);
    out.push({ id: m.id, name: m.name });
  }
  return out;
}

export class ModelPicker {
  constructor(select, ids) {
    this.select = select;
    this.ids = ids;
    this.removed = new Set();
  }

  /** [{id, name}] of the options shown. */
  get choices() {
    return Array.from(this.select.options, (o) => ({ id: o.value, name: o.textContent }));
  }

  /** Show exactly these choices, the selected one kept. */
  show(choices) {
    const selected = this.select.value;
    this.select.replaceChildren(...choices.map((c) => new Option(c.name, c.id)));
    if (choices.some((c) => c.id === selected)) this.select.value = selected;
    this.ids.splice(0, this.ids.length, ...choices.map((c) => c.id));
  }

  /** A model the page learnt of (uploaded, trained, or found from a link) joins the list. */
  add(id, name) {
    this.removed.delete(id);
    if (!this.ids.includes(id)) this.show([...this.choices, { id, name }]);
  }

  remove(id) {
    this.removed.add(id);
    this.show(this.choices.filter((c) => c.id !== id));
  }

  /** Ask the server for its list and show it with what this page knows of besides. */
  async refresh(api) {
    const { models } = await api.request("/models");
    this.show(mergeChoices(models, this.choices, this.removed));
  }
}
