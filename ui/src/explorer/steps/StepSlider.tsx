// The step slider: for a map of one step of a family (a model logged at several training
// steps), a slider over the family's steps. Moving it loads the chosen step's map, has the
// map move every shared point from its place here to its place there (on the GPU: the
// places are uploaded once, targets.ts), then opens that map. "Colour by movement" colours
// each point by how far it moved since the step before.
import { type RefObject, useCallback, useEffect, useRef, useState } from 'react';
import { useQuery } from 'urql';
import { FamilyStepsQuery } from '../../api/steps';
import { Button, Slider } from '../../kit';
import type { ScatterMapHandle } from '../../map/ScatterMap';
import { loadPoints, pointsUrl } from '../../points/loadPoints';
import type { PointTable } from '../../points/types';
import { atTargets, stepTargets } from './targets';
import './steps.css';

/** How long the points take to move from one step to the next. */
export const STEP_ANIMATION_MS = 900;
export const MOVEMENT = 'movement';

export interface StepSliderProps {
  projection: string;
  table: PointTable;
  loading: boolean;
  /** The map the points move on. */
  mapRef: RefObject<ScatterMapHandle | null>;
  updateTable(change: (table: PointTable) => PointTable): void;
  ensureColumns(names: readonly string[]): void;
  onColor(column: string): void;
  /** Open the chosen step's map (once its points arrived where they go). */
  onStep(projection: string): void;
}

interface Playback {
  /** Frames the map drew while the points moved, and for how long they moved. */
  frames: number;
  ms: number;
  /** Before the first frame: uploading the new places (once) and indexing them. */
  setupMs: number;
  points: number;
}

declare global {
  interface Window {
    /** The last step animation (benchmarks/steps.py --browser reads it). */
    __chromaSteps?: Playback;
  }
}

export function StepSlider({
  projection,
  table,
  loading,
  mapRef,
  updateTable,
  ensureColumns,
  onColor,
  onStep,
}: StepSliderProps) {
  const [result] = useQuery({ query: FamilyStepsQuery, variables: { projection } });
  const [note, setNote] = useState<string | null>(null);
  const [moving, setMoving] = useState<number | null>(null);
  const [played, setPlayed] = useState<Playback | null>(null);
  const stop = useRef<() => void>(() => {});
  useEffect(() => () => stop.current(), []);

  const space = result.data?.projection?.space;
  const steps = space?.family?.steps ?? [];
  const here = steps.findIndex((s) => s.step === space?.step);
  const aligned = result.data?.projection?.alignTo != null;

  const go = useCallback(
    async (index: number) => {
      const chosen = steps[index];
      if (!chosen || index === here || loading) return;
      const target = chosen.space.projections.find((p) => p.state === 'READY')?.id;
      if (!target) {
        setNote(`Step ${chosen.step} has no map yet: it is made once its run closes.`);
        return;
      }
      // A newer move (or unmounting) makes this one's end moot: it then opens nothing. A
      // motion under way finishes; the newer one starts where it ends.
      stop.current();
      const controller = new AbortController();
      stop.current = () => controller.abort();
      setNote(null);
      setMoving(index);
      try {
        const quiet = { onProgress: () => {}, onDecoding: () => {} };
        const loaded = await loadPoints(pointsUrl(target, []), quiet, controller.signal, {
          spatialIndex: false,
        });
        const from = table;
        const targets = stepTargets(from, loaded.table);
        const motion =
          (await mapRef.current?.movePoints(targets.nx, targets.ny, STEP_ANIMATION_MS)) ?? null;
        if (controller.signal.aborted) return;
        // The table where the map now draws its points, until the next step's map opens.
        updateTable((current) =>
          current.ids === from.ids ? atTargets(current, targets) : current,
        );
        if (motion) {
          const playback = { ...motion, points: from.count };
          window.__chromaSteps = playback;
          setPlayed(playback);
        }
        setMoving(null);
        onStep(target);
      } catch (error) {
        if (controller.signal.aborted) return;
        setMoving(null);
        setNote(`Step ${chosen.step}'s map did not load: ${(error as Error).message}`);
      }
    },
    [steps, here, loading, table, mapRef, updateTable, onStep],
  );

  if (!space?.family || here < 0) return null;
  if (steps.length < 2) {
    return (
      <div className="x-steps" data-testid="step-slider">
        <p className="x-note" data-testid="step-note">
          {`${space.family.name} has one step (${steps[0]?.step ?? space.step}): log it at `}
          another step to move between them.
        </p>
      </div>
    );
  }
  const shown = moving ?? here;
  return (
    <div className="x-steps" data-testid="step-slider" data-moving={moving !== null}>
      <Slider
        label={`Step of ${space.family.name}`}
        value={shown}
        min={0}
        max={steps.length - 1}
        onChange={(index) => void go(index)}
        format={(index) => String(steps[index]?.step ?? '')}
        data-testid="step-range"
      />
      <div className="x-steps__row">
        <Button
          size="sm"
          disabled={!aligned}
          title={aligned ? undefined : 'The first step has no step before it to move from.'}
          onClick={() => {
            ensureColumns([MOVEMENT]);
            onColor(MOVEMENT);
          }}
          data-testid="step-movement"
        >
          Colour by movement
        </Button>
        {played && (
          <span
            className="x-note"
            data-testid="step-fps"
            data-frames={played.frames}
            data-ms={Math.round(played.ms)}
          >
            {`${Math.round((played.frames * 1000) / played.ms)} frames/s`}
          </span>
        )}
      </div>
      {note && (
        <p className="x-note" data-testid="step-note">
          {note}
        </p>
      )}
    </div>
  );
}
