import { IconButton, icons } from '../kit';
import { nextChoice, setThemeChoice, useTheme } from '../state/theme';

const LABEL = {
  system: 'Theme: follows the system',
  light: 'Theme: light',
  dark: 'Theme: dark',
} as const;

export function ThemeToggle() {
  const { choice } = useTheme();
  const Icon =
    choice === 'system' ? icons.MonitorIcon : choice === 'light' ? icons.SunIcon : icons.MoonIcon;
  return (
    <IconButton
      label={`${LABEL[choice]} (click to change)`}
      icon={<Icon />}
      variant="ghost"
      onClick={() => setThemeChoice(nextChoice(choice))}
      data-testid="theme-toggle"
      data-theme-choice={choice}
    />
  );
}
