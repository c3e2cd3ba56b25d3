// The review queue's state: the ranking (built once its columns are loaded, over the points
// that pass the filters then), the current row, and the decisions sent to the server
// (correctLabels, undoLabelCorrection) with the map's labels patched to match.
import { useCallback, useEffect, useMemo, useReducer, useRef, useState } from 'react';
import { useMutation } from 'urql';
import { describeError } from '../../api/client';
import { CorrectLabelsMutation, UndoLabelCorrectionMutation } from '../../api/review';
import { useMayWrite } from '../../api/session';
import type { PointTable } from '../../points/types';
import type { AnalysisInfo } from '../columns';
import {
  buildQueue,
  type Decision,
  lastLive,
  type ReviewColumns,
  reviewColumns,
  reviewReducer,
  START,
} from './queue';
import { withLabel } from './relabel';

export interface ReviewInputs {
  project: string;
  analysis: AnalysisInfo;
  /** The colour-by column when the review started (ranks a kind other than mislabels). */
  color: string;
  table: PointTable;
  /** 1 where a point passes the filters (read when the queue is built). */
  pass: Uint8Array | null;
  unavailable: ReadonlyMap<string, string>;
  ensureColumns: (names: readonly string[]) => void;
  updateTable: (change: (table: PointTable) => PointTable) => void;
}

/** A decision changes a datapoint's label: cached datapoint queries are fetched again. */
const STALE_DATAPOINTS = { additionalTypenames: ['Datapoint'] };

export function useReview({
  project,
  analysis,
  color,
  table,
  pass,
  unavailable,
  ensureColumns,
  updateTable,
}: ReviewInputs) {
  // A viewer may step through the queue but not decide.
  const readOnly = !useMayWrite();
  const [columns] = useState<ReviewColumns | null>(() => reviewColumns(analysis, color));
  const wanted = useMemo(
    () => (columns ? [columns.score, columns.suggestion].filter((c): c is string => !!c) : []),
    [columns],
  );
  const missing = wanted.filter((c) => !table.columns.has(c));
  const refused = wanted.map((c) => unavailable.get(c)).find(Boolean) ?? null;
  const missingKey = missing.join('\n');
  useEffect(() => {
    if (missingKey) ensureColumns(missingKey.split('\n'));
  }, [missingKey, ensureColumns]);

  // The ranking is a snapshot: decisions (which change labels) never reorder it.
  const passNow = useRef(pass);
  passNow.current = pass;
  const [queue, setQueue] = useState<number[] | null>(null);
  const loaded = columns !== null && missing.length === 0;
  useEffect(() => {
    if (loaded && queue === null && columns) setQueue(buildQueue(table, columns, passNow.current));
  }, [loaded, queue, table, columns]);

  const [state, dispatch] = useReducer(reviewReducer, START);
  const length = queue?.length ?? 0;
  const index = queue && state.position < length ? queue[state.position]! : null;
  const [message, setMessage] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const sending = useRef(false);
  const [, correct] = useMutation(CorrectLabelsMutation);
  const [, undoOne] = useMutation(UndoLabelCorrectionMutation);

  const decide = useCallback(
    async (decision: Decision, label: string | null = null) => {
      if (readOnly || sending.current || index === null) return;
      sending.current = true;
      setBusy(true);
      setMessage(null);
      const datapointId = String(table.ids[index]);
      const position = state.position;
      const result = await correct(
        {
          project,
          corrections: [{ datapointId, decision, label: decision === 'RELABEL' ? label : null }],
          source: analysis.kind,
          analysis: analysis.id,
        },
        STALE_DATAPOINTS,
      );
      sending.current = false;
      setBusy(false);
      const stored = result.data?.correctLabels[0];
      if (result.error || !stored) {
        setMessage(result.error ? describeError(result.error).message : 'Nothing was stored.');
        return;
      }
      if (stored.decision === 'RELABEL') {
        updateTable((current) => withLabel(current, index, stored.labelAfter ?? null));
      }
      dispatch({
        type: 'decided',
        length,
        entry: {
          id: stored.id,
          position,
          index,
          datapointId,
          decision: stored.decision as Decision,
          labelBefore: stored.labelBefore ?? null,
          labelAfter: stored.labelAfter ?? null,
        },
      });
    },
    [
      readOnly,
      index,
      table.ids,
      state.position,
      correct,
      project,
      analysis.kind,
      analysis.id,
      updateTable,
      length,
    ],
  );

  const undo = useCallback(async () => {
    if (readOnly || sending.current) return;
    const entry = lastLive(state.history);
    if (!entry) {
      setMessage('Nothing to undo in this session.');
      return;
    }
    sending.current = true;
    setBusy(true);
    setMessage(null);
    const result = await undoOne({ project, id: entry.id }, STALE_DATAPOINTS);
    sending.current = false;
    setBusy(false);
    if (result.error || !result.data) {
      setMessage(
        `Cannot undo: ${result.error ? describeError(result.error).message : 'no answer'}`,
      );
      return;
    }
    const undone = result.data.undoLabelCorrection;
    if (entry.decision === 'RELABEL') {
      updateTable((current) => withLabel(current, entry.index, undone.labelBefore ?? null));
    }
    dispatch({ type: 'undone', id: entry.id });
  }, [readOnly, state.history, undoOne, project, updateTable]);

  const skip = useCallback(() => dispatch({ type: 'skip', length }), [length]);
  const back = useCallback(() => dispatch({ type: 'back' }), []);

  return {
    readOnly,
    columns,
    refused,
    queue,
    state,
    index,
    busy,
    message,
    setMessage,
    decide,
    undo,
    skip,
    back,
  };
}

export type Review = ReturnType<typeof useReview>;
