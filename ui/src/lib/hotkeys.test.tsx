// @vitest-environment happy-dom
import { fireEvent, render } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { useHotkeys } from './hotkeys';

function Keys({ map }: { map: Record<string, () => void> }) {
  useHotkeys(map);
  return (
    <>
      <input aria-label="field" />
      <input type="checkbox" aria-label="check" />
      <input type="range" aria-label="slider" />
      <button type="button">button</button>
      <select aria-label="choice">
        <option>one</option>
      </select>
    </>
  );
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

  it('still runs them after a click on a checkbox, a slider, a button or a select', () => {
    const reset = vi.fn();
    const { getByLabelText, getByText } = render(<Keys map={{ r: reset }} />);
    const controls = [
      getByLabelText('check'),
      getByLabelText('slider'),
      getByText('button'),
      getByLabelText('choice'),
    ];
    for (const control of controls) {
      fireEvent.pointerDown(control);
      control.focus();
      fireEvent.keyDown(control, { key: 'r' });
    }
    expect(reset).toHaveBeenCalledTimes(controls.length);
  });

  it('leaves letters to a select the keyboard moved to (they pick its options)', () => {
    const reset = vi.fn();
    const { getByLabelText } = render(<Keys map={{ r: reset }} />);
    const select = getByLabelText('choice');
    fireEvent.keyDown(window, { key: 'Tab' });
    select.focus();
    fireEvent.keyDown(select, { key: 'r' });
    expect(reset).not.toHaveBeenCalled();
  });
});
