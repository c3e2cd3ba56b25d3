// How job, projection and analysis states look.
import type { Tone } from '../kit';

export function stateTone(state: string): Tone {
  switch (state) {
    case 'READY':
    case 'SUCCEEDED':
      return 'ok';
    case 'RUNNING':
    case 'COMPUTING':
    case 'QUEUED':
      return 'info';
    case 'FAILED':
      return 'danger';
    case 'CANCELLED':
      return 'warn';
    default:
      return 'neutral';
  }
}

export const isActive = (state: string): boolean =>
  state === 'QUEUED' || state === 'RUNNING' || state === 'COMPUTING';

export const stateLabel = (state: string): string => state.toLowerCase();
