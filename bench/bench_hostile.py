"""The server under hostile load, in one run: every figure issue-style targets ask for.

1. Memory: 16 concurrent uploads of a 4000x4000 RGBA PNG (the worst case at the pixel
   limit) against one `cnnvis serve` worker: peak RSS, and RSS 5 s after the last answer
   against RSS after one warm-up upload (bench/hostile_uploads.py).
2. The event loop: a drawing's /api/predict latency alone and while four clients post
   ~5 MB JSON bodies (bench/hostile_server.py, measure_json_delay).
3. Slow clients: 1,100 idle half-sent requests, and whether others are still answered
   (bench/hostile_server.py, measure_half_open).

Each part starts its own `cnnvis serve` with the default limits on a free loopback port and
writes its figures to bench/results/ (hostile_uploads.md, hostile_server.md). Bounded:
loopback only, fixed counts, every wait with a deadline.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_server  # noqa: E402
import hostile_uploads  # noqa: E402


def main() -> int:
    uploads = hostile_uploads.main()
    server = hostile_server.main()
    return uploads or server


if __name__ == "__main__":
    sys.exit(main())
