import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

// Unmount what each test rendered (no globals mode, so no automatic cleanup).
afterEach(() => cleanup());
