// The drawing pad: Pointer Events (mouse, touch, pen), white ink on black like MNIST (or a
// colour ink for a colour model), brush size, eraser, undo and clear. Strokes are kept as
// point lists with their ink so undo can redraw them.
// It reports every change (onChange) and the end of each stroke (onStrokeEnd); `version`
// counts changes so a request can tell whether the drawing moved on since it was sent.

export class DrawPad {
  constructor(canvas, { onChange = () => {}, onStrokeEnd = () => {}, onEmpty = () => {} } = {}) {
    this.canvas = canvas;
    // Read back on every update (grey()): a canvas kept in memory answers that without a GPU copy.
    this.ctx = canvas.getContext("2d", { willReadFrequently: true });
    this.strokes = [];
    this.current = null;
    this.size = 22;
    this.erasing = false;
    this.ink = "#ffffff"; // the colour new strokes are drawn in
    this.version = 0;
    this.handlers = { onChange, onStrokeEnd, onEmpty };
    canvas.addEventListener("pointerdown", (e) => this._down(e));
    canvas.addEventListener("pointermove", (e) => this._move(e));
    canvas.addEventListener("pointerup", (e) => this._up(e));
    canvas.addEventListener("pointercancel", (e) => this._up(e));
    canvas.addEventListener("contextmenu", (e) => e.preventDefault());
    this.redraw();
  }

  get empty() {
    return !this.strokes.some((s) => !s.erase);
  }

  _point(e) {
    const r = this.canvas.getBoundingClientRect();
    return [((e.clientX - r.left) * this.canvas.width) / r.width, ((e.clientY - r.top) * this.canvas.height) / r.height];
  }

  _down(e) {
    if (e.pointerType === "mouse" && e.button !== 0) return;
    e.preventDefault();
    try {
      this.canvas.setPointerCapture(e.pointerId); // keep the stroke when the pointer leaves the pad
    } catch {
      // a synthetic pointer cannot be captured; the stroke still works inside the pad
    }
    this.current = { points: [this._point(e)], size: this.size, erase: this.erasing, ink: this.ink, pointerId: e.pointerId };
    this.strokes.push(this.current);
    this._segment(this.current, 0);
    this._changed();
  }

  _move(e) {
    if (!this.current || e.pointerId !== this.current.pointerId) return;
    const events = e.getCoalescedEvents ? e.getCoalescedEvents() : [];
    const from = this.current.points.length - 1;
    for (const ev of events.length ? events : [e]) this.current.points.push(this._point(ev));
    this._segment(this.current, from);
    this._changed();
  }

  _up(e) {
    if (!this.current || e.pointerId !== this.current.pointerId) return;
    this.current = null;
    this.handlers.onStrokeEnd(this);
  }

  /** Draw the stroke's points from index `from` on. */
  _segment(stroke, from) {
    const ctx = this.ctx;
    const pts = stroke.points;
    ctx.strokeStyle = ctx.fillStyle = stroke.erase ? "#000" : stroke.ink ?? "#fff";
    ctx.lineWidth = stroke.size;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    if (pts.length === 1 || from === pts.length - 1) {
      const [x, y] = pts[pts.length - 1];
      ctx.beginPath();
      ctx.arc(x, y, stroke.size / 2, 0, 2 * Math.PI);
      ctx.fill();
      return;
    }
    ctx.beginPath();
    ctx.moveTo(...pts[from]);
    for (let i = from + 1; i < pts.length; i++) ctx.lineTo(...pts[i]);
    ctx.stroke();
  }

  _changed() {
    this.version++;
    this.handlers.onChange(this);
  }

  redraw() {
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    for (const stroke of this.strokes) this._segment(stroke, 0);
  }

  undo() {
    if (this.current || this.strokes.length === 0) return;
    this.strokes.pop();
    this.redraw();
    this.version++;
    if (this.empty) this.handlers.onEmpty(this);
    else this.handlers.onStrokeEnd(this);
  }

  clear() {
    this.strokes = [];
    this.current = null;
    this.redraw();
    this.version++;
    this.handlers.onEmpty(this);
  }

  /** The whole canvas as a PNG data URL, for POST /api/predict with `image`. */
  snapshot() {
    return this.canvas.toDataURL("image/png");
  }

  /** The pad's pixels as RGBA bytes, row by row: {data: Uint8ClampedArray, width, height}. */
  rgba() {
    const { width, height } = this.canvas;
    return { data: this.ctx.getImageData(0, 0, width, height).data, width, height };
  }

  /** The pad as grey levels 0..1, row by row, each pixel's grey as the server reads a colour one. */
  grey() {
    const { data: rgba, width, height } = this.rgba();
    const data = new Float32Array(width * height);
    for (let i = 0; i < data.length; i++) {
      data[i] = ((rgba[4 * i] * 19595 + rgba[4 * i + 1] * 38470 + rgba[4 * i + 2] * 7471 + 0x8000) >>> 16) / 255;
    }
    return { data, width, height };
  }
}
