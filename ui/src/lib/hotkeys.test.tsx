// @vitest-environment happy-dom
import { fireEvent, render } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { useHotkeys } from './hotkeys';

function Keys({ map }: { map: Record<string, () => void> }) {
  useHotkeys(map);
  return <input aria-label="field" />;
}

describe('useHotkeys', () => {
  it('runs single-key shortcuts, but not while typing or with Ctrl', () => {
    const reset = vi.fn();
    const esc = vi.fn();
    const { getByLabelText } = render(<Keys map={{ r: reset, esc }} />);
    fireEvent.keyDown(window, { key: 'r' });
    fireEvent.keyDown(getByLabelText('field'), { key: 'r' });
    fireEvent.keyDown(window, { key: 'r', ctrlKey: true });
    expect(reset).toHaveBeenCalledOnce();
    fireEvent.keyDown(getByLabelText('field'), { key: 'Escape' });
    expect(esc).toHaveBeenCalledOnce();
  });
});
