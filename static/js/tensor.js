// Decoding the API's tensors: {shape, dtype, data: base64 of little-endian bytes, C order}.
// No DOM here, so node --test can run it.

const DTYPES = { float32: 4, float16: 2, uint8: 1 };

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Base64 (with or without a data: URL prefix) -> Uint8Array. */
export function decodeBase64(text) {
  const comma = text.startsWith("data:") ? text.indexOf(",") : -1;
  const binary = atob(comma >= 0 ? text.slice(comma + 1) : text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The bits of an IEEE 754 half (0..65535) -> the bits of the float32 of the same value. */
export function halfBitsToFloatBits(h) {
  const sign = (h & 0x8000) << 16;
  let exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0) {
    if (mant === 0) return sign >>> 0; // signed zero
    // Subnormal half: shift the mantissa up until its leading one reaches bit 10.
    exp = 113; // 127 - 14: the float exponent of 2^-14, lowered once per shift below
    while ((mant & 0x400) === 0) {
      mant <<= 1;
      exp--;
    }
    return (sign | (exp << 23) | ((mant & 0x3ff) << 13)) >>> 0;
  }
  if (exp === 31) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf and NaN
  return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0; // rebias 15 -> 127
}

let halfTable = null; // 65536 float32 values, built on first use (256 KB, about a millisecond)

function halfLookup() {
  if (halfTable === null) {
    const bits = new Uint32Array(65536);
    for (let h = 0; h < 65536; h++) bits[h] = halfBitsToFloatBits(h);
    halfTable = new Float32Array(bits.buffer);
  }
  return halfTable;
}

/** One half-precision bit pattern -> its number. */
export function halfToFloat(h) {
  return halfLookup()[h & 0xffff];
}

function product(shape) {
  return shape.reduce((n, d) => n * d, 1);
}

/**
 * A Tensor object from the API -> {shape, dtype, data} where data is a Float32Array for
 * float16/float32 and a Uint8Array for uint8. Throws on a malformed tensor.
 */
export function decodeTensor(tensor) {
  const { shape, dtype } = tensor;
  const width = DTYPES[dtype];
  if (!width) throw new Error(`unknown dtype ${dtype}`);
  const n = product(shape);
  const bytes = decodeBase64(tensor.data);
  if (bytes.length !== n * width) {
    throw new Error(`tensor of shape [${shape}] and dtype ${dtype} needs ${n * width} bytes, got ${bytes.length}`);
  }
  let data;
  if (dtype === "uint8") {
    data = bytes;
  } else if (dtype === "float16") {
    const table = halfLookup();
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = table[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
  } else if (LITTLE_ENDIAN) {
    data = new Float32Array(bytes.buffer, 0, n); // a fresh buffer, so offset 0 is aligned
  } else {
    const view = new DataView(bytes.buffer);
    data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = view.getFloat32(4 * i, true);
  }
  return { shape: [...shape], dtype, data };
}

/** Smallest and largest finite value of an array. */
export function extent(data) {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : [0, 0];
}

/** A uint8 image tensor scaled to 0..1 floats, as the network sees it (byte / 255). */
export function toUnit(data) {
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] / 255;
  return out;
}
