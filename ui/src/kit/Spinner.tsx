import { classes } from './Button';

export function Spinner({ size = 'md', label }: { size?: 'md' | 'lg'; label?: string }) {
  const className = classes('k-spinner', size === 'lg' && 'k-spinner--lg');
  return label ? (
    <span className={className} role="status" aria-label={label} />
  ) : (
    <span className={className} aria-hidden="true" />
  );
}

export interface ProgressProps {
  /** From 0 to 1; null or undefined: indeterminate (the total is unknown). */
  value?: number | null;
  label?: string;
  /** Right-aligned detail, e.g. "12.4 MB". */
  detail?: string;
  'data-testid'?: string;
}

export function Progress({ value, label, detail, ...rest }: ProgressProps) {
  const known = value !== null && value !== undefined && Number.isFinite(value);
  const percent = known ? Math.round(Math.min(1, Math.max(0, value)) * 100) : undefined;
  return (
    <div
      className={classes('k-progress', !known && 'k-progress--indeterminate')}
      data-testid={rest['data-testid']}
    >
      {(label || detail) && (
        <div className="k-progress__label">
          <span>{label}</span>
          <span className="num">{detail ?? (known ? `${percent}%` : '')}</span>
        </div>
      )}
      <div
        className="k-progress__bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
      >
        <div className="k-progress__fill" style={known ? { width: `${percent}%` } : undefined} />
      </div>
    </div>
  );
}
