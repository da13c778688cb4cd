// Photos from phones, made small enough to send: a 12-megapixel, 6 MB picture is decoded in
// the browser (turned upright by its EXIF orientation), shrunk to at most 1600 px on its
// long side and encoded again, well under the server's body limit. The server reduces every
// picture to 320 px before it looks for the ink, so 1600 px barely moves what it prepares
// (the noisy 4000x3000 photo of tests/web/test_photo_upload.py, shrunk so with Pillow: its
// 28x28 input moves by 0.4/255 on average, its answer not at all). Small files pass
// unchanged. Also returns a small copy to show on the pad.

export const MAX_SIDE = 1600;
export const SMALL_BYTES = 1024 * 1024; // a file this small, and at most MAX_SIDE, is sent as it is
export const TARGET_BYTES = 3 * 1024 * 1024; // what a shrunk photo must fit in (the default limit is 5 MB)
const PREVIEW_SIDE = 560; // twice the pad's 280 pixels, for sharp screens
const JPEG_QUALITIES = [0.92, 0.85, 0.75, 0.6];

/** [width, height] scaled so the long side is at most `side` (never enlarged). */
export function fitWithin(width, height, side) {
  const k = Math.min(1, side / Math.max(width, height));
  return [Math.max(1, Math.round(width * k)), Math.max(1, Math.round(height * k))];
}

/** Should this file be re-encoded before it is sent? */
export function needsShrinking(bytes, width, height) {
  return bytes > SMALL_BYTES || Math.max(width, height) > MAX_SIDE;
}

/** Formats that may hold transparency keep it (PNG); the server reads the ink against it. */
export function keepsTransparency(type) {
  return ["image/png", "image/webp", "image/gif", "image/avif"].includes(type);
}

function drawScaled(source, w, h) {
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d");
  ctx.imageSmoothingQuality = "high";
  ctx.drawImage(source, 0, 0, w, h);
  return canvas;
}

const blobOf = (canvas, type, quality) => new Promise((resolve) => canvas.toBlob(resolve, type, quality));

function renamed(name, type) {
  const base = (name || "photo").replace(/\.[^.]*$/, "");
  return `${base}.${type === "image/png" ? "png" : "jpg"}`;
}

/**
 * {file, preview}: the file to upload (the original, or a shrunk copy) and a small canvas
 * of the upright picture for the pad (null when the browser cannot decode the file; the
 * server may still read it, or say why not).
 */
export async function preparePhoto(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
  } catch {
    return { file, preview: null };
  }
  try {
    const { width, height } = bitmap;
    const preview = drawScaled(bitmap, ...fitWithin(width, height, PREVIEW_SIDE));
    if (!needsShrinking(file.size, width, height)) return { file, preview };
    const canvas = drawScaled(bitmap, ...fitWithin(width, height, MAX_SIDE));
    let blob = keepsTransparency(file.type) ? await blobOf(canvas, "image/png") : null;
    for (const q of JPEG_QUALITIES) {
      if (blob && blob.size <= TARGET_BYTES) break;
      blob = await blobOf(canvas, "image/jpeg", q);
    }
    if (!blob) return { file, preview };
    return { file: new File([blob], renamed(file.name, blob.type), { type: blob.type }), preview };
  } finally {
    bitmap.close();
  }
}
