import { type InputHTMLAttributes, type ReactNode, useEffect, useRef } from 'react';
import { classes } from './Button';

export interface CheckboxProps
  extends Omit<InputHTMLAttributes<HTMLInputElement>, 'onChange' | 'type'> {
  checked: boolean;
  onChange: (checked: boolean, event: React.ChangeEvent<HTMLInputElement>) => void;
  /** Neither checked nor unchecked (e.g. "some of these"). */
  indeterminate?: boolean;
  children?: ReactNode;
}

export function Checkbox({
  checked,
  onChange,
  indeterminate = false,
  disabled,
  children,
  className,
  ...rest
}: CheckboxProps) {
  const ref = useRef<HTMLInputElement>(null);
  // `indeterminate` is a DOM property only, never an attribute.
  useEffect(() => {
    if (ref.current) ref.current.indeterminate = indeterminate;
  }, [indeterminate]);
  return (
    <label className={classes('k-check', disabled && 'k-check--disabled', className)}>
      <input
        ref={ref}
        type="checkbox"
        checked={checked}
        disabled={disabled}
        onChange={(event) => onChange(event.target.checked, event)}
        {...rest}
      />
      {children}
    </label>
  );
}
