// What the page checks before it sends a model file, with the server's own limits (the
// template gives them): the same sentences a student would get back, without the wait. No DOM.

export const MODEL_TYPES = [".onnx", ".npz"];
// The multipart body carries the name, the classes and the form's boundaries besides the file;
// the server's limit is on the whole body.
export const FORM_ROOM = 16 * 1024;

/** Bytes as a person reads them: "840 KB", "3.2 MB". */
export function sizeText(bytes) {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  const mb = bytes / (1024 * 1024);
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}

/**
 * A sentence saying why `file` ({name, size}) cannot be sent to a server taking at most
 * `maxBytes` per request, or null when it can.
 */
export function refusal(file, maxBytes) {
  if (!file) return "Choose a model file first: an .onnx file or a cnnvis .npz file.";
  const name = String(file.name || "").toLowerCase();
  if (!MODEL_TYPES.some((ext) => name.endsWith(ext))) {
    return "That is not a model file: choose an .onnx file (PyTorch, Keras and others export one) or a cnnvis .npz file.";
  }
  if (file.size === 0) return "The model file is empty.";
  const limit = maxBytes - FORM_ROOM;
  if (file.size > limit) {
    // Sizes that read the same when rounded are given to the hundredth of a megabyte.
    const exact = sizeText(file.size) === sizeText(limit);
    const say = (bytes) => (exact ? `${(bytes / (1024 * 1024)).toFixed(2)} MB` : sizeText(bytes));
    return `That file is ${say(file.size)}; this server takes model files up to ${say(limit)}.`;
  }
  return null;
}

/** The class names as typed ("cat, dog,bird") -> the list the server will keep. */
export function classList(text) {
  const trimmed = String(text || "").trim();
  return trimmed ? trimmed.split(",").map((c) => c.trim()) : [];
}

/** What the page says once a model is open: its name, input and classes in words. */
export function openedText({ name, input_shape: [c, h, w], class_names: classes }) {
  const colour = c === 3 ? "colour" : "grey";
  const shown = classes.length > 6 ? `${classes.slice(0, 6).join(", ")}, …` : classes.join(", ");
  return `Opened ${name}: a ${w}x${h} ${colour} input, ${classes.length} classes (${shown}).`;
}
