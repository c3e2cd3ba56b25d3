// A handful of 16px stroke icons, inline so they follow `currentColor` and cost no request.
import type { SVGProps } from 'react';

type IconProps = SVGProps<SVGSVGElement> & { size?: number };

function Svg({ size = 16, children, ...rest }: IconProps) {
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 16 16"
      fill="none"
      stroke="currentColor"
      strokeWidth={1.5}
      strokeLinecap="round"
      strokeLinejoin="round"
      aria-hidden="true"
      focusable="false"
      {...rest}
    >
      {children}
    </svg>
  );
}

export const LassoIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M3 9.5C1.8 8.3 1.6 6.4 2.9 4.8 4.6 2.7 8.7 1.8 11.7 3c2.7 1.1 2.9 3.8.6 5.4-1.7 1.2-4.6 1.6-6.6 1.1" />
    <path d="M5.7 9.5c-1 .7-1.2 2-.3 2.8.8.7 2 .4 2.3-.6" />
    <path d="M7.7 11.7 8.5 14" />
  </Svg>
);

export const PanIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 1.5v13M1.5 8h13M8 1.5 6.2 3.3M8 1.5l1.8 1.8M8 14.5l-1.8-1.8M8 14.5l1.8-1.8M1.5 8l1.8-1.8M1.5 8l1.8 1.8M14.5 8l-1.8-1.8M14.5 8l-1.8 1.8" />
  </Svg>
);

export const ResetIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 6V2.5M2 2.5h3.5M2 2.5l2.2 2.2" />
    <path d="M14 10v3.5M14 13.5h-3.5M14 13.5l-2.2-2.2" />
    <rect x="5" y="5" width="6" height="6" rx="1" />
  </Svg>
);

export const HelpIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="6.5" />
    <path d="M6.2 6.2a1.9 1.9 0 1 1 2.6 1.7c-.5.2-.8.6-.8 1.1v.5" />
    <circle cx="8" cy="11.6" r=".4" fill="currentColor" />
  </Svg>
);

export const SunIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="8" cy="8" r="3" />
    <path d="M8 1v1.5M8 13.5V15M1 8h1.5M13.5 8H15M3 3l1 1M12 12l1 1M3 13l1-1M12 4l1-1" />
  </Svg>
);

export const MoonIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M13.5 9.6A5.8 5.8 0 0 1 6.4 2.5a5.8 5.8 0 1 0 7.1 7.1Z" />
  </Svg>
);

export const MonitorIcon = (p: IconProps) => (
  <Svg {...p}>
    <rect x="1.5" y="2.5" width="13" height="9" rx="1.5" />
    <path d="M5.5 14h5M8 11.5V14" />
  </Svg>
);

export const CloseIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="m4 4 8 8M12 4l-8 8" />
  </Svg>
);

export const ChevronIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="m4.5 6 3.5 3.5L11.5 6" />
  </Svg>
);

export const SearchIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="7" cy="7" r="4.5" />
    <path d="m10.5 10.5 3.5 3.5" />
  </Svg>
);

/** Frame the selection: four corners around a dot (not a magnifier: that is search). */
export const FitIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 5.5V2h3.5M10.5 2H14v3.5M14 10.5V14h-3.5M5.5 14H2v-3.5" />
    <circle cx="8" cy="8" r="1.5" />
  </Svg>
);

export const DownloadIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 2v8.5M4.5 7 8 10.5 11.5 7M2.5 13.5h11" />
  </Svg>
);

export const TagIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 2.5v4.3c0 .4.2.8.4 1l6 6c.6.6 1.5.6 2.1 0l3-3c.6-.6.6-1.5 0-2.1l-6-6a1.5 1.5 0 0 0-1-.4H2.5a.5.5 0 0 0-.5.5Z" />
    <circle cx="5" cy="5" r=".8" fill="currentColor" />
  </Svg>
);

export const MapIcon = (p: IconProps) => (
  <Svg {...p}>
    <circle cx="4" cy="5" r="1" />
    <circle cx="9" cy="3.5" r="1" />
    <circle cx="12" cy="8" r="1" />
    <circle cx="6" cy="10" r="1" />
    <circle cx="10.5" cy="12.5" r="1" />
    <circle cx="3" cy="13" r="1" />
  </Svg>
);

export const EyeOffIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M2 2l12 12M6.6 6.6a2 2 0 0 0 2.8 2.8M4.2 4.3C2.8 5.2 1.8 6.6 1.5 8c.7 2.6 3.4 4.5 6.5 4.5 1.2 0 2.4-.3 3.4-.8M7 3.6c.3 0 .7-.1 1-.1 3.1 0 5.8 1.9 6.5 4.5-.2.8-.6 1.6-1.2 2.2" />
  </Svg>
);

export const WarningIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M8 1.8 14.8 13.5H1.2Z" />
    <path d="M8 6.2v3.4" />
    <circle cx="8" cy="11.6" r=".4" fill="currentColor" />
  </Svg>
);

export const ExternalIcon = (p: IconProps) => (
  <Svg {...p}>
    <path d="M9.5 2.5h4v4M13.5 2.5 7.5 8.5M12 9.5v3a1 1 0 0 1-1 1H3.5a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1h3" />
  </Svg>
);
