// "Open your own model": a panel under the model picker where a student chooses an .onnx or
// .npz file (with an optional name, class names and preparation), checked against the
// server's limits before it is sent. Every refusal, the page's or the server's, is said in the
// panel's own line, next to the file; an opened model joins the picker and is shown at once.

import { classList, openedText, refusal, sizeText } from "./checks.js";
import { deleteModel, uploadModel } from "./requests.js";
import { isUploaded } from "./picker.js";

export class OwnModelPanel {
  /**
   * root: the panel (section#own-model, with data-max-bytes and data-enabled); toggle: the
   * button that opens it; picker: a ModelPicker; switchTo(id): show a model; fallback: the
   * model shown when the shown one is removed.
   */
  constructor({ root, toggle }, { api, store, picker, switchTo, fallback }) {
    Object.assign(this, { root, toggle, api, store, picker, switchTo, fallback });
    this.form = root.querySelector("form");
    this.file = root.querySelector("#own-model-file");
    this.message = root.querySelector("#own-model-message");
    this.removeButton = root.querySelector("#own-model-delete");
    this.maxBytes = Number(root.dataset.maxBytes);
    this.busy = null; // the upload on its way (an AbortController)
    toggle.addEventListener("click", () => this.open(this.root.hidden));
    root.querySelector("#own-model-close").addEventListener("click", () => this.open(false));
    root.addEventListener("keydown", (e) => {
      if (e.key === "Escape") this.open(false);
    });
    this.file.addEventListener("change", () => this.checkFile());
    this.form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.send();
    });
    this.removeButton.addEventListener("click", () => this.remove());
    store.subscribe(["modelId"], () => this.showRemove());
    this.showRemove();
  }

  /** Open or close the panel; closing gives the focus back to the button that opened it. */
  open(wanted) {
    this.root.hidden = !wanted;
    if (wanted) this.place();
    this.toggle.setAttribute("aria-expanded", String(wanted));
    if (wanted) this.file.focus({ preventScroll: true });
    else if (this.root.contains(document.activeElement) || document.activeElement === document.body) this.toggle.focus();
  }

  /** Under the button that opens it, inside the window (a phone's sheet is placed by the CSS). */
  place() {
    const wide = !window.matchMedia("(max-width: 760px)").matches;
    this.root.style.left = "";
    if (!wide) return;
    const host = this.root.offsetParent?.getBoundingClientRect() ?? { left: 0 };
    const button = this.toggle.getBoundingClientRect();
    const room = document.documentElement.clientWidth - this.root.offsetWidth - 8;
    this.root.style.left = `${Math.max(8, Math.min(button.left, room)) - host.left}px`;
  }

  say(text, kind = "idle") {
    this.message.textContent = text;
    this.message.dataset.kind = kind;
    if (text && !this.root.hidden) this.message.scrollIntoView({ block: "nearest" }); // a phone's panel scrolls
  }

  /** The chosen file at once: its size, or why it cannot be sent. */
  checkFile() {
    const file = this.file.files?.[0];
    if (!file) return this.say("");
    const why = refusal(file, this.maxBytes);
    this.say(why ?? `${file.name}, ${sizeText(file.size)}: ready to open.`, why ? "error" : "idle");
  }

  async send() {
    const file = this.file.files?.[0];
    const why = refusal(file, this.maxBytes);
    if (why) {
      this.say(why, "error");
      this.file.focus();
      return;
    }
    const fields = new FormData(this.form);
    const classes = classList(fields.get("classes"));
    this.busy?.abort();
    const busy = (this.busy = new AbortController());
    this.say(`Sending ${file.name} (${sizeText(file.size)}) and reading its layers…`, "busy");
    this.root.setAttribute("aria-busy", "true");
    try {
      const summary = await uploadModel(this.api, {
        file,
        name: String(fields.get("name") || "").trim(),
        classes: classes.join(","),
        preparation: fields.get("preparation"),
      }, busy.signal);
      if (busy !== this.busy) return;
      this.picker.add(summary.id, summary.name);
      this.say(openedText(summary), "done");
      this.root.dataset.opened = summary.id;
      await this.switchTo(summary.id);
      this.picker.refresh(this.api).catch(() => {}); // the rest of the list may have moved on too
    } catch (err) {
      if (err?.name === "AbortError" || busy !== this.busy) return;
      this.say(err.message, "error");
    } finally {
      if (busy === this.busy) {
        this.busy = null;
        this.root.removeAttribute("aria-busy");
      }
    }
  }

  /** Only uploaded models can be removed, and only the one shown. */
  showRemove() {
    const id = this.store.state.modelId;
    this.removeButton.hidden = !isUploaded(id) || this.root.dataset.enabled !== "true";
  }

  async remove() {
    const id = this.store.state.modelId;
    if (!isUploaded(id)) return;
    const name = this.picker.choices.find((c) => c.id === id)?.name ?? id;
    try {
      await deleteModel(this.api, id);
    } catch (err) {
      if (err.status !== 404) return this.say(err.message, "error"); // gone already: take it off the list too
    }
    this.picker.remove(id);
    this.say(`Removed ${name} from the server.`, "done");
    await this.switchTo(this.picker.ids.includes(this.fallback) ? this.fallback : this.picker.ids[0]);
    this.picker.refresh(this.api).catch(() => {});
  }

  /**
   * A model asked for by the address that the page does not list: the server may still have it
   * (an upload another worker took), or say in words why not (removed to make room). Returns
   * whether it can be shown; the sentence goes in the panel, opened, with the way to upload it.
   */
  async find(id) {
    if (!id || this.picker.ids.includes(id)) return true;
    try {
      const model = await this.api.model(id);
      this.picker.add(model.id, model.name);
      return true;
    } catch (err) {
      this.open(true);
      this.say(err.message, "error");
      return false;
    }
  }
}
