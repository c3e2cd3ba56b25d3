// The review queue (issue 15): steps through an analysis's ranking one row at a time,
// keyboard first. Shows the row (its media, label, suggestion and score), its nearest
// neighbours as evidence, the labels one can pick, and this session's decisions; the map
// centres on the row and rings it (the Explorer does that from `onRow`).
import { useEffect, useMemo, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { describeError } from '../../api/client';
import { DatapointQuery, NeighborsQuery } from '../../api/explorer';
import { Button, ErrorBox, IconButton, icons, Kbd, Spinner } from '../../kit';
import { formatValue } from '../../lib/format';
import { isTyping } from '../../lib/hotkeys';
import type { IdLookup } from '../../points/lookup';
import { FullMedia, snippet, Thumb } from '../Media';
import {
  categoryAt,
  type DecisionEntry,
  decisionFor,
  filterLabels,
  labelChoices,
  lastLive,
  numberAt,
} from './queue';
import './review.css';
import { type ReviewInputs, useReview } from './useReview';

export interface ReviewPanelProps extends ReviewInputs {
  space: string | null;
  lookup: IdLookup;
  /** The current row changed (null: none): centre the map on it and ring it. */
  onRow: (index: number | null) => void;
  onClose: () => void;
  onHelp: () => void;
}

const EVIDENCE = 8;
const NUMBERED = 9;

export function ReviewPanel(props: ReviewPanelProps) {
  const { project, analysis, table, space, lookup, onRow, onClose, onHelp } = props;
  const review = useReview(props);
  const { columns, queue, state, index, readOnly } = review;
  const [typed, setTyped] = useState('');
  const filterInput = useRef<HTMLInputElement>(null);

  const labels = useMemo(
    () => labelChoices(table, columns?.suggestion ?? null),
    [table, columns?.suggestion],
  );
  const shown = useMemo(() => filterLabels(labels, typed), [labels, typed]);
  const label = index === null ? null : categoryAt(table, 'label', index);
  const suggestion = index === null ? null : categoryAt(table, columns?.suggestion ?? null, index);
  const score = index === null || !columns ? null : numberAt(table, columns.score, index);
  const datapointId = index === null ? null : String(table.ids[index]);

  useEffect(() => {
    onRow(index);
  }, [index, onRow]);
  useEffect(() => () => onRow(null), [onRow]);

  const pick = (picked: string) => {
    const { decision, label: next } = decisionFor(label, picked);
    setTyped('');
    filterInput.current?.blur();
    void review.decide(decision, next);
  };
  const accept = () => {
    if (suggestion && suggestion !== label) void review.decide('RELABEL', suggestion);
    else review.setMessage('This row has no suggestion: pick a label (1-9) or confirm (c).');
  };

  // Keys, ahead of the Explorer's own (capture phase): the queue's letters win while it is
  // open; keys it does not use (r, f, +, -) still reach the map.
  const keys = useRef<(event: KeyboardEvent) => boolean>(() => false);
  keys.current = (event) => {
    const key = event.key;
    if (key === 'Escape') {
      onClose();
      return true;
    }
    if (key === 'Enter' || key === 'a') accept();
    else if (key >= '1' && key <= '9') {
      const chosen = shown[Number(key) - 1];
      if (chosen) pick(chosen);
    } else if (key === 's' || key === 'ArrowRight') review.skip();
    else if (key === 'ArrowLeft') review.back();
    else if (key === 'n') void review.decide('UNSURE');
    else if (key === 'c') void review.decide('CONFIRM');
    else if (key === 'z') void review.undo();
    else if (key === 'l') filterInput.current?.focus();
    else if (key === '?') onHelp();
    else return false;
    return true;
  };
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
      // A dialog (the help) has the keyboard; typing in a field is typing.
      if (document.querySelector('.k-overlay')) return;
      if (isTyping(event.target)) return;
      if (keys.current(event)) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, []);

  const total = queue?.length ?? 0;
  const done = queue !== null && state.position >= total;
  const live = state.history.filter((e) => !e.undone).length;

  return (
    <div className="x-review" data-testid="review-panel" data-analysis={analysis.id}>
      <div className="x-datapoint__head">
        <h2 className="x-datapoint__title">
          Review <span className="faint">· {analysis.kind.replace(/_/g, ' ')}</span>
        </h2>
        <span className="x-review__position num" data-testid="review-position">
          {queue === null ? '…' : `${Math.min(state.position + 1, total)} / ${total}`}
        </span>
        <IconButton
          label="Close the review (Esc)"
          icon={<icons.CloseIcon />}
          size="sm"
          variant="ghost"
          onClick={onClose}
          data-testid="review-close"
        />
      </div>
      {readOnly && (
        <p className="x-note x-review__readonly" data-testid="review-readonly">
          Read-only: you are signed in as a viewer. You can step through the queue (s, ←, →);
          deciding labels needs an editor.
        </p>
      )}
      {review.message && (
        <p className="x-review__message" role="alert" data-testid="review-message">
          {review.message}
        </p>
      )}
      {!columns && <p className="x-note">This analysis has no score to rank rows by.</p>}
      {columns && queue === null && !review.refused && (
        <div className="x-center">
          <Spinner label="Loading the analysis's scores" />
        </div>
      )}
      {review.refused && queue === null && (
        <ErrorBox title="The ranking did not load" message={review.refused} />
      )}
      {queue !== null && total === 0 && (
        <p className="x-note" data-testid="review-empty">
          Nothing to review: no row that passes the filters has{' '}
          {columns?.suggestion ? 'a suggested label' : 'a score'}.
        </p>
      )}
      {done && total > 0 && (
        <p className="x-note" data-testid="review-done">
          End of the queue: {live} decision{live === 1 ? '' : 's'}, {state.skipped} skipped. Press{' '}
          <Kbd>←</Kbd> to go back or <Kbd>Esc</Kbd> to close.
        </p>
      )}
      {datapointId !== null && index !== null && (
        <div className="x-review__body">
          <section
            className="x-review__row"
            data-testid="review-row"
            data-datapoint-id={datapointId}
          >
            <RowMedia project={project} id={datapointId} />
            <dl className="x-kv x-kv--wide">
              <dt>label</dt>
              <dd data-testid="review-label">{label ?? <span className="faint">none</span>}</dd>
              {columns?.suggestion && (
                <>
                  <dt>suggested</dt>
                  <dd data-testid="review-suggestion" className="x-review__suggestion">
                    {suggestion ?? <span className="faint">none</span>}
                  </dd>
                </>
              )}
              <dt>{columns?.score.split('.').slice(2).join('.') ?? 'score'}</dt>
              <dd className="num">{score === null ? '—' : formatValue(score)}</dd>
            </dl>
          </section>

          <section className="x-review__actions" aria-label="Decide">
            <div className="x-review__buttons">
              <ActionButton
                keyName="a"
                disabled={readOnly || review.busy || !suggestion}
                onClick={accept}
                testid="review-accept"
                primary
              >
                Accept {suggestion ?? 'suggestion'}
              </ActionButton>
              <ActionButton
                keyName="c"
                disabled={readOnly || review.busy}
                onClick={() => void review.decide('CONFIRM')}
                testid="review-confirm"
              >
                Keep {label ?? 'no label'}
              </ActionButton>
              <ActionButton
                keyName="n"
                disabled={readOnly || review.busy}
                onClick={() => void review.decide('UNSURE')}
                testid="review-unsure"
              >
                Not sure
              </ActionButton>
              <ActionButton keyName="s" onClick={review.skip} testid="review-skip">
                Skip
              </ActionButton>
              <ActionButton
                keyName="z"
                disabled={readOnly || review.busy || lastLive(state.history) === null}
                onClick={() => void review.undo()}
                testid="review-undo"
              >
                Undo
              </ActionButton>
            </div>
            <div className="x-review__labels">
              <input
                ref={filterInput}
                type="text"
                className="k-input x-review__filter"
                placeholder="Another label: type to filter (l)"
                value={typed}
                disabled={readOnly}
                onChange={(event) => setTyped(event.target.value)}
                onKeyDown={(event) => {
                  if (event.key === 'Enter') {
                    event.preventDefault();
                    const chosen = shown[0] ?? typed.trim();
                    if (chosen) pick(chosen);
                  } else if (event.key === 'Escape') {
                    event.preventDefault();
                    event.stopPropagation();
                    setTyped('');
                    event.currentTarget.blur();
                  }
                }}
                aria-label="Filter the labels"
                data-testid="review-label-filter"
              />
              <ol className="x-review__choices">
                {shown.map((choice, i) => (
                  <li key={choice}>
                    <button
                      type="button"
                      className="x-review__choice"
                      disabled={readOnly || review.busy}
                      aria-current={choice === label || undefined}
                      onClick={() => pick(choice)}
                      data-testid={`review-pick-${choice}`}
                    >
                      {i < NUMBERED && <Kbd>{i + 1}</Kbd>} {choice}
                    </button>
                  </li>
                ))}
                {shown.length === 0 && typed.trim() && (
                  <li className="faint">Enter: relabel as “{typed.trim()}” (a new label)</li>
                )}
              </ol>
            </div>
          </section>

          {space && (
            <Evidence
              project={project}
              space={space}
              id={datapointId}
              lookup={lookup}
              labelOf={(i) => categoryAt(table, 'label', i)}
              suggestion={suggestion}
            />
          )}
        </div>
      )}
      <History entries={state.history} />
      <p className="x-note x-review__keys">
        <Kbd>a</Kbd> accept · <Kbd>1</Kbd>–<Kbd>9</Kbd> label · <Kbd>c</Kbd> keep · <Kbd>n</Kbd> not
        sure · <Kbd>s</Kbd> skip · <Kbd>z</Kbd> undo · <Kbd>Esc</Kbd> close
      </p>
    </div>
  );
}

function ActionButton({
  keyName,
  children,
  onClick,
  disabled,
  testid,
  primary,
}: {
  keyName: string;
  children: React.ReactNode;
  onClick: () => void;
  disabled?: boolean;
  testid: string;
  primary?: boolean;
}) {
  return (
    <Button
      size="sm"
      variant={primary ? 'primary' : 'default'}
      disabled={disabled}
      onClick={onClick}
      data-testid={testid}
      title={`Key: ${keyName}`}
    >
      <Kbd>{keyName}</Kbd> {children}
    </Button>
  );
}

function RowMedia({ project, id }: { project: string; id: string }) {
  const [{ data, error }] = useQuery({ query: DatapointQuery, variables: { project, id } });
  const datapoint = data?.datapoint?.id === id ? data.datapoint : null;
  if (error && !datapoint) return <p className="x-note">{describeError(error).message}</p>;
  if (!datapoint) return <Spinner label="Loading the row" />;
  return (
    <>
      <p className="x-review__key">
        {datapoint.key} <span className="faint">· {datapoint.dataset.name}</span>
      </p>
      <div className="x-review__media">
        <FullMedia key={id} source={datapoint} />
      </div>
    </>
  );
}

function Evidence({
  project,
  space,
  id,
  lookup,
  labelOf,
  suggestion,
}: {
  project: string;
  space: string;
  id: string;
  lookup: IdLookup;
  labelOf: (index: number) => string | null;
  suggestion: string | null;
}) {
  const [{ data, fetching, error }] = useQuery({
    query: NeighborsQuery,
    variables: { project, space, id, k: EVIDENCE },
  });
  const rows = (data?.neighbors ?? []).map(({ datapoint, distance }) => {
    const at = lookup.indexOf(Number(datapoint.id));
    // The map's label: it already shows this session's decisions.
    return { datapoint, distance, label: at >= 0 ? labelOf(at) : datapoint.label };
  });
  const agreeing = suggestion ? rows.filter((r) => r.label === suggestion).length : 0;
  return (
    <section data-testid="review-evidence">
      <h3 className="x-subhead">
        Evidence: nearest neighbours <span className="faint">in {space}</span>
      </h3>
      {suggestion && rows.length > 0 && (
        <p className="x-note">
          {agreeing} of {rows.length} say {suggestion}
        </p>
      )}
      {fetching && !data && <Spinner label="Finding neighbours" />}
      {error && <p className="x-note">{describeError(error).message}</p>}
      <ol className="x-review__evidence">
        {rows.map(({ datapoint, distance, label }) => (
          <li
            key={datapoint.id}
            className="x-row-item x-row-item--static"
            data-testid={`review-neighbour-${datapoint.id}`}
          >
            <Thumb source={datapoint} size={32} />
            <span className="x-row-item__main">
              <span
                className={
                  label && label === suggestion
                    ? 'x-row-item__title x-review__suggestion'
                    : 'x-row-item__title'
                }
              >
                {label ?? <span className="faint">no label</span>}
              </span>
              <span className="x-row-item__sub faint">
                {datapoint.text ? snippet(datapoint.text, 50) : datapoint.key}
              </span>
            </span>
            <span className="x-row-item__score num" title="distance">
              {formatValue(distance)}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}

function describe(entry: DecisionEntry): string {
  switch (entry.decision) {
    case 'RELABEL':
      return `${entry.labelBefore ?? 'none'} → ${entry.labelAfter ?? 'none'}`;
    case 'CONFIRM':
      return `kept ${entry.labelBefore ?? 'no label'}`;
    case 'UNSURE':
      return 'not sure';
  }
}

function History({ entries }: { entries: readonly DecisionEntry[] }) {
  if (entries.length === 0) return null;
  const recent = entries.slice(-8).reverse();
  return (
    <section data-testid="review-history">
      <h3 className="x-subhead">
        This session <span className="faint">({entries.length})</span>
      </h3>
      <ol className="x-review__history">
        {recent.map((entry) => (
          <li
            key={entry.id}
            className={entry.undone ? 'x-review__undone' : undefined}
            data-testid={`review-history-${entry.id}`}
            data-undone={entry.undone}
            data-decision={entry.decision}
          >
            <span className="num faint">#{entry.position + 1}</span> {describe(entry)}
            {entry.undone && <span className="faint"> (undone)</span>}
          </li>
        ))}
      </ol>
    </section>
  );
}
