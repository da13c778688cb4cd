// Loss and accuracy curves of a training job: pure geometry apart from one draw call.

/** Points [{step, value}] -> canvas coordinates; x spans the job's steps, y the range [lo, hi]. */
export function toCanvas(points, totalSteps, lo, hi, width, height) {
  const span = hi - lo || 1;
  return points.map(({ step, value }) => ({
    x: (step / Math.max(1, totalSteps)) * width,
    y: height - ((Math.min(hi, Math.max(lo, value)) - lo) / span) * height,
  }));
}

export class Curves {
  constructor(canvas) {
    this.canvas = canvas;
    this.reset(1);
  }

  reset(totalSteps) {
    this.total = totalSteps;
    this.loss = [];
    this.train = [];
    this.val = [];
    this.draw();
  }

  add(progress) {
    this.total = progress.steps || this.total;
    this.loss.push({ step: progress.step, value: progress.loss });
    this.train.push({ step: progress.step, value: progress.train_accuracy });
    if (progress.val_accuracy !== null) this.val.push({ step: progress.step, value: progress.val_accuracy });
    this.canvas.dataset.points = String(this.loss.length);
    this.draw();
  }

  draw() {
    const { width, height } = this.canvas;
    const ctx = this.canvas.getContext("2d");
    ctx.clearRect(0, 0, width, height);
    const maxLoss = Math.max(0.5, ...this.loss.map((p) => p.value));
    const lines = [
      [this.loss, 0, maxLoss, "#a93226"],
      [this.train, 0, 1, "#1a5276"],
      [this.val, 0, 1, "#145a32"],
    ];
    for (const [points, lo, hi, colour] of lines) {
      const xy = toCanvas(points, this.total, lo, hi, width, height);
      ctx.strokeStyle = ctx.fillStyle = colour;
      ctx.lineWidth = 2;
      // A short job may report once: one point is a dot, since a path of one point draws nothing.
      if (xy.length === 1) ctx.fillRect(xy[0].x - 2, xy[0].y - 2, 4, 4);
      ctx.beginPath();
      xy.forEach(({ x, y }, i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.stroke();
    }
  }
}
