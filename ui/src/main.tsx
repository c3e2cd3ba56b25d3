import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createChromaClient } from './api/client';
import { App } from './app/App';
import { SessionGate } from './app/SessionGate';
import { initTheme } from './state/theme';
import './kit';

initTheme();
const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <SessionGate>
      <App client={createChromaClient()} />
    </SessionGate>
  </StrictMode>,
);
