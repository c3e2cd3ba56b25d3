// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { markPhase, reportFirstFrame } from './instrumentation';

// benchmarks/ui_load.py reads exactly these: `chroma:*` marks and window.__chromaMap.
describe('load instrumentation', () => {
  it('marks phases under the chroma: prefix and returns when', () => {
    const at = markPhase('draw-start');
    const marks = performance.getEntriesByName('chroma:draw-start', 'mark');
    expect(marks.at(-1)?.startTime).toBe(at);
  });

  it('publishes the first frame with its time', () => {
    const before = performance.now();
    reportFirstFrame({
      pointCount: 3,
      fetchStartedAt: 1,
      bytes: 10,
      downloadMs: 2,
      decodeMs: 3,
    });
    expect(window.__chromaMap).toMatchObject({ pointCount: 3, fetchStartedAt: 1, bytes: 10 });
    expect(window.__chromaMap!.firstFrameAt).toBeGreaterThanOrEqual(before);
  });
});
