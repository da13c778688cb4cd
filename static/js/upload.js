// Photos in: the file picker, drag and drop onto the pad (or anywhere on the page), and
// pasting from the clipboard. Each photo is made small enough to send (photo.js), shown to
// the pad (picture.sending) and handed to onFile. What happens to it is said next to the
// upload button, in its own live region, not in the top bar far away.

import { preparePhoto } from "./photo.js";

function firstImage(list) {
  for (const item of list || []) {
    const file = item instanceof File ? item : item.kind === "file" ? item.getAsFile() : null;
    if (file && (file.type.startsWith("image/") || file.type === "")) return file;
  }
  return null;
}

/**
 * Returns {say(text, kind)}: the upload's own message line ("busy" | "error" | "idle"), for
 * the answer's arrival or refusal.
 */
export function wireUploads({ input, dropZone, message, picture, onFile }, store) {
  const say = (text, kind = "idle") => {
    message.textContent = text;
    message.dataset.kind = kind;
    if (kind === "error") picture.refused();
  };
  // Any answer shown (the photo's, or a drawing's after it) ends what the line said.
  store.subscribe(["trace"], ({ trace }) => trace && say(""));
  let latest = 0;
  const take = async (original) => {
    const ticket = ++latest;
    say(`Reading ${original.name || "the picture"}…`, "busy");
    const { file, preview } = await preparePhoto(original);
    if (ticket !== latest) return; // another photo came in meanwhile
    picture.sending(preview);
    onFile(file);
  };
  const onRefused = (text) => say(text, "error");

  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) take(file);
    input.value = ""; // choosing the same file again still counts
  });

  let depth = 0;
  const hasFiles = (e) => Array.from(e.dataTransfer?.types || []).includes("Files");
  document.addEventListener("dragenter", (e) => {
    if (!hasFiles(e)) return;
    depth++;
    dropZone.classList.add("dragging");
  });
  document.addEventListener("dragleave", () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) dropZone.classList.remove("dragging");
  });
  document.addEventListener("dragover", (e) => {
    if (hasFiles(e)) e.preventDefault();
  });
  document.addEventListener("drop", (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    dropZone.classList.remove("dragging");
    const file = firstImage(e.dataTransfer.files);
    if (file) take(file);
    else onRefused("That was not an image: drop a PNG or JPEG photo.");
  });

  document.addEventListener("paste", (e) => {
    const file = firstImage(e.clipboardData?.items);
    if (file) {
      e.preventDefault();
      take(file);
    }
  });
  return { say };
}
