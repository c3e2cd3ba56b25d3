import { Dialog, Kbd } from '../kit';
import { REVIEW_SHORTCUTS, SHORTCUTS } from './shortcuts';

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard and mouse" onClose={onClose} data-testid="help-overlay">
      <table className="x-shortcuts">
        <tbody>
          {[...SHORTCUTS, ...REVIEW_SHORTCUTS].map(([keys, what]) => (
            <tr key={`${keys}: ${what}`}>
              <td>
                {keys.split(' + ').map((k, i) => (
                  <span key={k}>
                    {i > 0 && ' + '}
                    <Kbd>{k}</Kbd>
                  </span>
                ))}
              </td>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="x-note">
        Scroll to zoom, drag to pan. Hover a point for its details; click it to select and open it.
      </p>
    </Dialog>
  );
}
