// The hand-made component kit: small, themed through CSS variables (tokens.css).
import './tokens.css';
import './kit.css';

export { Badge, type Tone } from './Badge';
export { Button, type ButtonProps, classes } from './Button';
export { Checkbox } from './Checkbox';
export { Dialog } from './Dialog';
export { EmptyState } from './EmptyState';
export { ErrorBox } from './ErrorBox';
export { IconButton } from './IconButton';
export * as icons from './icons';
export { Kbd } from './Kbd';
export { Panel } from './Panel';
export { Select, type SelectGroup, type SelectOption } from './Select';
export { RangeSlider, Slider } from './Slider';
export { Progress, Spinner } from './Spinner';
export { type TabItem, Tabs } from './Tabs';
export { Tooltip } from './Tooltip';
