// Resizing an 8-bit colour picture the way the server's imaging library does (bicubic, with
// its integer "reduce" first when shrinking a lot), so a drawing prepared on the page for a
// photo model gets the bytes the server gives the same pad (app/centre_crop.py). No DOM.
//
// The scheme, as the library has it: when the picture is more than `gap` times larger than
// the output, it is first shrunk by a whole factor, each output byte the rounded mean of its
// cell; then a separable bicubic filter, stretched by the remaining shrink factor, is applied
// with weights in fixed point (22 fraction bits), rows first, then columns, each pass
// rounding to bytes. Pictures are RGBA byte arrays (as a canvas gives them); alpha is ignored.

const PRECISION_BITS = 22;
const ONE = 2 ** PRECISION_BITS;
const HALF = 2 ** (PRECISION_BITS - 1);

export function bicubic(x) {
  const a = -0.5;
  x = Math.abs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}
const SUPPORT = 2;

/**
 * For each of `outSize` pixels, the first input pixel it reads and its weights in fixed point,
 * for the input range in0..in1 (float32, as the library keeps a box).
 */
export function fixedCoefficients(inSize, in0, in1, outSize) {
  in0 = Math.fround(in0);
  in1 = Math.fround(in1);
  const scale = Math.fround(in1 - in0) / outSize;
  const stretch = Math.max(1, scale);
  const support = SUPPORT * stretch;
  const inverse = 1 / stretch;
  const rows = [];
  for (let i = 0; i < outSize; i++) {
    const centre = in0 + (i + 0.5) * scale;
    const first = Math.max(0, Math.trunc(centre - support + 0.5));
    const last = Math.min(inSize, Math.trunc(centre + support + 0.5));
    const weights = [];
    let total = 0;
    for (let x = first; x < last; x++) {
      const w = bicubic((x - centre + 0.5) * inverse);
      weights.push(w);
      total += w;
    }
    const fixed = weights.map((w) => {
      const k = total !== 0 ? w / total : w;
      return Math.trunc(k < 0 ? -0.5 + k * ONE : 0.5 + k * ONE);
    });
    rows.push({ first, weights: fixed });
  }
  return rows;
}

const clip8 = (sum) => Math.min(255, Math.max(0, Math.floor(sum / ONE)));

/** The mean of each xf x yf cell (a partial cell at the right or bottom edge: of what it holds). */
export function reduceBy({ data, width, height }, xf, yf) {
  const outW = Math.ceil(width / xf);
  const outH = Math.ceil(height / yf);
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let y = 0; y < outH; y++) {
    const rows = Math.min(yf, height - y * yf);
    for (let x = 0; x < outW; x++) {
      const cols = Math.min(xf, width - x * xf);
      const n = rows * cols;
      // The library divides by multiplying: 2^32 / (256 n), in float32, truncated.
      const multiplier = Math.trunc(Math.fround(2 ** 32 / Math.fround(256 * n)));
      for (let c = 0; c < 3; c++) {
        let sum = Math.floor(n / 2);
        for (let j = 0; j < rows; j++) {
          for (let i = 0; i < cols; i++) sum += data[((y * yf + j) * width + x * xf + i) * 4 + c];
        }
        out[(y * outW + x) * 4 + c] = Math.floor((sum * multiplier) / 2 ** 24);
      }
      out[(y * outW + x) * 4 + 3] = 255;
    }
  }
  return { data: out, width: outW, height: outH };
}

function pass(src, srcW, outW, outH, coeffs, horizontal, rowOffset = 0) {
  const out = new Uint8ClampedArray(outW * outH * 4);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const { first, weights } = coeffs[horizontal ? x : y];
      for (let c = 0; c < 3; c++) {
        let sum = HALF;
        for (let k = 0; k < weights.length; k++) {
          const at = horizontal ? (y + rowOffset) * srcW + first + k : (first - rowOffset + k) * srcW + x;
          sum += src[at * 4 + c] * weights[k];
        }
        out[(y * outW + x) * 4 + c] = clip8(sum);
      }
      out[(y * outW + x) * 4 + 3] = 255;
    }
  }
  return out;
}

/**
 * The region `box` = [x0, y0, x1, y1] of an RGBA picture {data, width, height}, resized to
 * outW x outH with the bicubic filter, shrunk first by whole factors where it is more than
 * `gap` times the output. Returns {data: Uint8ClampedArray RGBA, width, height}.
 */
export function resizeBicubic(image, outW, outH, box = [0, 0, image.width, image.height], gap = 3) {
  let [x0, y0, x1, y1] = box;
  const xf = Math.trunc((x1 - x0) / outW / gap) || 1;
  const yf = Math.trunc((y1 - y0) / outH / gap) || 1;
  if (xf > 1 || yf > 1) {
    // Only the part the filter reaches is reduced, whole cells from its corner.
    const reach = SUPPORT - 0.5;
    const sx = ((x1 - x0) / outW) * reach;
    const sy = ((y1 - y0) / outH) * reach;
    const safe = [
      Math.max(0, Math.trunc(x0 - sx)), Math.max(0, Math.trunc(y0 - sy)),
      Math.min(image.width, Math.ceil(x1 + sx)), Math.min(image.height, Math.ceil(y1 + sy)),
    ];
    image = reduceBy(cropRgba(image, safe), xf, yf);
    [x0, y0, x1, y1] = [(x0 - safe[0]) / xf, (y0 - safe[1]) / yf, (x1 - safe[0]) / xf, (y1 - safe[1]) / yf];
  }
  const { data, width, height } = image;
  const needH = outW !== width || x0 !== 0 || x1 !== outW;
  const needV = outH !== height || y0 !== 0 || y1 !== outH;
  const cols = fixedCoefficients(width, x0, x1, outW);
  const rows = fixedCoefficients(height, y0, y1, outH);
  let out = data;
  let w = width;
  let offset = 0;
  let h = height;
  if (needH) {
    // Only the rows the vertical pass reads are resized across.
    const firstRow = rows[0].first;
    const lastRow = rows[outH - 1].first + rows[outH - 1].weights.length;
    h = lastRow - firstRow;
    out = pass(data, width, outW, h, cols, true, firstRow);
    w = outW;
    offset = firstRow;
  }
  if (needV) out = pass(out, w, w, outH, rows, false, needH ? offset : 0);
  return { data: out, width: outW, height: outH };
}

function cropRgba({ data, width }, [x0, y0, x1, y1]) {
  const w = x1 - x0;
  const out = new Uint8ClampedArray(w * (y1 - y0) * 4);
  for (let y = y0; y < y1; y++) out.set(data.subarray((y * width + x0) * 4, (y * width + x1) * 4), (y - y0) * w * 4);
  return { data: out, width: w, height: y1 - y0 };
}
