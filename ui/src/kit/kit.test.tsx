// @vitest-environment happy-dom
import { fireEvent, render, screen } from '@testing-library/react';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import {
  Button,
  Checkbox,
  Dialog,
  EmptyState,
  ErrorBox,
  Progress,
  RangeSlider,
  Select,
  Tabs,
} from '.';

describe('Button', () => {
  it('clicks, and is disabled while busy', () => {
    const onClick = vi.fn();
    const { rerender } = render(<Button onClick={onClick}>Save</Button>);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(onClick).toHaveBeenCalledOnce();
    rerender(
      <Button onClick={onClick} busy>
        Save
      </Button>,
    );
    expect((screen.getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('Checkbox', () => {
  it('reports the new state', () => {
    const onChange = vi.fn();
    render(
      <Checkbox checked={false} onChange={onChange}>
        cat
      </Checkbox>,
    );
    fireEvent.click(screen.getByLabelText('cat'));
    expect(onChange.mock.calls[0]![0]).toBe(true);
  });
});

describe('Select', () => {
  it('offers options and groups and reports the chosen value', () => {
    const onChange = vi.fn();
    render(
      <Select
        value="a"
        onChange={onChange}
        label="Colour by"
        options={[
          { value: 'a', label: 'A' },
          { label: 'More', options: [{ value: 'b', label: 'B' }] },
        ]}
      />,
    );
    fireEvent.change(screen.getByLabelText('Colour by'), { target: { value: 'b' } });
    expect(onChange).toHaveBeenCalledWith('b');
  });
});

/** A controlled RangeSlider that shows its value. */
function Harness() {
  const [value, setValue] = useState<[number, number]>([2, 5]);
  return (
    <>
      <RangeSlider label="score" value={value} min={0} max={10} step={1} onChange={setValue} />
      <output>{value.join('-')}</output>
    </>
  );
}

describe('RangeSlider', () => {
  it('never lets the low thumb pass the high one', () => {
    render(<Harness />);
    fireEvent.change(screen.getByLabelText('score minimum'), { target: { value: '8' } });
    expect(document.querySelector('output')!.textContent).toBe('5-5');
    fireEvent.change(screen.getByLabelText('score maximum'), { target: { value: '9' } });
    expect(document.querySelector('output')!.textContent).toBe('5-9');
  });
});

describe('Tabs', () => {
  it('switches with a click and with the arrow keys', () => {
    const onChange = vi.fn();
    render(
      <Tabs
        label="Side"
        active="a"
        onChange={onChange}
        tabs={[
          { id: 'a', label: 'First', count: 3 },
          { id: 'b', label: 'Second' },
        ]}
      />,
    );
    expect(screen.getByRole('tab', { name: /First/ }).getAttribute('aria-selected')).toBe('true');
    fireEvent.click(screen.getByRole('tab', { name: 'Second' }));
    expect(onChange).toHaveBeenLastCalledWith('b');
    fireEvent.keyDown(screen.getByRole('tablist'), { key: 'ArrowLeft' });
    expect(onChange).toHaveBeenLastCalledWith('b');
  });
});

describe('Progress', () => {
  it('shows a percentage, or no value when the total is unknown', () => {
    const { rerender } = render(<Progress value={0.25} label="Loading" />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('25');
    rerender(<Progress value={null} label="Loading" />);
    expect(screen.getByRole('progressbar').getAttribute('aria-valuenow')).toBeNull();
  });
});

describe('ErrorBox and EmptyState', () => {
  it('offers a retry', () => {
    const onRetry = vi.fn();
    render(<ErrorBox message="server down" onRetry={onRetry} />);
    expect(screen.getByRole('alert').textContent).toContain('server down');
    fireEvent.click(screen.getByRole('button', { name: 'Retry' }));
    expect(onRetry).toHaveBeenCalledOnce();
  });
  it('says what to do when there is nothing', () => {
    render(<EmptyState title="No data yet">log some</EmptyState>);
    expect(screen.getByRole('heading', { name: 'No data yet' })).toBeTruthy();
  });
});

describe('Dialog', () => {
  it('closes on Escape and from its close button', () => {
    const onClose = vi.fn();
    render(
      <Dialog title="Help" onClose={onClose}>
        text
      </Dialog>,
    );
    expect(screen.getByRole('dialog', { name: 'Help' })).toBeTruthy();
    fireEvent.keyDown(window, { key: 'Escape' });
    fireEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalledTimes(2);
  });
});
