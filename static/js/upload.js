// Photos in: the file picker, drag and drop onto the pad (or anywhere on the page), and
// pasting from the clipboard. Each hands one File to onFile.

function firstImage(list) {
  for (const item of list || []) {
    const file = item instanceof File ? item : item.kind === "file" ? item.getAsFile() : null;
    if (file && (file.type.startsWith("image/") || file.type === "")) return file;
  }
  return null;
}

export function wireUploads({ input, dropZone, onFile, onRefused }) {
  input.addEventListener("change", () => {
    const file = input.files?.[0];
    if (file) onFile(file);
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
    if (file) onFile(file);
    else onRefused("That was not an image: drop a PNG or JPEG photo.");
  });

  document.addEventListener("paste", (e) => {
    const file = firstImage(e.clipboardData?.items);
    if (file) {
      e.preventDefault();
      onFile(file);
    }
  });
}
