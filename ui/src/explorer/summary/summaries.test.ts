import { describe, expect, it } from 'vitest';
import {
  clusterLabelColumn,
  clusterLabelText,
  describeCluster,
  parseSummary,
  signedPoints,
} from './summaries';

describe('parseSummary', () => {
  it('reads a clusters summary with drift', () => {
    const summary = parseSummary('clusters', {
      points: 100,
      source: 'projection',
      projection: 3,
      noise: 4,
      not_on_map: 0,
      clusters: [
        {
          cluster: 0,
          size: 60,
          labelled: 50,
          labels: [
            ['cat', 0.9],
            ['dog', 0.1],
          ],
          error_rate: 0.05,
          metadata: { site: [['a', 1]] },
        },
        {
          cluster: 1,
          size: 36,
          labelled: 0,
          labels: [],
          error_rate: null,
          words: [
            ['rocket', 0.4],
            ['moon', 0.2],
          ],
        },
      ],
      drift: {
        baseline: 'train',
        current: 'prod',
        clusters: [
          {
            cluster: 1,
            baseline_share: 0.1,
            current_share: 0.4,
            difference: 0.3,
            baseline_rows: 5,
            current_rows: 20,
          },
        ],
      },
    });
    expect(summary?.kind).toBe('clusters');
    if (summary?.kind !== 'clusters') throw new Error('kind');
    expect(summary.clusters[0]).toMatchObject({
      cluster: 0,
      size: 60,
      labelled: 50,
      errorRate: 0.05,
    });
    expect(summary.clusters[0]!.metadata).toEqual([['site', [['a', 1]]]]);
    expect(summary.clusters[1]!.words).toEqual(['rocket', 'moon']);
    expect(summary.drift).toEqual({
      baseline: 'train',
      current: 'prod',
      clusters: [
        {
          cluster: 1,
          baselineShare: 0.1,
          currentShare: 0.4,
          difference: 0.3,
          direction: 'grew',
          baselineRows: 5,
          currentRows: 20,
        },
      ],
    });
    expect(describeCluster(summary.clusters[0]!)).toBe('cat 90% · dog 10%');
    expect(describeCluster(summary.clusters[1]!)).toBe('rocket, moon');
    expect(clusterLabelText(summary.clusters[0]!)).toBe('cat 90%');
    expect(clusterLabelText(summary.clusters[1]!)).toBe('rocket moon');
  });

  it('reads OOD shares per dataset and duplicates with leakage', () => {
    const outliers = parseSummary('outliers', {
      reference: ['train'],
      threshold: 1.5,
      ood: {
        train: { rows: 10, outside: 1, fraction: 0.1 },
        empty: { rows: 0, outside: 0, fraction: null },
      },
    });
    expect(outliers).toEqual({
      kind: 'outliers',
      reference: ['train'],
      method: null,
      threshold: 1.5,
      ood: [
        { dataset: 'train', rows: 10, outside: 1, fraction: 0.1 },
        { dataset: 'empty', rows: 0, outside: 0, fraction: null },
      ],
    });
    const duplicates = parseSummary('duplicates', {
      groups: 2,
      rows: 5,
      threshold: 0.01,
      datasets: { train: { groups: 2, rows: 3 } },
      pairs: [{ datasets: ['train', 'test'], groups: 1, rows: 2 }],
      largest: [
        [1, 2, 3],
        [4, 5],
      ],
    });
    expect(duplicates).toMatchObject({
      kind: 'duplicates',
      pairs: [{ datasets: ['train', 'test'], groups: 1, rows: 2 }],
      largest: [
        [1, 2, 3],
        [4, 5],
      ],
    });
  });

  it('shows other kinds as facts, never throws on odd shapes', () => {
    expect(parseSummary('mislabels', null)).toBeNull();
    expect(parseSummary('clusters', { clusters: 'nope', drift: 3 })).toMatchObject({
      clusters: [],
      drift: null,
    });
    const other = parseSummary('label_next', {
      size: 3,
      picked: [7, 8, 9],
      signals: ['outlier'],
      reused_knn_graph: true,
    });
    expect(other).toEqual({
      kind: 'other',
      facts: [
        ['size', '3'],
        ['signals', 'outlier'],
      ],
      picked: [7, 8, 9],
    });
  });
});

describe('cluster descriptions', () => {
  const summary = parseSummary('clusters', {
    clusters: [
      {
        cluster: 0,
        size: 300,
        labelled: 2,
        coverage: 0.0067,
        labels: [['libs', 1]],
        labels_supported: false,
        description: 'mostly unlabelled (2 of 300 labelled) · prod 99% · mail, smtp',
        datasets: [['prod', 0.99]],
        words: [
          ['mail', 0.3],
          ['smtp', 0.2],
        ],
      },
      {
        cluster: 1,
        size: 40,
        labelled: 1,
        labels: [['libs', 1]],
        labels_supported: false,
        description: 'mostly unlabelled (1 of 40 labelled) · prod 90%',
        datasets: [['prod', 0.9]],
      },
    ],
    drift: {
      baseline: 'train',
      current: 'prod',
      clusters: [
        { cluster: 0, difference: 0.4, direction: 'new' },
        { cluster: 1, difference: -0.2, direction: 'vanished' },
        { cluster: 2, difference: -0.1 },
      ],
    },
  });
  if (summary?.kind !== 'clusters') throw new Error('kind');
  const [unlabelled, noWords] = summary.clusters;

  it("shows the server's description, never a label a handful of rows claim", () => {
    expect(describeCluster(unlabelled!)).toBe(
      'mostly unlabelled (2 of 300 labelled) · prod 99% · mail, smtp',
    );
    expect(clusterLabelText(unlabelled!)).toBe('mail smtp');
    expect(clusterLabelText(noWords!)).toBe('prod 90%');
    expect(unlabelled!.datasets).toEqual([['prod', 0.99]]);
  });

  it('reads the direction of drift, or derives it from the sign', () => {
    expect(summary.drift?.clusters.map((d) => d.direction)).toEqual(['new', 'vanished', 'shrank']);
  });
});

it('signs drift', () => {
  expect(signedPoints(0.125)).toBe('+12.5 pts');
  expect(signedPoints(-0.03)).toBe('−3.0 pts');
  expect(signedPoints(0)).toBe('±0.0 pts');
});

describe('clusterLabelColumn', () => {
  it("names the newest ready clusters analysis's cluster column", () => {
    expect(
      clusterLabelColumn([
        { id: '1', kind: 'clusters', state: 'READY' },
        { id: '2', kind: 'outliers', state: 'READY' },
        { id: '3', kind: 'clusters', state: 'READY' },
        { id: '4', kind: 'clusters', state: 'COMPUTING' },
      ]),
    ).toBe('analysis.3.cluster');
  });

  it('is null without a ready clusters analysis', () => {
    expect(clusterLabelColumn([])).toBeNull();
    expect(
      clusterLabelColumn([
        { id: '2', kind: 'outliers', state: 'READY' },
        { id: '4', kind: 'clusters', state: 'FAILED' },
      ]),
    ).toBeNull();
  });
});
