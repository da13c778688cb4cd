// Resizing a grey image the way the server's imaging library does for 32-bit float images,
// so a drawing prepared on the page gets the same bytes as one prepared on the server.
// No DOM.
//
// The scheme: each output pixel is a weighted sum of the input pixels under a filter
// centred on it. When shrinking, the filter is stretched by the shrink factor (so it
// averages everything it covers), and each output pixel's weights are divided by their sum.
// Rows are resized first into a float32 buffer, then columns; sums run in double precision
// and each pass stores float32, as the library does.

function sinc(x) {
  if (x === 0) return 1;
  const px = x * Math.PI;
  return Math.sin(px) / px;
}

export const FILTERS = {
  box: { support: 0.5, weight: (x) => (x > -0.5 && x <= 0.5 ? 1 : 0) },
  lanczos: { support: 3, weight: (x) => (x >= -3 && x < 3 ? sinc(x) * sinc(x / 3) : 0) },
};

/** For each of `outSize` pixels: the first input pixel it reads and its normalised weights. */
export function coefficients(inSize, outSize, filter) {
  const scale = inSize / outSize;
  const stretch = Math.max(1, scale);
  const support = filter.support * stretch;
  const inverse = 1 / stretch; // multiplied, not divided: the same rounding as the library
  const rows = [];
  for (let i = 0; i < outSize; i++) {
    const centre = (i + 0.5) * scale;
    const first = Math.max(0, Math.trunc(centre - support + 0.5));
    const last = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const weights = [];
    let total = 0;
    for (let x = first; x < last; x++) {
      const w = filter.weight((x - centre + 0.5) * inverse);
      weights.push(w);
      total += w;
    }
    if (total !== 0) for (let k = 0; k < weights.length; k++) weights[k] /= total;
    rows.push({ first, weights });
  }
  return rows;
}

function horizontal(src, w, h, outW, filter) {
  const out = new Float32Array(outW * h);
  const coeffs = coefficients(w, outW, filter);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < outW; x++) {
      const { first, weights } = coeffs[x];
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += src[y * w + first + k] * weights[k];
      out[y * outW + x] = sum;
    }
  }
  return out;
}

function vertical(src, w, h, outH, filter) {
  const out = new Float32Array(w * outH);
  const coeffs = coefficients(h, outH, filter);
  for (let y = 0; y < outH; y++) {
    const { first, weights } = coeffs[y];
    for (let x = 0; x < w; x++) {
      let sum = 0;
      for (let k = 0; k < weights.length; k++) sum += src[(first + k) * w + x] * weights[k];
      out[y * w + x] = sum;
    }
  }
  return out;
}

/**
 * Resize a float32 image {data, width, height} to outW x outH with the named filter
 * ("box" or "lanczos"). Returns a new {data: Float32Array, width, height}.
 */
export function resize({ data, width, height }, outW, outH, filterName) {
  const filter = FILTERS[filterName];
  if (!filter) throw new Error(`unknown filter ${filterName}`);
  let out = new Float32Array(data); // a copy, each value rounded to float32
  if (outW === width && outH === height) return { data: out, width, height };
  // A very tall, thin image is resized columns first, as the library does for it.
  if (height > width * 100 && outH < height) {
    out = vertical(out, width, height, outH, filter);
    if (outW !== width) out = horizontal(out, width, outH, outW, filter);
    return { data: out, width: outW, height: outH };
  }
  if (outW !== width) out = horizontal(out, width, height, outW, filter);
  if (outH !== height) out = vertical(out, outW, height, outH, filter);
  return { data: out, width: outW, height: outH };
}
