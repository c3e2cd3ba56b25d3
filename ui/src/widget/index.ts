// The notebook widget's entry: an anywidget front-end module (https://anywidget.dev),
// built by `vite build -c vite.widget.config.ts` into one self-contained ES module,
// src/chroma/notebook/static/widget.js, that chroma.notebook hands to the notebook.
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { MapWidget } from './MapWidget';
import type { WidgetModel } from './model';
import css from './widget.css?inline';

function render({ model, el }: { model: WidgetModel; el: HTMLElement }): () => void {
  // The styles travel inside the module: one file to ship, nothing to load cross-origin.
  const style = document.createElement('style');
  style.textContent = css;
  el.appendChild(style);
  const mount = document.createElement('div');
  el.appendChild(mount);
  const root = createRoot(mount);
  root.render(createElement(MapWidget, { model }));
  return () => {
    root.unmount();
    mount.remove();
    style.remove();
  };
}

export default { render };
