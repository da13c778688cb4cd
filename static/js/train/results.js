// What a student can do with a model once its training is done: take it away (our .npz or
// ONNX) and evaluate it on its data set's whole test set (GET /api/models/{id}/confusion).

const pct = (v) => `${(100 * v).toFixed(2)}%`;

/** The confusion table: rows the true class, columns the answer; the diagonal is right. */
export function confusionTable(matrix, classNames) {
  const table = document.createElement("table");
  table.className = "train-confusion";
  const caption = document.createElement("caption");
  caption.textContent = "Rows: the true class. Columns: the network's answer. The diagonal counts the right answers.";
  const head = table.createTHead().insertRow();
  const corner = document.createElement("th");
  corner.textContent = "true \\ answer";
  head.append(corner);
  for (const name of classNames) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = name;
    head.append(th);
  }
  const body = table.createTBody();
  matrix.forEach((row, t) => {
    const tr = body.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = classNames[t];
    tr.append(th);
    row.forEach((count, p) => {
      const td = tr.insertCell();
      td.textContent = String(count);
      if (t === p) td.className = "right";
      else if (count > 0) td.className = "wrong";
    });
  });
  table.prepend(caption);
  return table;
}

export class TrainResults {
  /** root holds [data-train-results], its download links and the Evaluate button. */
  constructor(root, { apiRoot = "/api" }) {
    this.apiRoot = apiRoot;
    this.box = root.querySelector("[data-train-results]");
    this.npz = root.querySelector("[data-download-npz]");
    this.onnx = root.querySelector("[data-download-onnx]");
    this.button = root.querySelector("[data-train-evaluate]");
    this.out = root.querySelector("[data-train-evaluation]");
    this.button.addEventListener("click", () => this.evaluate());
  }

  hide() {
    this.box.hidden = true;
    this.model = null;
  }

  show(modelId, name) {
    this.model = modelId;
    const id = encodeURIComponent(modelId);
    const file = (name || modelId).replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-|-$/g, "") || modelId;
    this.npz.href = `${this.apiRoot}/models/${id}/download`;
    this.npz.download = `${file}.npz`;
    this.onnx.href = `${this.apiRoot}/models/${id}/onnx`;
    this.onnx.download = `${file}.onnx`;
    this.out.replaceChildren();
    this.button.disabled = false;
    this.box.hidden = false;
  }

  async evaluate() {
    const model = this.model;
    if (!model) return;
    this.button.disabled = true;
    this.out.textContent = "Answering all the test images…";
    try {
      const [confusion, detail] = await Promise.all([
        this.get(`/models/${encodeURIComponent(model)}/confusion`),
        this.get(`/models/${encodeURIComponent(model)}`),
      ]);
      if (model !== this.model) return;
      const names = detail.class_names ?? confusion.matrix.map((_, i) => String(i));
      const line = document.createElement("p");
      line.dataset.accuracy = String(confusion.accuracy);
      line.textContent = `Right on ${pct(confusion.accuracy)} of the ${confusion.n.toLocaleString("en")} test images, ` +
        "pictures it never saw while training.";
      this.out.replaceChildren(line, confusionTable(confusion.matrix, names));
    } catch (err) {
      this.out.textContent = err.message;
    } finally {
      this.button.disabled = false;
    }
  }

  async get(path) {
    const response = await fetch(`${this.apiRoot}${path}`);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.detail || `The server could not evaluate the model (error ${response.status}).`);
    return body;
  }
}
