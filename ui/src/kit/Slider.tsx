import { useId } from 'react';

export interface SliderProps {
  label: string;
  value: number;
  min: number;
  max: number;
  step?: number;
  onChange: (value: number) => void;
  format?: (value: number) => string;
  'data-testid'?: string;
}

const plain = (v: number) => String(v);

/** One value on a track: a native range input, so keys and screen readers work. */
export function Slider({
  label,
  value,
  min,
  max,
  step = 1,
  onChange,
  format = plain,
  ...rest
}: SliderProps) {
  const id = useId();
  const fraction = max > min ? (value - min) / (max - min) : 0;
  return (
    <div className="k-slider">
      <div className="k-slider__head">
        <label htmlFor={id}>{label}</label>
        <span className="k-slider__value">{format(value)}</span>
      </div>
      <div className="k-range">
        <div className="k-range__track" />
        <div className="k-range__fill" style={{ left: 0, width: `${fraction * 100}%` }} />
        <input
          id={id}
          type="range"
          min={min}
          max={max}
          step={step}
          value={value}
          onChange={(event) => onChange(Number(event.target.value))}
          data-testid={rest['data-testid']}
        />
      </div>
    </div>
  );
}

export interface RangeSliderProps {
  label: string;
  /** The chosen [low, high]. */
  value: [number, number];
  min: number;
  max: number;
  step?: number;
  onChange: (value: [number, number]) => void;
  format?: (value: number) => string;
  'data-testid'?: string;
}

/** Two thumbs on one track: a low and a high bound that never cross. */
export function RangeSlider({
  label,
  value,
  min,
  max,
  step,
  onChange,
  format = plain,
  ...rest
}: RangeSliderProps) {
  const [low, high] = value;
  const span = max - min || 1;
  const stepSize = step ?? span / 200;
  const left = ((low - min) / span) * 100;
  const right = ((high - min) / span) * 100;
  return (
    <div className="k-slider" data-testid={rest['data-testid']}>
      <div className="k-slider__head">
        <span>{label}</span>
        <span className="k-slider__value">
          {format(low)} – {format(high)}
        </span>
      </div>
      <div className="k-range">
        <div className="k-range__track" />
        <div className="k-range__fill" style={{ left: `${left}%`, width: `${right - left}%` }} />
        <input
          type="range"
          aria-label={`${label} minimum`}
          min={min}
          max={max}
          step={stepSize}
          value={low}
          onChange={(event) => onChange([Math.min(Number(event.target.value), high), high])}
        />
        <input
          type="range"
          aria-label={`${label} maximum`}
          min={min}
          max={max}
          step={stepSize}
          value={high}
          onChange={(event) => onChange([low, Math.max(Number(event.target.value), low)])}
        />
      </div>
    </div>
  );
}
