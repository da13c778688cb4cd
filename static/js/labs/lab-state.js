// What the labs keep in the page's state, how it travels in the address, and the arithmetic
// they show (classic kernels, the output-size formula). No DOM here, so node --test can check it.

export const IDENTITY = Object.freeze({ dx: 0, dy: 0, rotate: 0, scale: 1, thickness: 0 });

export const LAB_INITIAL = {
  lab: "", // the open lab: "" | "transform" | "kernel" | "edit"
  labTransform: IDENTITY,
  labEdits: [], // edits as /api/predict takes them
  kernelLab: null, // the Kernel lab's settings (see KERNEL_DEFAULTS), null for the defaults
  equivariance: null, // the last trace's per-layer numbers, with a transform
  inputBase: null, // the input before the transform (bytes), so a link does not move it twice
};

export const KERNEL_DEFAULTS = Object.freeze({
  kernel: "sobel_x", size: 3, padding: 1, stride: 1, dilation: 1, flip: false, activation: "", pool: "", poolSize: 2, cells: null,
});

export function isIdentity(t) {
  return !t || Object.keys(IDENTITY).every((k) => t[k] === IDENTITY[k]);
}

/** The fields a predict (or, with forExplain, an explain) request carries for the labs. */
export function labFields(state, forExplain = false) {
  const out = {};
  // "name" (the classic kernel's name) is for the page's own list; the API takes the rest.
  if (state.labEdits?.length) out.edits = state.labEdits.map(({ name, ...edit }) => edit);
  // An explanation is asked with the input the trace shows, already transformed.
  if (!forExplain && !isIdentity(state.labTransform)) out.transform = { ...state.labTransform };
  return out;
}

// ---- Classic kernels ------------------------------------------------------------------------
const THREE = {
  identity: [[0, 0, 0], [0, 1, 0], [0, 0, 0]],
  sharpen: [[0, -1, 0], [-1, 5, -1], [0, -1, 0]],
  sobel_x: [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]],
  sobel_y: [[-1, -2, -1], [0, 0, 0], [1, 2, 1]],
  laplacian: [[0, 1, 0], [1, -4, 1], [0, 1, 0]],
  emboss: [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]],
};
export const CLASSIC_NAMES = {
  identity: "Identity", box: "Box blur", gaussian: "Gaussian blur", sharpen: "Sharpen",
  sobel_x: "Sobel x (vertical edges)", sobel_y: "Sobel y (horizontal edges)", laplacian: "Laplacian (edges)", emboss: "Emboss",
};

function binomial(k) {
  let row = [1];
  for (let i = 1; i < k; i++) row = row.map((v, j) => v + (row[j - 1] ?? 0)).concat(1);
  return row;
}

/** A classic kernel as a K x K array: blurs made at size K, the others centred in zeros. */
export function classicKernel(name, size) {
  if (name === "box") return Array.from({ length: size }, () => Array(size).fill(1 / (size * size)));
  if (name === "gaussian") {
    const row = binomial(size);
    const total = row.reduce((a, b) => a + b, 0) ** 2;
    return row.map((a) => row.map((b) => (a * b) / total));
  }
  const small = THREE[name];
  if (!small) return null;
  return centred(small, size);
}

/** A smaller square kernel in the middle of a size x size one of zeros. */
export function centred(kernel, size) {
  const k = kernel.length;
  const at = Math.floor((size - k) / 2);
  return Array.from({ length: size }, (_, y) =>
    Array.from({ length: size }, (_, x) => kernel[y - at]?.[x - at] ?? 0),
  );
}

/** The output-size formula with numbers: {span, out, fits, text}. */
export function outputSize(n, k, p, s, d) {
  const span = d * (k - 1) + 1;
  const top = n - span + 2 * p;
  const fits = top >= 0 && top % s === 0;
  const out = top >= 0 ? Math.floor(top / s) + 1 : 0;
  const f = d > 1 ? `${span} (= ${d}×(${k}−1)+1)` : String(k);
  const text = `(W − F + 2P) / S + 1 = (${n} − ${f} + 2×${p}) / ${s} + 1 = ${fits ? out : `${top / s + 1} — not a whole number`}`;
  return { span, out, fits, text };
}

// ---- The address ----------------------------------------------------------------------------
const num = (v) => (Number.isFinite(v) ? Number(v.toFixed(3)) : 0);
const TF_KEYS = ["dx", "dy", "rotate", "scale", "thickness"];

const jsonRow = (check) => ({
  write: (v) => (v && (!Array.isArray(v) || v.length) ? encodeURIComponent(JSON.stringify(v)) : ""),
  read: (text) => {
    try {
      const v = JSON.parse(decodeURIComponent(text));
      return check(v) ? v : undefined;
    } catch {
      return undefined;
    }
  },
});

export const LAB_PROPS = [
  { name: "lab", key: "lab", fallback: "", write: (v) => v || "", read: (t) => (["transform", "kernel", "edit"].includes(t) ? t : undefined) },
  {
    name: "tf",
    key: "labTransform",
    fallback: IDENTITY,
    write: (t) => (isIdentity(t) ? "" : TF_KEYS.map((k) => num(t[k])).join(",")),
    read: (text) => {
      const v = text.split(",").map(Number);
      if (v.length !== 5 || !v.every(Number.isFinite)) return undefined;
      const t = Object.fromEntries(TF_KEYS.map((k, i) => [k, v[i]]));
      const ok = Math.abs(t.dx) <= 28 && Math.abs(t.dy) <= 28 && Math.abs(t.rotate) <= 180 && t.scale >= 0.25 &&
        t.scale <= 4 && Number.isInteger(t.thickness) && Math.abs(t.thickness) <= 2;
      return ok ? t : undefined;
    },
  },
  { name: "edits", key: "labEdits", fallback: [], ...jsonRow((v) => Array.isArray(v) && v.length <= 64 && v.every((e) => e && typeof e.layer === "string")) },
  { name: "klab", key: "kernelLab", fallback: null, ...jsonRow((v) => v && typeof v === "object" && !Array.isArray(v)) },
];
