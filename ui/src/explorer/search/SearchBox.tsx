// The Explorer's search box (issue 16): plain-text search over the keys, labels,
// predictions, texts and metadata of the map's datapoints (server side: GraphQL `search`),
// or, where the map's space was embedded by a sentence-transformers model the server has,
// search by meaning: the datapoints nearest to the text (GraphQL `searchByMeaning`).
// Enter searches, and the hits on this map become the selection (so they are highlighted
// and listed); Escape clears the box and leaves it. `/` focuses it (Explorer's hotkeys).
import { type RefObject, useState } from 'react';
import { type CombinedError, useClient, useQuery } from 'urql';
import { describeError } from '../../api/client';
import { MeaningSearchStatusQuery, SearchByMeaningQuery, SearchQuery } from '../../api/search';
import { icons } from '../../kit';
import type { IdLookup } from '../../points/lookup';
import type { Selection } from '../../state/selection';
import {
  describeHits,
  describeMeaning,
  hitsOnMap,
  MAX_SEARCH_HITS,
  MEANING_HITS,
  searchTextProblem,
} from './search';
import './search.css';

export interface SearchBoxProps {
  project: string;
  /** The map shown: the search covers its datasets. */
  projection: string;
  lookup: IdLookup;
  /** The hits on this map, as the new selection. */
  onHits: (selection: Selection) => void;
  inputRef?: RefObject<HTMLInputElement | null>;
}

type Status =
  | { kind: 'idle' }
  | { kind: 'busy' }
  | { kind: 'done'; message: string; count: number }
  | { kind: 'refused'; message: string };

type Mode = 'text' | 'meaning';
const MODES: readonly { id: Mode; label: string }[] = [
  { id: 'text', label: 'Text' },
  { id: 'meaning', label: 'Meaning' },
];

export function SearchBox({ project, projection, lookup, onHits, inputRef }: SearchBoxProps) {
  const client = useClient();
  const [text, setText] = useState('');
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [chosenMode, setMode] = useState<Mode>('text');
  // The option exists only where the server can embed a text in this map's model.
  const [meaning] = useQuery({
    query: MeaningSearchStatusQuery,
    variables: { project, projection },
    requestPolicy: 'cache-first',
  });
  const meaningStatus = meaning.data?.meaningSearch;
  const model = meaningStatus?.available ? meaningStatus.model : null;
  const mode: Mode = model ? chosenMode : 'text';

  const refuse = (error: CombinedError | undefined) =>
    setStatus({
      kind: 'refused',
      message: error ? describeError(error).message : 'The search did not answer.',
    });

  const runByMeaning = async () => {
    const result = await client
      .query(
        SearchByMeaningQuery,
        { project, projection, text, first: MEANING_HITS },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    const found = result.data?.searchByMeaning;
    if (result.error || !found) {
      refuse(result.error);
      return;
    }
    const selection = hitsOnMap(found.datapointIds, lookup);
    onHits(selection);
    const listed = found.datapointIds.length;
    setStatus({
      kind: 'done',
      count: listed,
      message: describeMeaning(listed, selection.length, found.model),
    });
  };

  const run = async () => {
    const problem = searchTextProblem(text);
    if (problem) {
      setStatus({ kind: 'refused', message: problem });
      return;
    }
    setStatus({ kind: 'busy' });
    if (mode === 'meaning') {
      await runByMeaning();
      return;
    }
    const result = await client
      .query(
        SearchQuery,
        { project, text, projection, first: MAX_SEARCH_HITS },
        { requestPolicy: 'network-only' },
      )
      .toPromise();
    const found = result.data?.search;
    if (result.error || !found) {
      refuse(result.error);
      return;
    }
    const selection = hitsOnMap(found.datapointIds, lookup);
    onHits(selection);
    setStatus({
      kind: 'done',
      count: found.count,
      message: describeHits({
        count: found.count,
        truncated: found.truncated,
        listed: found.datapointIds.length,
        onMap: selection.length,
      }),
    });
  };

  const clear = () => {
    setText('');
    setStatus({ kind: 'idle' });
  };

  return (
    <div className="x-search">
      <form
        className="x-search__box"
        aria-label="Search the datapoints"
        onSubmit={(event) => {
          event.preventDefault();
          void run();
        }}
      >
        <icons.SearchIcon className="x-search__icon" />
        <input
          ref={inputRef}
          type="search"
          className="k-input k-input--sm x-search__input"
          placeholder={
            mode === 'meaning'
              ? 'Search by meaning  (/)'
              : 'Search keys, labels, text, metadata  (/)'
          }
          aria-label={
            mode === 'meaning'
              ? `Search by meaning (${model})`
              : 'Search keys, labels, predictions, texts and metadata'
          }
          value={text}
          onChange={(event) => {
            setText(event.target.value);
            if (event.target.value === '') setStatus({ kind: 'idle' }); // the native ×
          }}
          onKeyDown={(event) => {
            if (event.key === 'Escape') {
              // Clear and hand the keys back to the map; the Explorer's Esc (which clears
              // the selection) waits for the next press.
              event.preventDefault();
              event.currentTarget.blur();
              clear();
            }
          }}
          data-testid="search-input"
        />
      </form>
      {model && (
        <div className="x-search__modes">
          {/* biome-ignore lint/a11y/useSemanticElements: a pair of toggle buttons, not a form's fieldset */}
          <div className="x-seg" role="group" aria-label="Search by">
            {MODES.map(({ id, label }) => (
              <button
                key={id}
                type="button"
                className="x-seg__button"
                aria-pressed={mode === id}
                onClick={() => {
                  setMode(id);
                  setStatus({ kind: 'idle' });
                }}
                data-testid={`search-mode-${id}`}
              >
                {label}
              </button>
            ))}
          </div>
          {mode === 'meaning' && <span className="faint x-search__model">{model}</span>}
        </div>
      )}
      {status.kind === 'busy' && (
        <p className="x-search__status faint" data-testid="search-status" aria-live="polite">
          Searching…
        </p>
      )}
      {status.kind === 'done' && (
        <p
          className="x-search__status num"
          data-testid="search-status"
          data-count={status.count}
          aria-live="polite"
        >
          {status.message}
        </p>
      )}
      {status.kind === 'refused' && (
        <p className="x-search__status x-search__error" data-testid="search-error" role="alert">
          {status.message}
        </p>
      )}
    </div>
  );
}
