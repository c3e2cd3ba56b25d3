// The few lines of Python that put data into an empty Chroma.
import { useState } from 'react';
import { Button } from '../kit';

export function logSnippet(project: string): string {
  return `import numpy as np, chroma

vectors = np.random.default_rng(0).normal(size=(1000, 64)).astype(np.float32)
with chroma.init(project=${JSON.stringify(project)}, dataset="train", space="encoder-v1") as run:
    run.log(vectors, labels=np.arange(1000) % 10)`;
}

export function LogDataSnippet({ project = 'demo' }: { project?: string }) {
  const code = logSnippet(project);
  const [copied, setCopied] = useState(false);
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  return (
    <div className="p-snippet" data-testid="log-snippet">
      <pre className="k-code">
        <code>{code}</code>
      </pre>
      <div className="p-snippet__foot">
        <span className="faint">
          Runs against <code>{origin || 'http://127.0.0.1:8000'}</code> (set <code>CHROMA_URL</code>{' '}
          for another server). A map appears a few seconds later.
        </span>
        <Button
          size="sm"
          onClick={() => {
            void navigator.clipboard?.writeText(code).then(() => setCopied(true));
          }}
        >
          {copied ? 'Copied' : 'Copy'}
        </Button>
      </div>
    </div>
  );
}
