/// <reference types="vite/client" />

/** Set once the first frame with every point is drawn (read by the load benchmark). */
interface ChromaMapStats {
  pointCount: number;
  /** performance.now() of the first complete frame. */
  firstFrameAt: number;
  /** performance.now() when the points download started. */
  fetchStartedAt: number | null;
  /** Size of the points payload as received (after HTTP decompression). */
  bytes: number | null;
  downloadMs: number | null;
  decodeMs: number | null;
}

interface Window {
  __chromaMap?: ChromaMapStats;
}
