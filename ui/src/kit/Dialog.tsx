import { type ReactNode, useEffect, useRef } from 'react';
import { IconButton } from './IconButton';
import { CloseIcon } from './icons';

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  'data-testid'?: string;
}

/** A modal: Escape or a click on the scrim closes it; focus moves in and back out. */
export function Dialog({ title, onClose, children, ...rest }: DialogProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const before = document.activeElement as HTMLElement | null;
    box.current?.focus();
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.stopPropagation();
        onClose();
      }
    };
    window.addEventListener('keydown', onKey, true);
    return () => {
      window.removeEventListener('keydown', onKey, true);
      before?.focus?.();
    };
  }, [onClose]);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the scrim is a mouse convenience; Escape closes too
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is handled on window
    <div
      className="k-overlay"
      onClick={(event) => {
        if (event.target === event.currentTarget) onClose();
      }}
    >
      <div
        ref={box}
        className="k-dialog"
        role="dialog"
        aria-modal="true"
        aria-label={title}
        tabIndex={-1}
        data-testid={rest['data-testid']}
      >
        <div className="k-dialog__head">
          <h2>{title}</h2>
          <IconButton label="Close" icon={<CloseIcon />} variant="ghost" onClick={onClose} />
        </div>
        <div className="k-dialog__body">{children}</div>
      </div>
    </div>
  );
}
