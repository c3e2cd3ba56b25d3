import { describe, expect, it } from 'vitest';
import {
  ANALYSIS_KINDS,
  buildRequest,
  checkNumber,
  type FormValues,
  fieldOf,
  KIND_LABELS,
  rangeText,
} from './analysisKinds';
import exported from './analysisKinds.json';

const form = (patch: Partial<FormValues>): FormValues => ({
  kind: 'outliers',
  datasets: [],
  reference: [],
  params: {},
  lists: {},
  ...patch,
});

describe('the analysis kinds (mirrored from params.py)', () => {
  it('names every kind the server exports, in its order', () => {
    expect(Object.keys(KIND_LABELS)).toEqual(Object.keys(exported.kinds));
  });

  it('knows which kinds take a reference', () => {
    const withReference = Object.entries(ANALYSIS_KINDS)
      .filter(([, k]) => k.reference)
      .map(([name]) => name);
    expect(withReference.sort()).toEqual(['class_distance', 'outliers']);
  });

  it('describes ranges', () => {
    expect(rangeText(ANALYSIS_KINDS.outliers!.params.k!)).toBe('≥ 1 and ≤ 100');
    expect(rangeText(ANALYSIS_KINDS.outliers!.params.quantile!)).toBe('≥ 0.5 and < 1');
    expect(rangeText(ANALYSIS_KINDS.duplicates!.params.threshold!)).toBe('> 0');
  });
});

describe('checkNumber', () => {
  const k = ANALYSIS_KINDS.outliers!.params.k!;
  const quantile = ANALYSIS_KINDS.outliers!.params.quantile!;
  const threshold = ANALYSIS_KINDS.duplicates!.params.threshold!;

  it('takes values in range and leaves an empty field to the default', () => {
    expect(checkNumber('k', k, '5')).toEqual({ ok: true, value: 5 });
    expect(checkNumber('k', k, ' 100 ')).toEqual({ ok: true, value: 100 });
    expect(checkNumber('k', k, '')).toEqual({ ok: true, value: undefined });
  });

  it("refuses what the server refuses, in the server's words", () => {
    expect(checkNumber('k', k, '500')).toEqual({
      ok: false,
      message: 'k must be >= 1 and <= 100: 500',
    });
    expect(checkNumber('k', k, '0')).toMatchObject({ ok: false });
    expect(checkNumber('k', k, '2.5')).toEqual({
      ok: false,
      message: 'k must be a whole number, not 2.5',
    });
    expect(checkNumber('k', k, 'ten')).toEqual({ ok: false, message: 'k must be a number' });
    expect(checkNumber('quantile', quantile, '1')).toEqual({
      ok: false,
      message: 'quantile must be >= 0.5 and < 1: 1',
    });
    expect(checkNumber('threshold', threshold, '0')).toEqual({
      ok: false,
      message: 'threshold must be > 0: 0',
    });
    expect(checkNumber('threshold', threshold, '0.01')).toEqual({ ok: true, value: 0.01 });
  });
});

describe('buildRequest', () => {
  it('sends the reference, datasets and typed params', () => {
    const built = buildRequest(
      form({ datasets: ['test'], reference: ['train'], params: { k: '7', quantile: '0.9' } }),
      2,
    );
    expect(built).toEqual({
      ok: true,
      request: {
        kind: 'outliers',
        datasets: ['test'],
        reference: ['train'],
        params: { k: 7, quantile: 0.9 },
      },
    });
  });

  it('refuses an out-of-range parameter by field, sending nothing', () => {
    const built = buildRequest(form({ reference: ['train'], params: { k: '1000' } }), 2);
    expect(built).toEqual({ ok: false, errors: { 'params.k': 'k must be >= 1 and <= 100: 1000' } });
  });

  it('asks for a reference when two datasets are analysed', () => {
    expect(buildRequest(form({}), 2)).toMatchObject({
      ok: false,
      errors: { reference: expect.any(String) },
    });
    expect(buildRequest(form({}), 1)).toMatchObject({ ok: true });
    expect(buildRequest(form({ datasets: ['train'] }), 2)).toMatchObject({ ok: true });
  });

  it('checks weights and drift datasets', () => {
    const bad = buildRequest(
      form({
        kind: 'label_next',
        params: {
          'weights.uncertainty': '0',
          'weights.mislabel': '0',
          'weights.novelty': '0',
          'weights.outlier': '0',
          'weights.diversity': '0',
        },
      }),
      1,
    );
    expect(bad).toMatchObject({
      ok: false,
      errors: { 'params.weights': expect.stringContaining('more than 0') },
    });
    const weights = buildRequest(
      form({ kind: 'label_next', params: { 'weights.outlier': '2' } }),
      1,
    );
    expect(weights).toMatchObject({
      ok: true,
      request: { params: { weights: { uncertainty: 1, mislabel: 1, outlier: 2, diversity: 1 } } },
    });
    expect(
      buildRequest(form({ kind: 'clusters', params: { baseline: 'train' } }), 2),
    ).toMatchObject({
      ok: false,
      errors: { 'params.current': expect.any(String) },
    });
    expect(
      buildRequest(
        form({ kind: 'clusters', params: { baseline: 'a', current: 'b', projection: '3' } }),
        2,
      ),
    ).toMatchObject({
      ok: true,
      request: { params: { baseline: 'a', current: 'b', projection: 3 }, reference: null },
    });
  });
});

it('maps a refusal to its field', () => {
  expect(fieldOf('params.k')).toBe('params.k');
  expect(fieldOf('params.weights.outlier')).toBe('params.weights');
  expect(fieldOf('reference')).toBe('reference');
  expect(fieldOf('space')).toBeNull();
  expect(fieldOf(null)).toBeNull();
});
