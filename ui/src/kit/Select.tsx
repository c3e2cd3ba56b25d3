import type { Ref, SelectHTMLAttributes } from 'react';
import { classes } from './Button';

export interface SelectOption {
  value: string;
  label: string;
  disabled?: boolean;
}

export interface SelectGroup {
  label: string;
  options: SelectOption[];
}

export interface SelectProps
  extends Omit<SelectHTMLAttributes<HTMLSelectElement>, 'onChange' | 'value' | 'size'> {
  value: string;
  onChange: (value: string) => void;
  options: (SelectOption | SelectGroup)[];
  size?: 'sm' | 'md';
  /** Visible label is the caller's; this names the control for assistive tech. */
  label?: string;
  ref?: Ref<HTMLSelectElement>;
}

const isGroup = (o: SelectOption | SelectGroup): o is SelectGroup => 'options' in o;

/** A native <select>, styled: keyboard, search-by-typing and mobile pickers come free. */
export function Select({
  value,
  onChange,
  options,
  size = 'md',
  label,
  className,
  ref,
  ...rest
}: SelectProps) {
  return (
    <span className={classes('k-select', size === 'sm' && 'k-select--sm', className)}>
      <select
        ref={ref}
        value={value}
        aria-label={label}
        onChange={(event) => onChange(event.target.value)}
        {...rest}
      >
        {options.map((option) =>
          isGroup(option) ? (
            <optgroup key={option.label} label={option.label}>
              {option.options.map((o) => (
                <option key={o.value} value={o.value} disabled={o.disabled}>
                  {o.label}
                </option>
              ))}
            </optgroup>
          ) : (
            <option key={option.value} value={option.value} disabled={option.disabled}>
              {option.label}
            </option>
          ),
        )}
      </select>
    </span>
  );
}
